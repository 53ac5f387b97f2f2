"""mg.trace, mg.draw, mg.to_dot: the recorded graph made visible (issue 7)."""

import importlib.util
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.manual import two_layer_softmax_backprop as tutorial_backprop
from minigrad.tape.layout import _spread, layout
from minigrad.tape.rules import RULES

ROOT = Path(__file__).parents[1]


# -- the tutorial's network and its hand-derived backprop ------------------------------------------


def tutorial_net(n=12, hidden=3, reg_lambda=0.0, seed=0):
    """The 2-H-2 tanh/softmax network on named tensors; the loss is the summed cross-entropy (+ λ/2 ΣW²)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    arrays = {
        "W1": rng.standard_normal((2, hidden)) / np.sqrt(2),
        "b1": 0.1 * rng.standard_normal((1, hidden)),
        "W2": rng.standard_normal((hidden, 2)) / np.sqrt(hidden),
        "b2": 0.1 * rng.standard_normal((1, 2)),
    }
    t = {k: mg.Tensor(v, requires_grad=True, name=k) for k, v in arrays.items()}
    Xt = mg.Tensor(X, name="X")
    z1 = (Xt @ t["W1"] + t["b1"]).named("z1")
    a1 = mg.tanh(z1).named("a1")
    z2 = (a1 @ t["W2"] + t["b2"]).named("z2")
    loss = -mg.log_softmax(z2)[np.arange(n), y].sum()
    if reg_lambda:
        loss = loss + reg_lambda / 2 * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    return X, y, arrays, t, loss.named("loss")


# -- forward trace ---------------------------------------------------------------------------------


def test_forward_rows_follow_the_program_with_names_ops_and_shapes():
    X, y, arrays, t, loss = tutorial_net(n=12)
    tr = mg.trace(loss)
    assert [r.label for r in tr.rows] == [
        "X", "W1", "%2", "b1", "z1", "a1", "W2", "%7", "b2", "z2", "%10", "%11", "%12", "loss",
    ]  # fmt: skip
    assert [r.op for r in tr.rows if r.kind == "op"] == [
        "matmul", "add", "tanh", "matmul", "add", "log_softmax", "getitem", "sum", "neg",
    ]  # fmt: skip
    assert tr.row("z1").shape == (12, 3) and tr.row("%11").shape == (12,) and tr.root.shape == ()
    assert tr.row("z2").inputs == (tr.row("%7").index, tr.row("b2").index)
    assert tr.root.label == "loss" and tr.row(loss) is tr.root
    assert tr.row("X").kind == "const" and not tr.row("X").requires_grad
    assert tr.row("W1").kind == "leaf" and tr.row("W1").requires_grad
    assert all(r.dtype == "float64" for r in tr.rows)


def test_rules_are_written_with_the_tensors_names():
    *_, loss = tutorial_net()
    tr = mg.trace(loss)
    assert tr.row("a1").rule == "dz1 = g * (1 - a1**2)"
    assert tr.row("%7").rule == "da1 = g @ W2ᵀ; dW2 = a1ᵀ @ g"
    assert tr.row("%2").rule == "dW1 = Xᵀ @ g"  # X is a constant: backward sends it nothing
    assert tr.row("%10").rule == "dz2 = g - exp(%10) * Σ g"
    assert tr.row("W1").rule == "" and tr.row("X").rule == ""


def test_broadcasts_summed_away_are_marked():
    *_, loss = tutorial_net()
    tr = mg.trace(loss)
    z1 = tr.row("z1")
    assert z1.summed == ((), (0,))
    assert z1.rules[1] == "db1 = g, Σ over axis 0"
    a = mg.Tensor(np.ones((1, 3)), requires_grad=True, name="a")
    b = mg.Tensor(np.ones((4, 1)), requires_grad=True, name="b")
    c = mg.Tensor(np.ones(3), requires_grad=True, name="c")
    out = (a * b + c).named("out")
    rows = {r.label: r for r in mg.trace(out).rows}
    assert rows["%2"].summed == ((0,), (1,))
    assert rows["%2"].rule == "da = g * b, Σ over axis 0; db = g * a, Σ over axis 1"
    assert rows["out"].summed == ((), (0,))
    # batched matmul: the weight's gradient is summed over the batch axis
    x = mg.Tensor(np.ones((5, 2, 3)), name="x")
    W = mg.Tensor(np.ones((3, 4)), requires_grad=True, name="W")
    assert mg.trace(x @ W).root.summed == ((), (0,))
    assert mg.trace(x @ W).root.rule == "dW = xᵀ @ g, Σ over axis 0"


def test_scalar_constants_appear_by_value_and_the_table_shows_kinds():
    w = mg.Tensor(np.arange(3.0), requires_grad=True, name="w")
    data = mg.Tensor(np.ones(3), name="data")
    loss = ((w * data) ** 2).sum().named("loss")
    tr = mg.trace(loss)
    two = next(r for r in tr.rows if r.is_scalar_constant)
    assert two.label == "2" and two.kind == "const"
    assert tr.row("%4").rule == "d%2 = g * 2 * %2**(2 - 1)"
    text = str(tr)
    lines = text.splitlines()
    assert lines[0].startswith("graph of loss: 6 nodes: 1 leaf, 2 constants, 3 ops")
    assert re.search(r"^1\s+data\s+const\s+\(3,\)\s+float64\s+-", text, re.M)
    assert re.search(r"^0\s+w\s+leaf\s+\(3,\)\s+float64\s+yes", text, re.M)
    assert re.search(r"^4\s+%4\s+pow\s+%2, 2\s", text, re.M)
    assert not re.search(r"^3\s", text, re.M)  # the scalar's own row is folded into its use


def test_every_recorded_op_has_a_rule():
    sources = [*(ROOT / "minigrad" / "ops").glob("*.py"), ROOT / "minigrad" / "functional.py"]
    names = set()
    for path in sources:
        names |= set(re.findall(r'\b(?:record|binary|_unary|_extreme)\(\s*"([a-z_]+)"', path.read_text()))
    assert {"add", "matmul", "tanh", "max", "log_softmax", "input"} <= names
    assert sorted(names - set(RULES)) == []


def test_duplicate_names_get_distinct_labels_and_ambiguous_lookups_fail():
    x = mg.Tensor(np.ones(2), requires_grad=True, name="x")
    h = mg.tanh(x).named("h")
    h2 = mg.tanh(h).named("h")
    tr = mg.trace(h2.sum())
    assert [r.label for r in tr.rows[:3]] == ["x", "h%1", "h%2"]
    assert tr.row("h%2").inputs == (1,)
    with pytest.raises(KeyError, match="2 tensors are named 'h'"):
        tr.row("h")
    with pytest.raises(KeyError, match="no tensor labelled"):
        tr.row("nope")


def test_a_freed_graph_cannot_be_traced_but_a_backward_trace_keeps_its_rows():
    *_, loss = tutorial_net()
    loss.backward()
    with pytest.raises(mg.GraphFreedError, match="trace it before backward"):
        mg.trace(loss)
    *_, loss = tutorial_net()
    tr = mg.trace(loss, backward=True)
    assert len(tr.rows) == 14 and "matmul" in str(tr)


# -- backward trace --------------------------------------------------------------------------------


def test_gradients_arriving_at_z2_and_z1_are_the_tutorials_delta3_and_delta2():
    X, y, arrays, t, loss = tutorial_net(n=20)
    ref = tutorial_backprop(X, y, arrays["W1"], arrays["b1"], arrays["W2"], arrays["b2"], reg_lambda=0.0)
    tr = mg.trace(loss, backward=True, notes={"z2": "δ3 = ŷ − y", "z1": "δ2 = (1 − a1²) ∘ δ3 W2ᵀ"})
    np.testing.assert_allclose(tr.grad_at("z2"), ref["delta3"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tr.grad_at("z1"), ref["delta2"], rtol=1e-12, atol=1e-14)
    assert tr.grad_at("z2").shape == (20, 2)
    text = tr.backward_table()
    z2_line = next(line for line in text.splitlines() if re.match(r"\s*\d+\. z2 ", line))
    assert z2_line.endswith("← δ3 = ŷ − y")
    assert f"{ref['delta3'].ravel()[0]:.4g}" in z2_line  # the values shown are δ3's


def test_backward_trace_fills_grad_as_backward_does_and_records_what_each_node_sends():
    lam = 0.01
    X, y, arrays, t, loss = tutorial_net(n=15, reg_lambda=lam)
    ref = tutorial_backprop(X, y, **arrays, reg_lambda=lam)
    tr = mg.trace(loss, backward=True)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(t[name].grad, ref["d" + name], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tr.grad_at(name), t[name].grad, rtol=1e-15)
    z2 = tr.step("z2")
    assert [s.label for s in z2.sent] == ["%7", "b2"]
    assert z2.sent[1].rule == "db2 = g, Σ over axis 0"
    np.testing.assert_allclose(z2.sent[1].grad, ref["delta3"].sum(axis=0, keepdims=True), rtol=1e-12)
    # W1 is used twice (X @ W1 and W1**2): it receives the sum of both contributions
    into_w1 = [s.grad for step in tr.steps for s in step.sent if s.label == "W1"]
    assert len(into_w1) == 2
    np.testing.assert_allclose(into_w1[0] + into_w1[1], ref["dW1"], rtol=1e-12)
    with pytest.raises(KeyError, match="does not require grad"):
        tr.grad_at("X")


def test_each_node_is_visited_after_all_its_consumers_and_receives_what_they_sent():
    *_, loss = tutorial_net(reg_lambda=0.1)
    tr = mg.trace(loss, backward=True)
    position = {s.row: k for k, s in enumerate(tr.steps)}
    assert tr.steps[0].label == "loss" and set(position) == {r.index for r in tr.rows if r.requires_grad}
    received = {}
    for step in tr.steps:
        for s in step.sent:
            assert position[s.to] > position[step.row]
            assert s.grad.shape == tr.rows[s.to].shape
            received[s.to] = received.get(s.to, 0) + s.grad
    for step in tr.steps[1:]:
        np.testing.assert_allclose(step.grad, received[step.row], rtol=1e-12)


def test_leaf_gradients_kept_by_the_trace_do_not_change_when_grad_is_updated_in_place():
    x = mg.Tensor(np.ones(3), requires_grad=True, name="x")
    tr = mg.trace((x * 2.0).sum(), backward=True)
    x.grad *= 0
    np.testing.assert_array_equal(tr.grad_at("x"), [2.0, 2.0, 2.0])


def test_backward_trace_of_a_non_scalar_output_takes_grad():
    x = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    tr = mg.trace((x * x).named("y"), backward=True, grad=np.array([1.0, 10.0]))
    np.testing.assert_allclose(tr.grad_at("y"), [1.0, 10.0])
    np.testing.assert_allclose(x.grad, [2.0, 40.0])
    assert [s.label for s in tr.step("y").sent] == ["x", "x"]


# -- large graphs ----------------------------------------------------------------------------------


def test_a_60000_node_graph_traces_without_recursion_and_prints_a_summary():
    x = mg.Tensor(np.array([0.5, -0.3]), requires_grad=True, name="x")
    y = x
    for _ in range(60_000):
        y = mg.tanh(y)
    y = y.sum().named("y")
    start = time.perf_counter()
    tr = mg.trace(y, backward=True, max_rows=20)
    text = str(tr)
    elapsed = time.perf_counter() - start
    assert len(tr.rows) == 60_002 and len(tr.steps) == 60_002
    assert "ops: 60000 tanh, 1 sum" in text
    assert "59982 rows not shown" in text and "59982 steps not shown" in text
    assert len(text.splitlines()) < 80
    np.testing.assert_allclose(tr.grad_at("x"), x.grad)
    assert tr.counts() == {"tanh": 60_000, "leaf": 1, "sum": 1}
    # generous: catches quadratic work (hours at this size), not machine noise
    assert elapsed < 30, f"tracing 60,000 nodes took {elapsed:.1f} s"


# -- DOT -------------------------------------------------------------------------------------------

_STRING = r'"(?:[^"\\]|\\.)*"'
_VALUE = rf"(?:{_STRING}|[\w.#-]+)"
_ATTRS = rf"\[\s*\w+={_VALUE}(?:\s*,\s*\w+={_VALUE})*\s*\]"


def parse_dot(text):
    """A small structural check of DOT text: header, balanced braces, statements, declared endpoints."""
    lines = text.strip().splitlines()
    assert re.fullmatch(rf"digraph\s+(?:{_STRING}|\w+)\s*\{{", lines[0]), lines[0]
    assert lines[-1].strip() == "}"
    depth, quoted, escaped = 0, False, False
    for ch in text:
        if quoted:
            quoted, escaped = (ch != '"' or escaped), (ch == "\\" and not escaped)
        elif ch == '"':
            quoted = True
        elif ch in "{}":
            depth += 1 if ch == "{" else -1
            assert depth >= 0
    assert depth == 0 and not quoted
    nodes, edges = set(), []
    for line in (s.strip() for s in lines[1:-1]):
        if m := re.fullmatch(rf"(\w+)\s*->\s*(\w+)\s*(?:{_ATTRS})?\s*;", line):
            edges.append((m[1], m[2]))
        elif m := re.fullmatch(rf"(node|edge|graph)\s*{_ATTRS}\s*;", line):
            pass
        elif m := re.fullmatch(rf"(\w+)\s*{_ATTRS}\s*;", line):
            nodes.add(m[1])
        else:
            assert re.fullmatch(rf"(?:\w+={_VALUE};\s*)+", line), f"not a DOT statement: {line!r}"
    assert all(a in nodes and b in nodes for a, b in edges), "an edge uses an undeclared node"
    return nodes, edges


def test_to_dot_is_a_well_formed_digraph_with_the_graphs_nodes_and_edges():
    *_, loss = tutorial_net()
    text = mg.to_dot(loss)
    nodes, edges = parse_dot(text)
    assert len(nodes) == 14 and len(edges) == 13
    assert ("n3", "n4") in edges  # b1 -> z1
    assert re.search(r'n3 -> n4 \[label="Σ axis 0"', text)
    assert 'n13 [label="loss\\nneg  ()"' in text and "penwidth=2" in text
    assert "dashed" in text  # the constant X


def test_to_dot_escapes_awkward_names_and_works_from_a_trace_after_backward():
    a = mg.Tensor(np.ones(2), requires_grad=True, name='say "hi" \\ {ok}')
    tr = mg.trace((a * 3.0).sum(), backward=True)
    text = mg.to_dot(tr)
    nodes, edges = parse_dot(text)
    assert len(nodes) == 3 and len(edges) == 2
    assert '\\"hi\\" \\\\ {ok}' in text
    assert "mul(·, 3)" in text and "‖g‖ 1" in text


# -- drawing ---------------------------------------------------------------------------------------


def test_layout_points_every_edge_right_and_keeps_nodes_of_a_column_apart():
    *_, loss = tutorial_net(reg_lambda=0.01)
    rows = mg.trace(loss).rows
    lay = layout(rows)
    assert all(lay.column[d] > lay.column[s] for s, d in lay.edges)
    assert lay.column[rows[-1].index] == lay.columns - 1
    assert lay.column[rows[1].index] == lay.column[rows[0].index]  # W1 beside X, right before X @ W1
    for c in range(lay.columns):
        ys = sorted(
            [lay.row[i] for i in lay.nodes if lay.column[i] == c]
            + [y for r in lay.routes.values() for x, y in r if x == c]
        )
        assert all(b - a >= 1 - 1e-9 for a, b in zip(ys, ys[1:]))


def test_spread_keeps_order_and_unit_gaps_closest_to_the_wish():
    assert _spread([0.0, 0.0, 0.0]) == pytest.approx([-1.0, 0.0, 1.0])
    assert _spread([0.0, 5.0]) == pytest.approx([0.0, 5.0])
    assert _spread([2.0, 0.0, 10.0]) == pytest.approx([0.5, 1.5, 10.0])


def _png(path):
    from matplotlib.image import imread

    image = imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    assert (image[..., :3] < 0.5).any() and (image[..., :3] > 0.9).any()  # ink on paper
    return image


def test_draw_writes_a_png_of_the_tutorial_network(tmp_path):
    pytest.importorskip("matplotlib")  # drawing needs the [plot] extra; without it this skips
    *_, loss = tutorial_net(reg_lambda=0.01)
    path = mg.draw(loss, tmp_path / "sub" / "graph.png")
    assert path == tmp_path / "sub" / "graph.png"
    image = _png(path)
    assert image.shape[1] > 2 * image.shape[0] > 600  # wide: ten columns left to right


def test_draw_from_a_backward_trace_and_a_compact_view_of_hundreds_of_nodes(tmp_path):
    pytest.importorskip("matplotlib")  # drawing needs the [plot] extra; without it this skips
    rng = np.random.default_rng(0)
    W = mg.Tensor(rng.standard_normal((3, 3)), requires_grad=True, name="W")
    h, loss = mg.Tensor(np.ones((2, 3))), 0.0
    for _ in range(60):
        h = mg.tanh(h @ W + rng.standard_normal((2, 3)))
        loss = loss + (h**2).sum()
    tr = mg.trace(loss.named("loss"), backward=True)
    assert len(tr.rows) > 400
    image = _png(mg.draw(tr, tmp_path / "big.png"))
    assert image.shape[1] > 1000
    svg = mg.draw(tr, tmp_path / "big.svg").read_text()  # the format follows the extension
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_draw_says_what_is_missing_without_matplotlib(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    x = mg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        mg.draw(x.sum(), tmp_path / "g.png")
    assert "digraph" in mg.to_dot(x.sum())


def test_the_example_explains_and_draws_the_tutorial_network(tmp_path, capsys):
    pytest.importorskip("matplotlib")  # drawing needs the [plot] extra; without it this skips
    spec = importlib.util.spec_from_file_location("explain_graph", ROOT / "examples" / "explain_graph.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.main([str(tmp_path / "graph.png")]) == 0
    out = capsys.readouterr().out
    assert "← δ3 = ŷ − y" in out and "← δ2 = (1 − a1²) ∘ δ3 W2ᵀ" in out
    diffs = [float(m) for m in re.findall(r"max \|difference\| = (\S+)", out)]
    assert len(diffs) == 2 and max(diffs) < 1e-12
    _png(tmp_path / "graph.png")


@pytest.mark.parametrize(
    "broken",
    [
        'graph "g" {\n  n0 [label="a"];\n}\n',  # not a digraph
        'digraph "g" {\n  n0 [label="a"];\n  n0 -> n1;\n}\n',  # n1 never declared
        'digraph "g" {\n  n0 [label="a}"];\n  {\n}\n',  # unbalanced outside the string
        'digraph "g" {\n  n0 [label="a];\n}\n',  # unterminated string
    ],
)
def test_the_dot_checker_rejects_broken_text(broken):
    with pytest.raises(AssertionError):
        parse_dot(broken)


def test_single_tensors_trace_draw_and_export(tmp_path):
    pytest.importorskip("matplotlib")  # drawing needs the [plot] extra; without it this skips
    c = mg.Tensor(3.0)
    assert [r.label for r in mg.trace(c).rows] == ["3"] and "0  3     const" in str(mg.trace(c))
    nodes, edges = parse_dot(mg.to_dot(c))
    assert nodes == {"n0"} and edges == []
    _png(mg.draw(c, tmp_path / "c.png"))
    x = mg.Tensor(np.ones(2), requires_grad=True, name="x")
    tr = mg.trace(x, backward=True, grad=np.array([1.0, 2.0]))
    assert [s.label for s in tr.steps] == ["x"] and "→ added into x.grad" in tr.backward_table()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])

"""mg.compile: compiled programs equal eager minigrad, retrace on new signatures, refuse value-dependent
control flow, and each optimisation pass keeps what the program computes.

Tolerance: a compiled program makes the same NumPy calls as eager minigrad except
where a pass rewrites them (x**2 as x*x, a sum over one axis as a product with
ones), which changes rounding only: values agree to rtol 1e-12 (atol 1e-12 for
values near zero) in float64, and to float32 rounding (rtol 1e-5) in float32.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import datasets
from minigrad.compile import RetraceWarning
from minigrad.compile.passes import common_subexpressions, dead_code, plan_buffers, simplify
from minigrad.testing import arrays, broadcastable_shapes, shapes
from minigrad.tracing import Eqn, Trace, Var

from .test_ops import BINARY, REDUCTIONS, UNARY


def assert_compiled_matches(f, *inputs, rtol=1e-12):
    """Value, gradient and a second derivative (hvp) of ``f`` compiled equal eager."""
    np.testing.assert_allclose(mg.compile(f)(*inputs).data, f(*inputs).data, rtol=rtol, atol=1e-12)
    scalar = lambda *xs: (f(*xs) * f(*xs)).sum()
    argnums = tuple(range(len(inputs)))
    eager_g = mg.grad(scalar, argnums=argnums)(*inputs)
    compiled_g = mg.compile(mg.grad(scalar, argnums=argnums))(*inputs)
    for e, c in zip(eager_g, compiled_g):
        np.testing.assert_allclose(c.data, e.data, rtol=rtol, atol=1e-12)
    x, rest = inputs[0], inputs[1:]
    v = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    # Second order both ways: reverse over reverse, and forward over reverse (mg.hvp).
    rev_rev = lambda x, v: mg.grad(lambda t: (mg.grad(lambda u: scalar(u, *rest))(t) * v).sum())(x)
    fwd_rev = lambda x, v: mg.hvp(lambda t: scalar(t, *rest), x, v)
    for second in (rev_rev, fwd_rev):
        np.testing.assert_allclose(mg.compile(second)(x, v).data, second(x, v).data, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name, op, ref, domain", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_every_unary_op_compiles_to_eager_values_and_derivatives(name, op, ref, domain, data):
    x = data.draw(arrays(shapes(max_dims=2, max_side=4), domain))
    assert_compiled_matches(op, x)


@pytest.mark.parametrize("name, op, ref, da, db", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_every_binary_op_compiles_with_broadcasting(name, op, ref, da, db, data):
    shape_a, shape_b = data.draw(broadcastable_shapes(max_dims=3, max_side=3))
    a, b = data.draw(arrays(shape_a, da)), data.draw(arrays(shape_b, db))
    if db == "separated":
        b = b - 0.025
    assert_compiled_matches(op, a, b)


@pytest.mark.parametrize("name, op, ref, domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(data=st.data())
def test_every_reduction_compiles(name, op, ref, domain, data):
    x = data.draw(arrays(shapes(min_dims=1, max_dims=3, max_side=3), domain))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    keepdims = data.draw(st.booleans())
    assert_compiled_matches(lambda t: op(t, axis=axis, keepdims=keepdims), x)


@given(data=st.data())
def test_indexing_softmax_family_matmul_and_joins_compile(data):
    x = data.draw(arrays(shapes(min_dims=2, max_dims=2, min_side=2, max_side=4)))
    idx = (np.array([0, 1, 0]), np.array([1, 0, 1]))
    assert_compiled_matches(lambda t: t[idx] * 2.0, x)
    assert_compiled_matches(lambda t: t[1:, ::-1], x)
    assert_compiled_matches(mg.softmax, x)
    assert_compiled_matches(mg.log_softmax, x)
    assert_compiled_matches(lambda t: t @ t.T, x)
    assert_compiled_matches(lambda t: mg.concatenate([t, t * 2.0], axis=1), x)
    assert_compiled_matches(lambda t: mg.stack([t, mg.tanh(t)]), x)


def moons_step(dtype=np.float64):
    np.random.seed(0)
    X, y = datasets.make_moons(200, noise=0.20)
    X = X.astype(dtype)
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(2, 3)) / np.sqrt(2), np.zeros(3), rng.normal(size=(3, 2)) / np.sqrt(3), np.zeros(2)]
    params = [p.astype(dtype) for p in params]

    def loss(W1, b1, W2, b2):
        z1 = (X @ W1 + b1).named("z1")
        a1 = mg.tanh(z1).named("a1")
        z2 = (a1 @ W2 + b2).named("z2")
        return mg.softmax_cross_entropy(z2, y, reduction="sum") + 0.005 * ((W1 * W1).sum() + (W2 * W2).sum())

    return loss, params


def test_moons_step_equals_eager_and_reads_like_the_tutorial():
    loss, params = moons_step()
    step = mg.compile(mg.value_and_grad(loss, argnums=(0, 1, 2, 3)))
    value, grads = step(*params)
    eager_value, eager_grads = mg.value_and_grad(loss, argnums=(0, 1, 2, 3))(*params)
    np.testing.assert_allclose(value.data, eager_value.data, rtol=1e-12)
    for g, e in zip(grads, eager_grads):
        np.testing.assert_allclose(g.data, e.data, rtol=1e-12, atol=1e-15)
    source = step.source
    assert source.startswith("def loss(W1, b1, W2, b2):")
    for name in ("z1 =", "a1 =", "z2 =", "dW1", "db1", "dW2", "db2", "dz2", "da1", "np.tanh(z1"):
        assert name in source, name
    assert "# VJP of tanh" in source and "# VJP of softmax_cross_entropy" in source
    lines = source.strip().splitlines()
    assert 20 <= len(lines) <= 55, len(lines)  # one line per array operation, no more


def test_later_calls_recompute_everything_from_the_arguments():
    # relu's mask, the max's position and the softmax shift must follow the new inputs.
    f = mg.grad(lambda x: (mg.relu(x) * mg.softmax(x)).sum() + x.max())
    compiled = mg.compile(f)
    for seed in range(4):
        x = np.random.default_rng(seed).normal(size=5) * 3
        np.testing.assert_allclose(compiled(x).data, f(x).data, rtol=1e-12, atol=1e-15)
    assert compiled.traces == 1


def test_new_shapes_dtypes_and_python_values_retrace():
    scale_calls = []

    def f(x, scale):
        scale_calls.append(scale)
        return mg.tanh(x) * scale

    compiled = mg.compile(f)
    compiled(np.ones(3), 2.0)
    compiled(np.ones(3) * 2, 2.0)
    assert compiled.traces == 1
    compiled(np.ones(4), 2.0)
    compiled(np.ones(3, dtype=np.float32), 2.0)
    out = compiled(np.ones(3), 3.0)
    assert compiled.traces == 4 and scale_calls == [2.0, 2.0, 2.0, 3.0]
    np.testing.assert_allclose(out.data, np.tanh(1.0) * 3.0)
    assert compiled(np.ones(3, dtype=np.float32), 2.0).dtype == np.float32


def test_a_function_that_keeps_retracing_gets_a_warning():
    compiled = mg.compile(lambda x: x * 2.0, warn_after=3)
    with pytest.warns(RetraceWarning, match="traced 4 times"):
        for n in range(1, 6):
            compiled(np.ones(n))


def test_value_dependent_control_flow_is_refused_naming_the_line():
    def branchy(x):
        if (x.sum() > 0).item():
            return x * 2.0
        return x

    def branchy_bool(x):
        return x * 2.0 if mg.Tensor(x.data.sum()) > 0 else x

    with pytest.raises(mg.TracingError, match=r"test_compile.py:\d+"):
        mg.compile(branchy)(np.ones(3))
    with pytest.raises(mg.TracingError, match="specialised"):
        mg.compile(lambda x: mg.Tensor(float(x.data.sum())))(np.ones(3))


def test_closed_over_arrays_and_labels_are_folded_into_constants():
    X = np.random.default_rng(0).normal(size=(4, 2))
    onehot_source = mg.compile(lambda W: (X @ W).sum() * (X.T @ X).sum())
    onehot_source(np.ones((2, 3)))
    # X.T @ X does not depend on W: computed once while tracing, a constant of the program.
    assert onehot_source.source.count("@") == 1


def test_outputs_are_fresh_arrays_on_every_call():
    compiled = mg.compile(lambda x: (mg.tanh(x) * 2.0, x * x + 1.0))
    a, b = compiled(np.ones(3))
    a_copy, b_copy = a.data.copy(), b.data.copy()
    compiled(np.full(3, 5.0))
    np.testing.assert_array_equal(a.data, a_copy)
    np.testing.assert_array_equal(b.data, b_copy)


def test_float32_programs_stay_float32():
    loss, params32 = moons_step(np.float32)
    vg = mg.value_and_grad(loss, argnums=(0, 1, 2, 3))
    value, grads = mg.compile(vg)(*params32)
    eager_value, eager_grads = vg(*params32)
    assert value.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    np.testing.assert_allclose(value.data, eager_value.data, rtol=1e-5)
    for g, e in zip(grads, eager_grads):
        np.testing.assert_allclose(g.data, e.data, rtol=1e-4, atol=1e-5)


def test_pytree_arguments_and_transforms_compile():
    params = {"W": np.array([[0.5, -1.0], [2.0, 0.1]]), "b": np.array([0.1, 0.2])}
    x = np.array([1.0, -2.0])
    loss = lambda p, x: mg.tanh(x @ p["W"] + p["b"]).sum()
    g = mg.compile(mg.grad(loss))(params, x)
    e = mg.grad(loss)(params, x)
    assert set(g) == {"W", "b"}
    np.testing.assert_allclose(g["W"].data, e["W"].data, rtol=1e-12)
    hv = mg.compile(lambda p, v: mg.hvp(lambda q: loss(q, x), p, v))(params, params)
    np.testing.assert_allclose(hv["b"].data, mg.hvp(lambda q: loss(q, x), params, params)["b"].data, rtol=1e-12)


def test_tensors_that_require_grad_are_refused_as_arguments():
    with pytest.raises(TypeError, match="Compile the transform"):
        mg.compile(lambda x: x * 2.0)(mg.Tensor(np.ones(2), requires_grad=True))


# -- the passes, each on a small hand-built trace -------------------------------------
def _eqn(trace, kind, fn, args, shape=(3,), dtype=np.float64, kwargs=None):
    trace.n_vars += 1
    out = Var(trace.n_vars, shape, np.dtype(dtype))
    e = Eqn(out, kind, fn, args, kwargs or {}, None, "test")
    trace.eqns.append(e)
    return out


def test_dead_code_keeps_only_what_outputs_need():
    t = Trace()
    x = Var(0, (3,), np.dtype(float))
    used = _eqn(t, "ufunc", np.exp, (x,))
    _eqn(t, "ufunc", np.log, (x,))
    kept = dead_code(t.eqns, [used])
    assert [e.out for e in kept] == [used]


def test_common_subexpressions_compute_repeated_work_once():
    t = Trace()
    x = Var(0, (3,), np.dtype(float))
    a = _eqn(t, "ufunc", np.exp, (x,))
    b = _eqn(t, "ufunc", np.exp, (x,))
    c = _eqn(t, "ufunc", np.add, (a, b))
    kept, outputs = common_subexpressions(t.eqns, [c])
    assert len(kept) == 2 and kept[1].args == (a, a)


def test_simplify_drops_identities_but_never_a_broadcast():
    t = Trace()
    x = Var(0, (3,), np.dtype(float))
    one = t.const(np.float64(1.0))
    zero = t.const(np.float64(0.0))
    same = _eqn(t, "ufunc", np.multiply, (x, one))
    plus = _eqn(t, "ufunc", np.add, (same, zero))
    widened = _eqn(t, "ufunc", np.multiply, (plus, t.const(np.ones((2, 3)))), shape=(2, 3))
    kept, outputs = simplify(t.eqns, [plus, widened], t.consts)
    assert outputs[0] is x and len(kept) == 1 and kept[0].args[0] is x


def test_buffers_are_reused_only_when_dead_and_never_for_outputs():
    t = Trace()
    x = Var(0, (3,), np.dtype(float))
    a = _eqn(t, "ufunc", np.exp, (x,))
    b = _eqn(t, "ufunc", np.negative, (a,))  # a dies here: b may overwrite it in place
    view = _eqn(t, "method", "reshape", (b, (3, 1)), shape=(3, 1))
    c = _eqn(t, "ufunc", np.log, (x,))  # b is still alive through its view (an output): no reuse
    plan = plan_buffers(t.eqns, [view, c], [x])
    assert c.id not in plan  # never writes into the buffer an output views
    assert b.id not in plan  # the buffer ends up holding an output, so it stays fresh


def test_buffer_plan_reuses_a_dead_intermediate():
    t = Trace()
    x = Var(0, (3,), np.dtype(float))
    a = _eqn(t, "ufunc", np.exp, (x,))
    b = _eqn(t, "ufunc", np.log, (a,))
    s = _eqn(t, "method", "sum", (b,), shape=())
    plan = plan_buffers(t.eqns, [s], [x])
    assert plan == {b.id: a}


# -- the ops added since: elementary functions, stable primitives, special points ------------
from .edge_table import ROWS  # noqa: E402
from .test_array_ops import ELEMENTARY, _inputs  # noqa: E402


@pytest.mark.parametrize("name, ref, domain", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
@given(data=st.data())
def test_every_elementary_op_compiles(name, ref, domain, data):
    x = data.draw(_inputs(shapes(max_dims=2, max_side=3), domain))
    assert_compiled_matches(getattr(mg, name), x, rtol=1e-11)


@pytest.mark.parametrize("name", ["norm", "log_sigmoid", "softplus", "log1p", "expm1"])
@given(data=st.data())
def test_stable_primitives_compile(name, data):
    x = data.draw(
        arrays(shapes(min_dims=1, max_dims=2, max_side=3), "positive" if name in ("norm", "log1p") else "real")
    )
    assert_compiled_matches(getattr(mg, name), x, rtol=1e-11)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_compiled_gradients_keep_every_special_point_convention(row):
    # The table's inputs sit at 0, ±inf, nan, ties and domain edges: the compiled program must
    # select, guard and split exactly as eager minigrad does (nan where eager gives nan).
    inputs = [np.asarray(x, dtype=np.float64) for x in row.inputs]
    argnums = tuple(range(len(inputs)))
    f = lambda *xs: row.f(*xs).sum()  # noqa: E731
    with np.errstate(all="ignore"):
        eager = mg.grad(f, argnums)(*inputs)
        compiled = mg.compile(mg.grad(f, argnums))(*inputs)
    for e, c in zip(eager, compiled):
        np.testing.assert_array_equal(c.data, e.data)


# -- found by a fresh user: each once gave a silently wrong or confusing result ---------------
def test_a_mask_on_the_left_of_an_operator_is_recomputed():
    X = np.random.default_rng(0).standard_normal((5, 2))

    def loss(W):
        h = X @ W
        return (((h > 0) * h) ** 2).sum() + (h.data * h).sum()

    step = mg.compile(mg.value_and_grad(loss))
    step(np.ones((2, 3)))
    for W in (-np.ones((2, 3)), np.random.default_rng(1).normal(size=(2, 3))):
        value, g = step(W)
        eager_value, eager_g = mg.value_and_grad(loss)(W)
        np.testing.assert_allclose(value.data, eager_value.data, rtol=1e-12)
        np.testing.assert_allclose(g.data, eager_g.data, rtol=1e-12, atol=1e-15)


def test_writes_and_conversions_inside_are_refused_with_the_line():
    def write(x):
        y = x * 2.0
        y[0] = 5.0
        return y

    with pytest.raises(mg.TracingError, match=r"in-place write .*test_compile.py:\d+"):
        mg.compile(write)(np.ones(3))
    with pytest.raises(mg.TracingError, match=r"test_compile.py:\d+"):
        mg.compile(lambda x: mg.Tensor(np.asarray(x)) * 2.0)(np.ones(3))


def test_random_dropout_is_refused_and_eval_mode_compiles():
    drop = mg.nn.Dropout(0.5)
    with pytest.raises(mg.TracingError, match="dropout"):
        mg.compile(lambda x: drop(x))(np.ones(4))
    drop.eval()
    np.testing.assert_array_equal(mg.compile(lambda x: drop(x))(np.ones(4)).data, np.ones(4))


def test_keyword_arguments_bind_as_the_signature_says():
    def loss(W, X=None, scale=1.0):
        return (mg.tanh(X @ W) * scale).sum()

    compiled = mg.compile(loss)
    W, X = np.ones((2, 3)), np.ones((4, 2))
    np.testing.assert_allclose(compiled(W, X=X, scale=2.0).data, loss(W, X, 2.0).data, rtol=1e-12)


def test_an_identity_returns_a_new_array_not_the_argument():
    x = np.ones(3)
    y = mg.compile(lambda x: x * 1.0)(x)
    y.data[0] = 7.0
    np.testing.assert_array_equal(x, np.ones(3))


def test_labels_passed_as_arguments_are_checked_on_every_call():
    from minigrad import losses

    z = np.random.default_rng(0).normal(size=(4, 3))
    f = mg.value_and_grad(lambda z, t: losses.cross_entropy(z, t))
    compiled = mg.compile(f)
    for labels in (np.array([0, 1, 2, 0]), np.array([2, 2, 1, 0])):
        value, g = compiled(z, labels)
        np.testing.assert_allclose(value.data, f(z, labels)[0].data, rtol=1e-12)
        np.testing.assert_allclose(g.data, f(z, labels)[1].data, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        compiled(z, np.array([0, 1, 3, 0]))
    assert compiled.traces == 1 and "raise_if(" in compiled.source


def test_a_step_that_calls_backward_is_refused_with_what_to_do_instead():
    # Until whole training steps compile (issue 23), the error says so instead of suggesting mg.where.
    w = mg.Tensor(np.ones(3), requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        return loss

    with pytest.raises(mg.TracingError, match=r"backward\(\) was called inside the compiled function.*value_and_grad"):
        mg.compile(step)(np.ones(3))
    assert w.grad is None  # nothing was accumulated

"""Batched Jacobians: jacfwd/jacrev push blocks of basis vectors, and get what one vector per sweep gets.

Three layers:
- the batching rules themselves (``minigrad.batching``): a NumPy call on a block of k
  arrays equals the k calls stacked, exactly (the same NumPy call on the same numbers);
- every op: ``jacfwd``/``jacrev`` in blocks, in ``batching.strict()`` mode (where falling
  back to one vector per sweep is an error, so the blocks really went through), equal
  ``chunk_size=1`` (one vector per sweep) to rtol 1e-12 (matmul over a block may
  sum in another order inside BLAS; everything else is elementwise the same);
- what cannot be batched (a custom op's NumPy rules, a hook, anomaly mode, mg.compile,
  higher order) falls back to one vector per sweep and still gives the same values.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as functional
import minigrad.nn.functional as F
from minigrad import batching
from minigrad.batching import Batched, Unbatchable
from minigrad.testing import arrays, broadcastable_shapes, shapes

from .test_array_ops import ELEMENTARY, _inputs
from .test_ops import BINARY, REDUCTIONS, UNARY

T = mg.Tensor


def _stacked(fn, V, *args, **kwargs):
    return np.stack([fn(v, *args, **kwargs) for v in V])


def assert_blocks_agree(f, *xs, argnums=0, rtol=1e-12):
    """jacfwd and jacrev in blocks (strict: no fallback) equal one vector per sweep, and each other."""
    with np.errstate(all="ignore"):
        want_f = mg.jacfwd(f, argnums, chunk_size=1)(*xs)
        want_r = mg.jacrev(f, argnums, chunk_size=1)(*xs)
        with batching.strict():
            got_f = mg.jacfwd(f, argnums)(*xs)
            got_r = mg.jacrev(f, argnums)(*xs)
            got_r2 = mg.jacrev(f, argnums, chunk_size=2)(*xs)
    pairs = [(got_f, want_f), (got_r, want_r), (got_r2, want_r)]
    for got, want in pairs:
        for g, w in zip(mg.tree.tree_flatten(got)[0], mg.tree.tree_flatten(want)[0]):
            assert type(g.data) is np.ndarray  # a block never leaks out
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g.data, w.data, rtol=rtol, atol=1e-13)


# -- the batching rules ------------------------------------------------------------------------
K = 3
rng = np.random.default_rng(0)
V = rng.normal(size=(K, 2, 3, 4))
P = rng.normal(size=(3, 4))  # a plain operand, the same for every member of the block

RULES = [  # name, one NumPy expression: run on the block, and on each member
    ("add plain", lambda b: b + P),
    ("radd 1-D", lambda b: P[0] - b),
    ("broadcast up", lambda b: b[0, 0] * P[:, None, :1]),
    ("sum axis", lambda b: b.sum(axis=(0, -1), keepdims=True)),
    ("np.max None", lambda b: np.max(b)),
    ("add.reduce", lambda b: np.add.reduce(b, axis=1)),
    ("maximum.accumulate", lambda b: np.maximum.accumulate(b, axis=-1)),
    ("cumsum None", lambda b: b.cumsum()),
    ("reshape -1", lambda b: b.reshape(4, -1)),
    ("transpose", lambda b: b.T),
    ("transpose axes", lambda b: np.transpose(b, (2, 0, 1))),
    ("moveaxis", lambda b: np.moveaxis(b, -1, 0)),
    ("squeeze", lambda b: b[:1].squeeze()),
    ("expand_dims", lambda b: np.expand_dims(b, (0, -1))),
    ("broadcast_to", lambda b: np.broadcast_to(b[0, 0], (2, 3, 4))),
    ("where", lambda b: np.where(P > 0, b, -b)),
    ("concatenate", lambda b: np.concatenate([b[0], P], axis=1)),
    ("stack", lambda b: np.stack([P, b[1]], axis=-1)),
    ("matmul plain right", lambda b: b @ P.T),
    ("matmul plain left", lambda b: P.T @ b),
    ("matmul 1-D right", lambda b: b[0, 0] @ P.T),
    ("matmul 1-D left", lambda b: P @ b[0, 0]),
    ("matmul 1-D both", lambda b: b[0, 0] @ P[0]),
    ("matmul two blocks", lambda b: b @ b.swapaxes(-1, -2)),
    ("dot", lambda b: np.dot(b, P.T)),
    ("matrix block times plain matrix", lambda b: b[0] @ P.T),
    ("plain matrix times matrix block", lambda b: P.T @ b[0]),
    ("plain matrix times column block", lambda b: P.T @ b[0][:, 1:2]),
    ("tensordot left", lambda b: np.tensordot(P, b, axes=([0, 1], [1, 2]))),
    ("einsum", lambda b: np.einsum("...ij,kj->...ik", b, P)),
    ("einsum two blocks", lambda b: np.einsum("aij,aij->j", b, b)),
    ("pad", lambda b: np.pad(b, ((0, 0), (1, 2), (0, 1)))),
    ("tile", lambda b: np.tile(b[0], (2, 1, 1))),
    ("repeat None", lambda b: np.repeat(b, 2)),
    ("roll None", lambda b: np.roll(b, 5)),
    ("flip", lambda b: np.flip(b, (0, 2))),
    ("diagonal", lambda b: np.diagonal(b, 1, 1, 2)),
    ("triu", lambda b: np.triu(b, -1)),
    ("take_along_axis", lambda b: np.take_along_axis(b[0], np.argsort(P, 1), 1)),
    ("getitem basic", lambda b: b[1, ::-1, None, 1:]),
    ("getitem ellipsis", lambda b: b[..., 2]),
    ("getitem adjacent", lambda b: b[:, [0, 2, 2], [1, 0, 3]]),
    ("getitem separated", lambda b: b[[1, 0], :, [3, 2]]),
    ("getitem int and array apart", lambda b: b[0, :, [1, 2]]),
    ("getitem bool", lambda b: b[:, P > 0]),
    ("zeros_like shape", lambda b: np.zeros_like(b, shape=(5,)) + 1),
]


@pytest.mark.parametrize("name, expression", RULES, ids=[r[0] for r in RULES])
def test_a_numpy_call_on_a_block_equals_the_calls_stacked(name, expression):
    got = expression(Batched(V.copy()))
    assert type(got) is Batched
    want = _stacked(expression, V)
    assert got.shape == want.shape[1:]
    np.testing.assert_allclose(got.value, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "idx",
    [(1,), (slice(None), [0, 2, 0]), ([1, 0, 1], slice(None), [3, 3, 0]), (0, slice(None), [1, 1]), (Ellipsis, [0, 0])],
    ids=["int", "adjacent", "separated", "int and array apart", "ellipsis"],
)
def test_writes_into_a_block_equal_the_writes_one_by_one(idx):
    values = rng.normal(size=(K,) + V[0][idx].shape)
    added, want_added = Batched(V.copy()), V.copy()
    np.add.at(added, idx, Batched(values))
    assigned, want_assigned = Batched(V.copy()), V.copy()
    assigned[idx] = Batched(values)
    for i in range(K):
        np.add.at(want_added[i], idx, values[i])
        want_assigned[i][idx] = values[i]
    np.testing.assert_array_equal(added.value, want_added)
    np.testing.assert_array_equal(assigned.value, want_assigned)


def test_a_block_answers_with_its_logical_shape_and_refuses_what_has_no_batching_rule():
    b = Batched(V)
    assert (b.shape, b.ndim, b.size, len(b), np.shape(b), np.ndim(b)) == ((2, 3, 4), 3, 24, 2, (2, 3, 4), 3)
    for refused in (np.asarray, float, bool, np.sort, np.linalg.norm, lambda b: b.item(), lambda b: P + [b]):
        with pytest.raises(Unbatchable):
            refused(b)
    with pytest.raises(Unbatchable):
        P[0, :] = b[0, 0]  # a block cannot be written into a plain array
    with pytest.raises(Unbatchable):
        np.matmul(b, P.T, out=np.empty((K, 2, 3, 3)))


def test_select_through_a_block_is_exact_where_the_mask_is_off():
    values = np.array([[np.inf, np.nan, 1.0], [2.0, -np.inf, np.nan]])
    mask = np.array([False, False, True])
    got = mg.ops._dual.select(mask, Batched(values))
    np.testing.assert_array_equal(got.value, [[0.0, 0.0, 1.0], [0.0, 0.0, np.nan]])


# -- every op, in blocks -----------------------------------------------------------------------
@pytest.mark.parametrize("name, op, ref, domain", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_ops_batch(name, op, ref, domain, data):
    assert_blocks_agree(op, data.draw(arrays(shapes(min_dims=1, max_dims=2, max_side=4), domain)))


@pytest.mark.parametrize("name, ref, domain", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
@given(data=st.data())
def test_elementary_ops_batch(name, ref, domain, data):
    assert_blocks_agree(getattr(mg, name), data.draw(_inputs(shapes(min_dims=1, max_dims=2, max_side=3), domain)))


@pytest.mark.parametrize("name, op, ref, da, db", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_ops_batch_with_broadcasting(name, op, ref, da, db, data):
    shape_a, shape_b = data.draw(broadcastable_shapes(max_dims=3, max_side=3))
    a, b = data.draw(arrays(shape_a, da)), data.draw(arrays(shape_b, db))
    if db == "separated":
        b = b - 0.025
    assert_blocks_agree(op, a, b, argnums=(0, 1))


@pytest.mark.parametrize("name, op, ref, domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(data=st.data())
def test_reductions_batch(name, op, ref, domain, data):
    x = data.draw(arrays(shapes(min_dims=1, max_dims=3, max_side=3), domain))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    keepdims = data.draw(st.booleans())
    assert_blocks_agree(lambda t: op(t, axis=axis, keepdims=keepdims), x)


X = rng.uniform(0.2, 0.9, (3, 4))
Y = rng.uniform(0.2, 0.9, (4,))
Z = rng.uniform(0.2, 0.9, (2, 3, 4))
W1, W2 = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 1, 2, 2))
LABELS = np.array([0, 2, 1])
OPS = {
    "prod": (lambda z: mg.prod(z, axis=1), Z),
    "var": (lambda z: mg.var(z, axis=(0, 2)), Z),
    "std": (lambda z: mg.std(z, axis=-1, keepdims=True), Z),
    "norm": (lambda x: mg.norm(x, axis=1), X),
    "softmax": (lambda z: mg.softmax(z, axis=0), Z),
    "log_softmax": (lambda z: mg.log_softmax(z, axis=1), Z),
    "cross_entropy": (lambda x: mg.softmax_cross_entropy(x, LABELS), X),
    "logaddexp": (lambda x: mg.logaddexp(x, T(Y)), X),
    "xlogy": (lambda x: mg.xlogy(T(Y), x), X),
    "where": (lambda x: mg.where(X > 0.5, x, -x), X),
    "cumsum": (lambda z: mg.cumsum(z, axis=1), Z),
    "transpose": (lambda z: mg.transpose(z, (1, 0, 2)), Z),
    "reshape": (lambda z: mg.reshape(z, (4, -1)), Z),
    "flatten": (mg.flatten, Z),
    "squeeze": (lambda x: mg.squeeze(x.reshape(3, 1, 4), 1), X),
    "swapaxes": (lambda z: mg.swapaxes(z, 0, 2), Z),
    "moveaxis": (lambda z: mg.moveaxis(z, 0, -1), Z),
    "flip": (lambda z: mg.flip(z), Z),
    "roll": (lambda z: mg.roll(z, 3), Z),
    "tile": (lambda x: mg.tile(x, (2, 1, 2)), X),
    "repeat": (lambda x: mg.repeat(x, 2), X),
    "pad": (lambda x: mg.pad(x, ((1, 0), (2, 1))), X),
    "pad reflect": (lambda x: mg.pad(x, 1, mode="reflect"), X),
    "diagonal": (mg.diagonal, X),
    "triu": (mg.triu, X),
    "tril": (lambda x: mg.tril(x, -1), X),
    "broadcast_to": (lambda x: mg.broadcast_to(x, (2, 3, 4)), X),
    "astype float32": (lambda x: mg.astype(x, np.float32) * 1.0, X),
    "take_along_axis": (lambda x: mg.take_along_axis(x, np.argsort(X, axis=1), axis=1), X),
    "getitem adjacent": (lambda x: x[np.array([0, 2, 0]), np.array([1, 1, 3])], X),
    "getitem separated": (lambda z: z[np.array([0, 1]), :, np.array([2, 3])], Z),
    "getitem bool": (lambda x: x[X > 0.5], X),
    "getitem none": (lambda z: z[None, ..., 1], Z),
    "concatenate": (lambda x: mg.concatenate([x, x * 2, T(X)], axis=1), X),
    "stack": (lambda x: mg.stack([x, T(X), x], axis=1), X),
    "split": (lambda x: mg.split(x, 2, axis=1)[1] * 1.0, X),
    "matmul": (lambda x: x @ x.T, X),
    "matvec": (lambda x: x @ T(Y), X),
    "vecmat": (lambda y: y @ T(X.T), Y),
    "batched matmul": (lambda z: z @ T(X.T), Z),
    "dot": (lambda y: mg.dot(y, T(Y)), Y),
    "outer": (lambda y: mg.outer(y, y), Y),
    "tensordot": (lambda x: mg.tensordot(T(Z), x, axes=([1, 2], [0, 1])), X),
    "einsum": (lambda z: mg.einsum("bij,kj->bik", z, T(X)), Z),
    "gelu": (F.gelu, X),
    "silu": (F.silu, X),
    "elu": (lambda x: F.elu(x - 0.5), X),
    "layer_norm": (lambda x: F.layer_norm(x, (4,)), X),
    "batch_norm": (lambda x: F.batch_norm(x, None, None, training=True), X),
    "conv1d": (lambda x: F.conv1d(x.reshape(1, 3, 4), T(W1), padding=1), X),
    "conv1d weight": (lambda w: F.conv1d(T(X.reshape(1, 3, 4)), w), W1),
    "conv2d": (lambda x: F.conv2d(x.reshape(1, 1, 3, 4), T(W2), padding=1, stride=(1, 2)), X),
    "max_pool2d": (lambda x: F.max_pool2d(x.reshape(1, 1, 3, 4), 2), X),
    "avg_pool2d": (lambda x: F.avg_pool2d(x.reshape(1, 1, 3, 4), 2), X),
    "embedding": (lambda w: F.embedding(np.array([0, 2, 2]), w), X),
}


@pytest.mark.parametrize("name", list(OPS))
def test_array_ops_layers_and_losses_batch(name):
    f, x = OPS[name]
    assert_blocks_agree(f, x)


def test_pytrees_argnums_and_several_outputs_batch():
    params = {"W": rng.normal(size=(3, 2)), "b": np.zeros(2)}

    def f(p, x):
        z = x @ p["W"] + p["b"]
        return {"out": mg.tanh(z), "sq": (z * z).sum(axis=0)}

    assert_blocks_agree(f, params, X[:, :3], argnums=(0, 1))


def test_float32_stays_float32():
    x = X.astype(np.float32)
    for jac in (mg.jacfwd, mg.jacrev):
        with batching.strict():
            J = jac(lambda t: mg.tanh(t @ t.T))(x)
        assert J.dtype == np.float32


# -- blocks are really pushed, sized, and chunked ------------------------------------------------
def _counting(f):
    calls = []

    def counted(*args):
        calls.append(1)
        return f(*args)

    return counted, calls


def test_jacfwd_sweeps_twice_for_many_inputs_and_by_chunk_size():
    x = rng.normal(size=50)
    f, calls = _counting(lambda t: mg.tanh(t) * 2.0)
    J = mg.jacfwd(f)(x)
    assert len(calls) == 2  # one vector (which measures the intermediates), then the other 49 at once
    np.testing.assert_allclose(J.data, np.diag(2 * (1 - np.tanh(x) ** 2)), rtol=1e-14)
    calls.clear()
    mg.jacfwd(f, chunk_size=8)(x)
    assert len(calls) == 7  # ceil(50 / 8)
    calls.clear()
    mg.jacfwd(f, chunk_size=1)(x)
    assert len(calls) == 50


def test_jacfwd_pushes_one_basis_over_all_input_leaves():
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    f, calls = _counting(lambda p, x: mg.tanh(x @ p["W"] + p["b"]))
    J = mg.jacfwd(f, argnums=(0, 1))(params, X[:, :3])
    assert len(calls) == 1  # 6 + 2 + 9 = 17 basis vectors, one block spanning the three leaves
    want = mg.jacfwd(f, argnums=(0, 1), chunk_size=1)(params, X[:, :3])
    for got, ref in zip(mg.tree.tree_flatten(J)[0], mg.tree.tree_flatten(want)[0]):
        np.testing.assert_allclose(got.data, ref.data, rtol=1e-13)
    # blocks of 5 straddle the leaves' boundaries
    chunked = mg.jacfwd(f, argnums=(0, 1), chunk_size=5)(params, X[:, :3])
    for got, ref in zip(mg.tree.tree_flatten(chunked)[0], mg.tree.tree_flatten(want)[0]):
        np.testing.assert_allclose(got.data, ref.data, rtol=1e-13)


def test_jacrev_walks_the_graph_once_per_block(monkeypatch):
    walks = []
    real = functional.grad_of
    monkeypatch.setattr(functional, "grad_of", lambda *a, **k: walks.append(1) or real(*a, **k))
    x = rng.normal(size=30)
    mg.jacrev(lambda t: mg.sin(t) * t)(x)
    assert len(walks) == 1  # the graph's largest node sizes the blocks: all 30 at once
    walks.clear()
    mg.jacrev(lambda t: mg.sin(t) * t, chunk_size=4)(x)
    assert len(walks) == 8


def test_blocks_are_sized_to_the_largest_intermediate(monkeypatch):
    A = rng.normal(size=(40, 1))
    f = lambda t: mg.tanh(T(A) * t)  # noqa: E731  # for t of n elements: intermediates of 40 n elements
    walks = []
    real = functional.grad_of
    monkeypatch.setattr(functional, "grad_of", lambda *a, **k: walks.append(1) or real(*a, **k))
    # jacrev: the graph's largest node (40 * 20 = 800 elements) is known before any walk, so a budget
    # of 1600 elements gives blocks of 2 cotangents: 800 outputs in 400 walks.
    monkeypatch.setattr(functional, "_BLOCK_ELEMENTS", 1600)
    J = mg.jacrev(f)(rng.normal(size=20))
    assert len(walks) == 400 and J.shape == (40, 20, 20)
    # jacfwd keeps no graph: with 100 inputs its first block (one vector) measures 40 * 100 elements,
    # and with a budget of 16000 the other 99 go in blocks of 16000 // 4000 = 4: 1 + 25 sweeps.
    monkeypatch.setattr(functional, "_BLOCK_ELEMENTS", 16000)
    counted, calls = _counting(f)
    x = rng.normal(size=100)
    J = mg.jacfwd(counted)(x)
    assert len(calls) == 1 + 25
    np.testing.assert_allclose(J.data, mg.jacfwd(f, chunk_size=1)(x).data, rtol=1e-14)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "4"])
def test_a_bad_chunk_size_is_refused(bad):
    for jac in (mg.jacfwd, mg.jacrev):
        with pytest.raises(ValueError, match="chunk_size"):
            jac(mg.tanh, chunk_size=bad)


# -- what cannot be batched falls back, with the same values ------------------------------------
def _custom_tanh():
    return mg.custom_vjp(
        lambda x: (np.tanh(x), np.tanh(x)),
        lambda y, g: g * (1 - y * y),
        name="my_tanh",
        jvp=lambda y, t: t * (1 - y * y),
    )


def test_a_custom_op_falls_back_and_strict_mode_names_why():
    my_tanh = _custom_tanh()
    f = lambda t: my_tanh(t) * t  # noqa: E731
    x = rng.normal(size=6)
    want = np.diag(np.tanh(x) + x * (1 - np.tanh(x) ** 2))
    for jac in (mg.jacfwd, mg.jacrev):
        np.testing.assert_allclose(jac(f)(x).data, want, rtol=1e-14)
        with batching.strict(), pytest.raises(RuntimeError, match="could not be pushed in blocks"):
            jac(f)(x)


def test_a_function_that_catches_exceptions_cannot_hide_a_fallback():
    my_tanh = _custom_tanh()

    def f(t):
        try:
            return my_tanh(t)
        except Exception:  # would swallow an ordinary exception and change the result
            return t * 0.0

    def g(t):
        try:
            return my_tanh(t)
        except BaseException as error:  # catches even the fallback signal, and raises another error
            raise ValueError("wrapped") from error

    x = rng.normal(size=5)
    for jac in (mg.jacfwd, mg.jacrev):
        np.testing.assert_allclose(jac(f)(x).data, np.diag(1 - np.tanh(x) ** 2), rtol=1e-14)
        np.testing.assert_allclose(jac(g)(x).data, np.diag(1 - np.tanh(x) ** 2), rtol=1e-14)


def test_hooks_see_plain_gradients_and_the_jacobian_is_unchanged():
    seen = []

    def f(t):
        y = mg.sin(t)
        y.register_hook(lambda g: seen.append(type(g.data)))
        return y * 2.0

    x = rng.normal(size=4)
    np.testing.assert_allclose(mg.jacrev(f)(x).data, np.diag(2 * np.cos(x)), rtol=1e-14)
    assert seen and all(kind is np.ndarray for kind in seen)


def test_anomaly_mode_and_compile_get_the_same_jacobian():
    f = lambda t: mg.tanh(t @ t.T)  # noqa: E731
    want = mg.jacrev(f, chunk_size=1)(X).data
    with mg.detect_anomaly():
        np.testing.assert_allclose(mg.jacrev(f)(X).data, want, rtol=1e-14)
        np.testing.assert_allclose(mg.jacfwd(f)(X).data, want, rtol=1e-12)
    np.testing.assert_allclose(mg.compile(mg.jacrev(f))(X).data, want, rtol=1e-12)


def test_nested_jacobians_agree_in_every_composition():
    def f(x):
        return (mg.tanh(x @ x.T) * x[:, :1]).sum()

    x = X[:, :3]
    want = mg.jacrev(mg.jacrev(f, chunk_size=1), chunk_size=1)(x).data
    for outer in (mg.jacfwd, mg.jacrev):
        for inner in (mg.jacfwd, mg.jacrev):
            np.testing.assert_allclose(outer(inner(f))(x).data, want, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(mg.hessian(f)(x).data, want, rtol=1e-11, atol=1e-13)
    # reverse over a batched Jacobian: the Jacobian stays differentiable
    g = mg.grad(lambda t: mg.jacrev(lambda u: mg.sin(u) * u)(t).sum())(Y)
    np.testing.assert_allclose(g.data, 2 * np.cos(Y) - Y * np.sin(Y), rtol=1e-12)


def test_has_aux_returns_the_auxiliary_output_undifferentiated():
    def f(x):
        y = mg.tanh(x)
        return y * 2.0, {"y": y, "label": "tanh"}

    for jac in (mg.jacfwd, mg.jacrev):
        J, aux = jac(f, has_aux=True)(Y)
        np.testing.assert_allclose(J.data, np.diag(2 * (1 - np.tanh(Y) ** 2)), rtol=1e-14)
        assert aux["label"] == "tanh"
        np.testing.assert_allclose(aux["y"].data, np.tanh(Y), rtol=1e-15)
        assert type(aux["y"].data) is np.ndarray and not aux["y"]._tangents  # no block leaks through aux
        assert not aux["y"].requires_grad  # untraced, as JAX and torch.func return aux
    H, aux = mg.hessian(lambda x: ((x**3).sum(), "cubic"), has_aux=True)(Y)
    np.testing.assert_allclose(H.data, np.diag(6 * Y), rtol=1e-14)
    assert aux == "cubic"
    with pytest.raises(TypeError, match="pair"):
        mg.jacfwd(mg.tanh, has_aux=True)(Y)


def test_writes_into_tensors_batch():
    def f(x):
        y = x * 2.0
        y[1:] = x[:-1] * x[1:]
        y[np.array([0, 0])] = x[np.array([2, 3])]
        return y

    assert_blocks_agree(f, rng.normal(size=4))


def test_a_block_through_a_matrix_product_is_one_product():
    A = rng.normal(size=(30, 20))
    assert_blocks_agree(lambda x: mg.tanh(T(A) @ x), rng.normal(size=20))
    assert_blocks_agree(lambda x: mg.tanh(x @ T(A.T)), rng.normal(size=(3, 20)))


def test_tuples_ranges_and_bools_in_an_index_are_advanced_indices():
    # NumPy moves the axes of separated advanced indices (of any form) in front: so must a block.
    x = rng.normal(size=(2, 3, 2))
    assert_blocks_agree(lambda t: mg.sin(t)[[0, 1, 1], :, (0, 1, 0)], x)
    assert_blocks_agree(lambda t: mg.sin(t)[range(2), :, range(2)], x)
    for idx in [((0, 1), slice(None), (0, 1)), (True, slice(None), True), ([0, 1], slice(None), np.True_)]:
        np.testing.assert_array_equal(Batched(V)[idx].value, _stacked(lambda v, idx=idx: v[idx], V))


def test_strict_mode_raises_where_blocks_are_not_tried():
    f = lambda t: mg.tanh(t) * 2.0  # noqa: E731
    with batching.strict(), mg.detect_anomaly():
        for jac in (mg.jacfwd, mg.jacrev):
            with pytest.raises(RuntimeError, match="not tried under mg.compile or detect_anomaly"):
                jac(f)(Y)
    assert not batching.failed()

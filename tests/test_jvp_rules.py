"""Every op's JVP rule, called directly on arrays (forward mode is not wired yet).

For each op and each input x_i, with a random tangent v and cotangent u:
- the rule's tangent equals the directional derivative of the forward,
  (f(x + h v) - f(x - h v)) / 2h, to central-difference accuracy;
- it is the transpose of the VJP: Σ u · jvp(v) = Σ vjp(u) · v to rounding;
- called on Tensors (the recorded path) it gives the same array.
Then the special points: masks select and zero tangents stay zero.
"""

import contextlib
import importlib
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import tensor
from minigrad.engine import _unbroadcast

# by module path: minigrad.ops re-exports functions under some of these names (softmax)
MODULES = [
    importlib.import_module(f"minigrad.ops.{name}")
    for name in ("arithmetic", "elementwise", "reduce", "shape", "softmax", "special")
]
shape = MODULES[3]


@contextlib.contextmanager
def recorded_rules():
    """Capture (op, vjps, jvps, parents, out) of every node recorded inside."""
    calls = []

    def spy(op, data, parents, vjps, jvps=None):
        out = tensor.record(op, data, parents, vjps, jvps)
        calls.append((op, vjps, jvps, parents, out))
        return out

    with pytest.MonkeyPatch.context() as mp:
        for module in MODULES:
            mp.setattr(module, "record", spy)
        yield calls


def rules_of(f, inputs):
    """The last recorded node of f(*inputs): its op name, rules, parent arrays and output array."""
    with recorded_rules() as calls:
        f(*[mg.Tensor(x, requires_grad=True) for x in inputs])
    op, vjps, jvps, parents, out = calls[-1]
    assert jvps is not None, f"{op} has no JVP rule"
    assert len(jvps) == len(vjps) == len(parents)
    return op, vjps, jvps, [p.data for p in parents], out.data


rng = np.random.default_rng(7)


def r(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def pos(*shape):
    return r(*shape, low=0.3, high=2.0)


def distinct(*shape):
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.37 - 1.1


LABELS = np.array([0, 2, 1])
PROBS = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [1.0, 0.0, 0.0]])

CASES = [
    ("add", mg.add, [r(2, 3), r(3)]),
    ("sub", mg.sub, [r(2, 3), r(3)]),
    ("mul", mg.mul, [r(2, 3), r(3)]),
    ("div", mg.div, [r(2, 3), pos(3)]),
    ("pow", mg.pow, [pos(2, 3), r(3)]),
    ("neg", mg.neg, [r(2, 3)]),
    ("matmul", mg.matmul, [r(2, 3), r(3, 4)]),
    ("matmul vector", mg.matmul, [r(3), r(3, 4)]),
    ("exp", mg.exp, [r(2, 3)]),
    ("log", mg.log, [pos(2, 3)]),
    ("tanh", mg.tanh, [r(2, 3)]),
    ("sigmoid", mg.sigmoid, [r(2, 3)]),
    ("relu", mg.relu, [distinct(2, 3)]),
    ("abs", mg.abs, [distinct(2, 3)]),
    ("sqrt", mg.sqrt, [pos(2, 3)]),
    ("clip", lambda x: mg.clip(x, -0.5, 0.5), [distinct(2, 3)]),
    ("maximum", mg.maximum, [distinct(2, 3), distinct(3) + 0.05]),
    ("minimum", mg.minimum, [distinct(2, 3), distinct(3) + 0.05]),
    ("where", lambda a, b: mg.where(np.array([True, False, True]), a, b), [r(2, 3), r(3)]),
    ("sum", lambda x: x.sum(axis=1), [r(2, 3)]),
    ("sum all keepdims", lambda x: x.sum(keepdims=True), [r(2, 3)]),
    ("mean", lambda x: x.mean(axis=0), [r(2, 3)]),
    ("max", lambda x: x.max(axis=1), [distinct(2, 3)]),
    ("min", lambda x: x.min(), [distinct(2, 3)]),
    ("logsumexp", lambda x: mg.logsumexp(x, axis=1), [r(2, 3)]),
    ("softmax", mg.softmax, [r(2, 3)]),
    ("log_softmax", lambda x: mg.log_softmax(x, axis=0), [r(2, 3)]),
    ("cross-entropy labels", lambda z: mg.softmax_cross_entropy(z, LABELS), [r(3, 3)]),
    ("cross-entropy labels none", lambda z: mg.softmax_cross_entropy(z, LABELS, reduction="none"), [r(3, 3)]),
    ("cross-entropy probabilities", lambda z, t: mg.softmax_cross_entropy(z, t, reduction="sum"), [r(3, 3), PROBS]),
    ("reshape", lambda x: x.reshape(3, 2), [r(2, 3)]),
    ("transpose", lambda x: x.transpose(2, 0, 1), [r(2, 3, 4)]),
    ("swapaxes", lambda x: x.swapaxes(0, 2), [r(2, 3, 4)]),
    ("broadcast_to", lambda x: mg.broadcast_to(x, (2, 3)), [r(3)]),
    ("astype", lambda x: x.astype(np.float32), [r(2, 3)]),
    ("getitem", lambda x: x[1:, ::2], [r(3, 4)]),
    ("getitem fancy", lambda x: x[np.array([0, 2, 0]), np.array([1, 1, 1])], [r(3, 4)]),
    ("norm", mg.norm, [r(2, 3)]),
    ("norm axis", lambda x: mg.norm(x, axis=1, keepdims=True), [r(2, 3)]),
    ("log_sigmoid", mg.log_sigmoid, [r(2, 3)]),
    ("softplus", mg.softplus, [r(2, 3)]),
    ("logaddexp", mg.logaddexp, [r(2, 3), r(3)]),
    ("log1p", mg.log1p, [pos(2, 3)]),
    ("expm1", mg.expm1, [r(2, 3)]),
    ("xlogy", mg.xlogy, [r(2, 3), pos(3)]),
]


def _tangent(rule, t, out, parents, out_shape):
    return np.broadcast_to(np.asarray(rule(t, out, *parents), dtype=np.float64), out_shape)


@pytest.mark.parametrize("name, f, inputs", CASES, ids=[c[0] for c in CASES])
def test_jvp_is_the_directional_derivative_and_the_vjps_transpose(name, f, inputs):
    op, vjps, jvps, parents, out = rules_of(f, inputs)
    for i, x in enumerate(inputs):
        v = r(*x.shape)
        u = r(*out.shape)
        tangent = _tangent(jvps[i], v, out, parents, out.shape)
        # directional derivative of the forward
        h = 1e-6 if out.dtype == np.float64 else 1e-2  # float32 (astype): astype is linear, any h works

        def at(step, i=i, v=v):
            moved = [p.copy() for p in inputs]
            moved[i] = moved[i] + step * v
            return np.asarray(f(*[mg.Tensor(m) for m in moved]).data, dtype=np.float64)

        numeric = (at(h) - at(-h)) / (2 * h)
        np.testing.assert_allclose(tangent, numeric, rtol=1e-5, atol=1e-4 if out.dtype == np.float32 else 1e-7)
        # transposition: <u, J v> = <J^T u, v>
        cotangent = _unbroadcast(np.asarray(vjps[i](u.astype(out.dtype), out, *parents)), x.shape)
        np.testing.assert_allclose(
            np.sum(u * tangent), np.sum(cotangent * v), rtol=1e-5 if out.dtype == np.float32 else 1e-10
        )
        # the recorded path (Tensors in, a Tensor out) gives the same tangent
        as_tensors = [mg.Tensor(p) for p in parents]
        recorded = jvps[i](mg.Tensor(v), mg.Tensor(out), *as_tensors)
        recorded = recorded.data if isinstance(recorded, mg.Tensor) else recorded
        np.testing.assert_allclose(np.broadcast_to(recorded, out.shape), tangent, rtol=1e-12, atol=1e-12)


def test_every_op_in_the_owned_modules_has_a_jvp_rule():
    names = {c[0].split()[0] for c in CASES}
    for op in [
        "add",
        "sub",
        "mul",
        "div",
        "pow",
        "neg",
        "matmul",
        "exp",
        "log",
        "tanh",
        "sigmoid",
        "relu",
        "abs",
        "sqrt",
        "clip",
        "maximum",
        "minimum",
        "where",
        "sum",
        "mean",
        "max",
        "min",
        "logsumexp",
        "softmax",
        "log_softmax",
        "reshape",
        "transpose",
        "swapaxes",
        "broadcast_to",
        "astype",
        "getitem",
        "norm",
        "log_sigmoid",
        "softplus",
        "logaddexp",
        "log1p",
        "expm1",
        "xlogy",
    ]:
        assert op in names, op


def test_scatter_add_jvp_scatters_the_tangent():
    idx = (np.array([0, 2, 0]),)
    with recorded_rules() as calls:
        shape.scatter_add(mg.Tensor(np.ones(3), requires_grad=True), idx, (4,))
    op, vjps, jvps, parents, out = calls[-1]
    t = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(jvps[0](t, out.data, parents[0].data), [4.0, 0.0, 2.0, 0.0])
    u = r(4)
    np.testing.assert_allclose(np.sum(u * jvps[0](t, out.data, t)), np.sum(vjps[0](u, out.data, t) * t))


# -- special points: the JVPs follow the same conventions as the VJPs ---------------


@pytest.fixture
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _jvp(f, inputs, i=0, t=None):
    op, vjps, jvps, parents, out = rules_of(f, inputs)
    return np.asarray(jvps[i](t, out, *parents))


def test_mask_jvps_select(quiet):
    t = np.array([np.inf, np.nan, 1.0])
    np.testing.assert_array_equal(_jvp(mg.relu, [np.array([-1.0, 0.0, 2.0])], t=t), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(_jvp(lambda x: mg.clip(x, 0.0, 1.0), [np.array([-1.0, 2.0, 1.0])], t=t), [0, 0, 1])
    np.testing.assert_array_equal(_jvp(mg.abs, [np.array([0.0, 0.0, -2.0])], t=t), [0.0, 0.0, -1.0])
    got = _jvp(lambda x: mg.maximum(x, 0.0), [np.array([-1.0, -2.0, 0.0])], t=t)
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.5])
    cond = np.array([False, False, True])
    np.testing.assert_array_equal(_jvp(lambda x: mg.where(cond, x, 0.0), [np.zeros(3)], t=t), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(
        _jvp(lambda x: x.max(), [np.array([1.0, 3.0, 3.0])], t=np.array([np.inf, 1.0, 3.0])), 2.0
    )


def test_zero_tangent_through_an_infinite_derivative_stays_zero(quiet):
    zero = np.zeros(2)
    at0 = np.array([0.0, 1.0])
    for f in (mg.sqrt, mg.log, lambda x: x**0.5, lambda x: 1 / x, mg.exp):
        x = at0 if f is not mg.exp else np.array([1000.0, 1.0])
        np.testing.assert_array_equal(_jvp(f, [x], t=zero), [0.0, 0.0])


def test_pow_jvps_at_base_zero(quiet):
    a, b = np.array([0.0, 0.0]), np.array([0.0, 2.0])
    np.testing.assert_array_equal(_jvp(mg.pow, [a, b], 0, t=np.ones(2)), [0.0, 0.0])
    np.testing.assert_array_equal(_jvp(mg.pow, [a, b], 1, t=np.ones(2)), [0.0, 0.0])


def test_all_minus_inf_rows_have_zero_tangent(quiet):
    x = np.array([[-np.inf, -np.inf], [0.0, 1.0]])
    t = np.ones((2, 2))
    assert _jvp(lambda x: mg.logsumexp(x, axis=1), [x], t=t)[0] == 0
    np.testing.assert_array_equal(_jvp(mg.softmax, [x], t=t)[0], [0.0, 0.0])
    np.testing.assert_array_equal(_jvp(mg.log_softmax, [x], t=t)[0], [0.0, 0.0])
    assert _jvp(lambda z: mg.softmax_cross_entropy(z, np.array([0, 1]), reduction="none"), [x], t=t)[0] == 0

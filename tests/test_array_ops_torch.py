"""The NumPy-named array ops against PyTorch: values, gradients and second derivatives, float64.

Skipped without torch. Each comparison uses L = Σ w·f(x) with random weights w, its gradient,
and the gradient of ⟨∇L, v⟩ (a Hessian-vector product) for a random v. Tolerance: 1e-12
relative (atol 1e-13 for entries that should be 0), unless a row says why it needs more.
"""

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
F = pytest.importorskip("torch.nn.functional")

RTOL, ATOL = 1e-12, 1e-13


def _mg_derivatives(f, xs, w, vs):
    argnums = tuple(range(len(xs)))

    def loss(*ts):
        return (f(*ts) * w).sum()

    def directional(*ts):
        grads = mg.grad(loss, argnums)(*ts)
        return sum((g * v).sum() for g, v in zip(grads, vs))

    y = f(*[mg.Tensor(x) for x in xs]).data
    g1 = [np.asarray(g.data) for g in mg.grad(loss, argnums)(*xs)]
    g2 = [np.asarray(g.data) for g in mg.grad(directional, argnums)(*xs)]
    return y, g1, g2


def _torch_derivatives(f, xs, w, vs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = f(*ts)
    loss = (y * torch.tensor(w)).sum()
    g1 = torch.autograd.grad(loss, ts, create_graph=True, allow_unused=True)
    g1 = [torch.zeros_like(t) if g is None else g for g, t in zip(g1, ts)]
    h = sum((g * torch.tensor(v)).sum() for g, v in zip(g1, vs))
    if h.requires_grad:
        g2 = torch.autograd.grad(h, ts, allow_unused=True)
        g2 = [torch.zeros_like(t) if g is None else g for g, t in zip(g2, ts)]
    else:
        g2 = [torch.zeros_like(t) for t in ts]
    return y.detach().numpy(), [g.detach().numpy() for g in g1], [g.numpy() for g in g2]


def compare(f_mg, f_torch, *xs, rtol=RTOL, atol=ATOL, seed=0):
    rng = np.random.default_rng(seed)
    xs = [np.asarray(x, dtype=np.float64) for x in xs]
    y_shape = f_mg(*[mg.Tensor(x) for x in xs]).shape
    w = rng.uniform(0.5, 1.5, y_shape) * rng.choice([-1.0, 1.0], y_shape)
    vs = [rng.uniform(-1, 1, x.shape) for x in xs]
    ours = _mg_derivatives(f_mg, xs, w, vs)
    theirs = _torch_derivatives(f_torch, xs, w, vs)
    for what, a, b in zip(("value", "gradient", "second derivative"), ours, theirs):
        for i, (p, q) in enumerate(zip(a, b) if isinstance(a, list) else [(a, b)]):
            np.testing.assert_allclose(p, q, rtol=rtol, atol=atol, err_msg=f"{what} (input {i})")


RNG = np.random.default_rng(12)
X = RNG.uniform(-2, 2, (3, 4))
UNIT = RNG.uniform(-0.9, 0.9, (3, 4))
POS = RNG.uniform(0.2, 3, (3, 4))

ELEMENTARY = [
    ("sin", torch.sin, X),
    ("cos", torch.cos, X),
    ("tan", torch.tan, UNIT),
    ("arcsin", torch.asin, UNIT),
    ("arccos", torch.acos, UNIT),
    ("arctan", torch.atan, X),
    ("sinh", torch.sinh, X),
    ("cosh", torch.cosh, X),
    ("arcsinh", torch.asinh, X),
    ("arctanh", torch.atanh, UNIT),
    ("log2", torch.log2, POS),
    ("log10", torch.log10, POS),
    ("exp2", torch.exp2, X),
    ("square", torch.square, X),
    ("reciprocal", torch.reciprocal, POS),
    ("erf", torch.erf, X),
    ("sign", torch.sign, X),
    ("floor", torch.floor, X),
    ("ceil", torch.ceil, X),
    ("round", torch.round, X),
]


@pytest.mark.parametrize("name, torch_fn, x", ELEMENTARY, ids=[e[0] for e in ELEMENTARY])
def test_elementary_against_torch(name, torch_fn, x):
    compare(getattr(mg, name), torch_fn, x)


SPECIAL = [
    ("sign at 0", mg.sign, torch.sign, [0.0]),
    ("floor at 0.5", mg.floor, torch.floor, [0.5]),
    ("round at 0.5", mg.round, torch.round, [0.5]),
    ("arcsin at 1", mg.arcsin, torch.asin, [1.0]),
    ("arccos at -1", mg.arccos, torch.acos, [-1.0]),
    ("arctanh at 1", mg.arctanh, torch.atanh, [1.0]),
    ("prod with a zero", mg.prod, torch.prod, [0.0, 2.0, 3.0]),
    ("prod with two zeros", mg.prod, torch.prod, [0.0, 0.0, 3.0]),
    ("std of equal values", mg.std, lambda t: torch.std(t, correction=0), [2.0, 2.0]),
]


@pytest.mark.parametrize("row, ours, theirs, x", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_points_match_torch(row, ours, theirs, x):
    t = mg.Tensor(np.array(x), requires_grad=True)
    with np.errstate(all="ignore"):
        ours(t).sum().backward()
    u = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    theirs(u).sum().backward()
    np.testing.assert_array_equal(t.grad, u.grad.numpy())


def test_prod_with_zeros_second_order_matches_torch():
    x = np.array([[0.0, 2.0, 3.0, -1.5], [0.0, 0.0, 1.0, 2.0], [1.0, 2.0, 0.5, -1.0]])
    compare(lambda t: mg.prod(t, axis=1), lambda t: torch.prod(t, dim=1), x)
    compare(lambda t: mg.prod(t, axis=0, keepdims=True), lambda t: torch.prod(t, dim=0, keepdim=True), x)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, True), (1, False), ((0, 2), False)])
def test_var_std_against_torch(ddof, axis, keepdims):
    x = RNG.uniform(-2, 2, (3, 4, 2))
    dim = axis
    compare(
        lambda t: mg.var(t, axis, ddof=ddof, keepdims=keepdims),
        lambda t: torch.var(t, dim=dim, correction=ddof, keepdim=keepdims),
        x,
    )
    compare(
        lambda t: mg.std(t, axis, ddof=ddof, keepdims=keepdims),
        lambda t: torch.std(t, dim=dim, correction=ddof, keepdim=keepdims),
        x,
    )


def test_cumsum_against_torch():
    x = RNG.uniform(-2, 2, (3, 4))
    compare(lambda t: mg.cumsum(t, 1), lambda t: torch.cumsum(t, 1), x)
    compare(lambda t: mg.cumsum(t, -2), lambda t: torch.cumsum(t, -2), x)
    compare(mg.cumsum, lambda t: torch.cumsum(t.reshape(-1), 0), x)


Y = RNG.uniform(-2, 2, (2, 3, 4))
IDX = RNG.integers(-4, 4, (2, 3, 5))

LAYOUT = [
    ("squeeze", lambda t: mg.squeeze(t[:, :1], 1), lambda t: torch.squeeze(t[:, :1], 1)),
    ("expand_dims", lambda t: mg.expand_dims(t, -2), lambda t: torch.unsqueeze(t, -2)),
    ("flatten", mg.flatten, torch.flatten),
    ("ravel", mg.ravel, torch.ravel),
    ("flip", lambda t: mg.flip(t, (0, 2)), lambda t: torch.flip(t, (0, 2))),
    ("roll", lambda t: mg.roll(t, (1, -2), (1, 2)), lambda t: torch.roll(t, (1, -2), (1, 2))),
    ("roll flat", lambda t: mg.roll(t, 5), lambda t: torch.roll(t, 5)),
    ("tile", lambda t: mg.tile(t, (2, 1, 1, 3)), lambda t: torch.tile(t, (2, 1, 1, 3))),
    ("repeat", lambda t: mg.repeat(t, 2, 1), lambda t: torch.repeat_interleave(t, 2, 1)),
    (
        "repeat counts",
        lambda t: mg.repeat(t, np.array([0, 2, 1, 3]), -1),
        lambda t: torch.repeat_interleave(t, torch.tensor([0, 2, 1, 3]), -1),
    ),
    ("pad constant", lambda t: mg.pad(t, ((0, 0), (1, 2), (2, 1))), lambda t: F.pad(t, (2, 1, 1, 2))),
    ("pad edge", lambda t: mg.pad(t, ((0, 0), (1, 2), (2, 1)), "edge"), lambda t: F.pad(t, (2, 1, 1, 2), "replicate")),
    (
        "pad reflect",
        lambda t: mg.pad(t, ((0, 0), (1, 2), (2, 1)), "reflect"),
        lambda t: F.pad(t, (2, 1, 1, 2), "reflect"),
    ),
    ("pad wrap", lambda t: mg.pad(t, ((0, 0), (1, 2), (2, 1)), "wrap"), lambda t: F.pad(t, (2, 1, 1, 2), "circular")),
    ("moveaxis", lambda t: mg.moveaxis(t, (0, 1), (-1, 0)), lambda t: torch.movedim(t, (0, 1), (-1, 0))),
    ("split", lambda t: mg.split(t, [1, 3], 2)[1], lambda t: torch.tensor_split(t, [1, 3], 2)[1]),
    (
        "take_along_axis",
        lambda t: mg.take_along_axis(t, IDX, 2),
        lambda t: torch.take_along_dim(t, torch.tensor(IDX % 4), 2),
    ),
    ("tril", lambda t: mg.tril(t, -1), lambda t: torch.tril(t, -1)),
    ("triu", lambda t: mg.triu(t, 1), lambda t: torch.triu(t, 1)),
    ("diagonal", lambda t: mg.diagonal(t, 1, 2, 1), lambda t: torch.diagonal(t, 1, 2, 1)),
]


@pytest.mark.parametrize("name, ours, theirs", LAYOUT, ids=[e[0] for e in LAYOUT])
def test_layout_against_torch(name, ours, theirs):
    compare(ours, theirs, Y)


A, B, C = RNG.uniform(-2, 2, (2, 3)), RNG.uniform(-2, 2, (3, 4)), RNG.uniform(-2, 2, (4, 3, 2))

PRODUCTS = [
    ("outer", mg.outer, torch.outer, (A[0], B[1])),
    ("dot matrices", mg.dot, torch.matmul, (A, B)),
    ("dot vectors", mg.dot, torch.dot, (A[0], A[1])),
    (
        "tensordot",
        lambda a, b: mg.tensordot(a, b, ([0, 1], [2, 1])),
        lambda a, b: torch.tensordot(a, b, ([0, 1], [2, 1])),
        (A, C),
    ),
    (
        "einsum chain",
        lambda *t: mg.einsum("ij,jk,kl->il", *t),
        lambda *t: torch.einsum("ij,jk,kl->il", *t),
        (A, B, B.T),
    ),
    ("einsum trace", lambda t: mg.einsum("ii", t), lambda t: torch.einsum("ii", t), (B[:, :3],)),
    ("einsum diagonal", lambda t: mg.einsum("ii->i", t), lambda t: torch.einsum("ii->i", t), (B[:, :3],)),
    ("einsum implicit", lambda a, b: mg.einsum("ij,jk", a, b), lambda a, b: torch.einsum("ij,jk", a, b), (A, B)),
    (
        "einsum ellipsis",
        lambda a, b: mg.einsum("...ij,jk->...ik", a, b),
        lambda a, b: torch.einsum("...ij,jk->...ik", a, b),
        (C, A),
    ),
    ("einsum sum", lambda t: mg.einsum("ijk->j", t), lambda t: torch.einsum("ijk->j", t), (C,)),
]


@pytest.mark.parametrize("name, ours, theirs, xs", PRODUCTS, ids=[e[0] for e in PRODUCTS])
def test_products_against_torch(name, ours, theirs, xs):
    compare(ours, theirs, *xs)

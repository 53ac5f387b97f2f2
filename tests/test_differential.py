"""A differential test of every op, in every composition of transforms up to third order, at hard points.

hypothesis builds f = wrapper(u), with u a random chain of 1-3 ops from
``differential_ops.OPS`` (each test draws its op first, so every op of the
package is drawn, then up to two more), and evaluates derivatives of f through
each composition of transforms below. The points (``wrapper``):

- ``random``:   f(x) = Σ c·u(x) at a random x0;
- ``residual``: f(x) = Σ (u(x) - u(x0))² at x0: an optimum, the cotangent into u is exactly 0
  (the Hessian there is 2 JᵀJ);
- ``product``:  f(x) = (Σ d·(x - x0)) · (Σ c·u(x)) at x0: the cotangent into u is exactly 0;
- ``inner``:    f(x) = Σ c·u(x0 + (x - x0)²) at x0: the tangent into u is exactly 0;
- ``kink``:     f(x) = Σ c·u(x) at a point with exact zeros, ties and clip bounds, where masks and
  kinks are active (for ops defined on all reals).

Oracles, in float64:
- PyTorch (``torch.autograd``, reverse over reverse), when installed (only that comparison is skipped without it):
  the Hessian, the third-order directional derivative T[v, w, ·] and the Jacobian of u;
  tolerance rtol 1e-8 with atol 1e-8 times the largest magnitude involved (the two compute
  the same formulas, up to rounding in another order);
- central finite differences of the next lower order, always, at smooth points (not at
  ``kink``, and not through ops that jump, where differences are not derivatives): step
  h = 1e-5, tolerance 1e-5 (second order) or 1e-4 (third) times the largest magnitude
  involved, which covers the h² truncation and the eps/h rounding of the differences;
- each other: every composition that computes the same quantity agrees to 1e-9 relative.

Inputs: x0 in the first op's domain (``DOMAINS``), c, d, v, w in [-1, 1]: floats without
subnormals, magnitudes below 1e-8 flushed to 0. Finite differences are taken at generic points
only (``_generic``); exact zeros, ties and kinks are judged by PyTorch and by the compositions'
agreement with each other. Where the Hessian or third derivative exceeds 1e8 (next to the
singularity of std or norm at 0) nothing is compared. ``--hypothesis-profile=thorough`` runs 16x more examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import losses

from .differential_ops import (
    DOMAINS,
    NOT_DRAWN,
    OPS,
    SHAPE,
    squash_mg,
    squash_torch,
    to_next_mg,
    to_next_torch,
)

try:
    import torch
except ImportError:  # the PyTorch comparison is skipped; every other check runs
    torch = None

N = 6  # x is (2, 3), flattened for the transforms
KINK = np.array([0.0, 0.5, 0.5, -0.5, 0.0, 1.25])  # zeros, a tie, both clip bounds
WRAPPERS = ("random", "residual", "product", "inner", "kink")
H = 1e-5

# Examples per op: a fifth of the profile's (5 in the default profile, 80 with --hypothesis-profile=thorough).
EXAMPLES = max(3, settings().max_examples // 5)


# -- the function under test, in both frameworks -----------------------------------------------------
def chain_mg(ops, x):
    u = x
    for i, op in enumerate(ops):
        if i:
            u = squash_mg(to_next_mg(u), op.domain)
        u = op.mg_fn(u)
    return to_next_mg(u)


def chain_torch(ops, x):
    u = x
    for i, op in enumerate(ops):
        if i:
            u = squash_torch(torch, to_next_torch(torch, u), op.domain)
        u = op.torch_fn(torch, u)
    return to_next_torch(torch, u)


def scalar_mg(ops, wrapper, x0, c, d):
    """f: R^6 -> R for minigrad (x0, c, d are arrays)."""
    c2 = c.reshape(SHAPE)
    if wrapper == "residual":
        with mg.no_grad():
            u0 = chain_mg(ops, mg.Tensor(x0.reshape(SHAPE))).data
        return lambda v: ((chain_mg(ops, mg.reshape(v, SHAPE)) - u0) ** 2).sum()
    if wrapper == "product":
        return lambda v: (d * (v - x0)).sum() * (c2 * chain_mg(ops, mg.reshape(v, SHAPE))).sum()
    if wrapper == "inner":
        return lambda v: (c2 * chain_mg(ops, mg.reshape(x0 + (v - x0) ** 2, SHAPE))).sum()
    return lambda v: (c2 * chain_mg(ops, mg.reshape(v, SHAPE))).sum()


def scalar_torch(ops, wrapper, x0, c, d):
    x0, c, d = (torch.tensor(a) for a in (x0, c, d))
    c2 = c.reshape(SHAPE)
    if wrapper == "residual":
        u0 = chain_torch(ops, x0.reshape(SHAPE)).detach()
        return lambda v: ((chain_torch(ops, v.reshape(SHAPE)) - u0) ** 2).sum()
    if wrapper == "product":
        return lambda v: (d * (v - x0)).sum() * (c2 * chain_torch(ops, v.reshape(SHAPE))).sum()
    if wrapper == "inner":
        return lambda v: (c2 * chain_torch(ops, (x0 + (v - x0) ** 2).reshape(SHAPE))).sum()
    return lambda v: (c2 * chain_torch(ops, v.reshape(SHAPE))).sum()


# -- the compositions of transforms -----------------------------------------------------------------
def _create_graph(f, x, v):
    x = mg.Tensor(x, requires_grad=True)
    f(x).backward(create_graph=True)
    g = x.grad
    if not g.requires_grad:  # f is linear: its gradient is a constant (PyTorch raises here too)
        return np.zeros_like(v)
    x.grad = None
    (g * v).sum().backward()
    return x.grad


HESSIANS = {  # f, x -> H
    "hessian": lambda f, x: mg.hessian(f)(x),
    "jacfwd∘jacrev": lambda f, x: mg.jacfwd(mg.jacrev(f))(x),
    "jacrev∘jacfwd": lambda f, x: mg.jacrev(mg.jacfwd(f))(x),
    "jacfwd∘jacfwd": lambda f, x: mg.jacfwd(mg.jacfwd(f))(x),
}
HVPS = {  # f, x, v -> H v
    "grad∘grad": lambda f, x, v: mg.grad(lambda y: (mg.grad(f)(y) * v).sum())(x),
    "hvp": lambda f, x, v: mg.hvp(f, x, v),
    "jvp∘grad": lambda f, x, v: mg.jvp(mg.grad(f), (x,), (v,))[1],
    "jvp∘vjp": lambda f, x, v: mg.jvp(lambda y: mg.vjp(f, y)[1](1.0)[0], (x,), (v,))[1],
    "vjp∘jvp": lambda f, x, v: mg.vjp(lambda y: mg.jvp(f, (y,), (v,))[1], x)[1](1.0)[0],
    "backward(create_graph=True)": _create_graph,
}
THIRD = {  # f, x, v, w -> T[v, w, ·] = ∇(wᵀ H(x) v)
    "grad∘grad∘grad": lambda f, x, v, w: mg.grad(lambda y: (mg.grad(lambda z: (mg.grad(f)(z) * v).sum())(y) * w).sum())(
        x
    ),
    "jvp∘jvp∘grad": lambda f, x, v, w: mg.jvp(lambda y: mg.jvp(mg.grad(f), (y,), (v,))[1], (x,), (w,))[1],
    "grad∘hvp": lambda f, x, v, w: mg.grad(lambda y: (mg.hvp(f, y, v) * w).sum())(x),
}
PULLBACKS = {  # u: R^6 -> R^6, x, c, d: the pullback c -> Jᵀc differentiated in c (jvp: Jᵀd; grad of ·d: J d)
    "jvp∘(vjp's pullback)": lambda um, x, u0, du: mg.jvp(lambda c: mg.vjp(um, x)[1](c)[0], (u0,), (du,))[1],
    "grad∘(vjp's pullback)": lambda um, x, u0, du: mg.grad(lambda c: (mg.vjp(um, x)[1](c)[0] * du).sum())(u0),
}
COMPOSITIONS = [*HESSIANS, *HVPS, *THIRD, *PULLBACKS]


def _close(got, want, rtol, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    scale = max(1.0, float(np.abs(want).max(initial=0)), float(np.abs(got).max(initial=0)))
    err = float(np.abs(got - want).max(initial=0))
    assert np.isfinite(got).all(), f"{what}: not finite: {got}"
    assert err <= rtol * scale, f"{what}: off by {err:.3g} (scale {scale:.3g})\n got  {got}\n want {want}"


def _torch_close(got, want, what):
    """mg against torch, where torch is finite (at a domain edge torch gives nan where minigrad's
    conventions give a finite value: norm and std at 0; finite differences judge those)."""
    finite = np.isfinite(want)
    _close(np.asarray(got)[finite], want[finite], 1e-8, what)


def _differences(fn, x, direction):
    """Central differences of ``fn`` along ``direction`` (step H), or None where ``fn`` is not smooth
    at that scale, so that differences are not derivatives: where central differences at H and H/4
    disagree (a kink or jump within reach), or one-sided differences at 1e-7 do (a kink at x itself,
    where central differences average the two slopes)."""
    f0 = fn(x)
    a = (fn(x + H * direction) - fn(x - H * direction)) / (2 * H)
    b = (fn(x + H / 4 * direction) - fn(x - H / 4 * direction)) / (H / 2)
    ahead = (fn(x + 1e-7 * direction) - f0) / 1e-7
    behind = (f0 - fn(x - 1e-7 * direction)) / 1e-7
    scale = max(1.0, float(np.abs(a).max(initial=0)), float(np.abs(f0).max(initial=0)))
    smooth = np.abs(a - b).max(initial=0) <= 1e-6 * scale and np.abs(ahead - behind).max(initial=0) <= 1e-5 * scale
    return a if smooth else None


def _value(t):
    return np.asarray(t.data if isinstance(t, mg.Tensor) else t, dtype=np.float64)


def torch_oracle(ops, wrapper, x0, c, d, v, w):
    """PyTorch's Hessian, T[v, w, ·] and Jacobian of u at x0, by reverse mode over reverse mode.

    torch.autograd rather than torch.func: some of PyTorch's ops lack forward-mode rules
    (floor_divide, huber_loss) and functorch's jacfwd trips over in-place masked fills.
    """
    ft = scalar_torch(ops, wrapper, x0, c, d)
    x = torch.tensor(x0, requires_grad=True)
    vt, wt = torch.tensor(v), torch.tensor(w)
    (g,) = torch.autograd.grad(ft(x), x, create_graph=True)

    def d_of(y):  # d y / d x, zeros where y does not depend on x
        if not y.requires_grad:
            return torch.zeros_like(x)
        (r,) = torch.autograd.grad(y, x, retain_graph=True, create_graph=True, allow_unused=True)
        return torch.zeros_like(x) if r is None else r

    Ht = torch.stack([d_of(g[i]) for i in range(N)])
    Tt = d_of((d_of((g * vt).sum()) * wt).sum())
    u = chain_torch(ops, x.reshape(SHAPE)).reshape(N)
    Jt = torch.stack([d_of(u[i]) for i in range(N)])
    return tuple(a.detach().numpy(force=True) for a in (Ht, Tt, Jt))  # force: PyTorch may return ZeroTensors


# -- the test ----------------------------------------------------------------------------------------------
def _elements(lo, hi):
    """Floats in [lo, hi], magnitudes below 1e-8 flushed to exact 0: zeros are special points, while
    numbers like 1e-300 would test float underflow (x² = 0), not derivatives."""
    return st.floats(lo, hi, allow_subnormal=False).map(lambda t: 0.0 if abs(t) < 1e-8 else t)


def _generic(x0):
    """True where no coordinate is 0 or ±0.5 and no two are equal (to 1e-3): no mask, tie or kink of
    the table's ops is hit exactly. Only there are finite differences an oracle for derivatives, since
    at a tie or kink autodiff takes the convention (0.5 to each, PyTorch's) and differences take
    the slope of whichever side the step lands on (even along a line where f is smooth)."""
    points = np.concatenate([x0, [0.0, 0.5, -0.5]])
    gaps = np.abs(points[:, None] - points[None, :]) + np.eye(points.size)
    return bool(gaps[: x0.size].min() > 1e-3)


vectors = hnp.arrays(np.float64, N, elements=_elements(-1, 1))


@pytest.mark.parametrize("lead", OPS, ids=[op.name for op in OPS])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: it takes minutes here
)
@given(data=st.data())
def test_every_composition_of_transforms_agrees_with_the_oracles(lead, data):
    rest = data.draw(st.lists(st.sampled_from(OPS), max_size=2), label="rest of the chain")
    ops = [lead, *rest]
    wrapper = data.draw(st.sampled_from(WRAPPERS if lead.domain == "real" else WRAPPERS[:-1]), label="wrapper")
    lo, hi = DOMAINS[lead.domain]
    x0 = KINK if wrapper == "kink" else data.draw(hnp.arrays(np.float64, N, elements=_elements(lo, hi)), label="x0")
    c, d, v, w = (data.draw(vectors, label=name) for name in "cdvw")
    smooth = wrapper != "kink" and all(op.smooth for op in ops) and _generic(x0)

    f = scalar_mg(ops, wrapper, x0, c, d)
    um = lambda y: mg.reshape(chain_mg(ops, mg.reshape(y, SHAPE)), (N,))  # noqa: E731
    with np.errstate(all="ignore"):  # overflow inside a chain is what it is; the checks say if it matters
        hessians = {name: _value(fn(f, x0)) for name, fn in HESSIANS.items()}
        hvps = {name: _value(fn(f, x0, v)) for name, fn in HVPS.items()}
        thirds = {name: _value(fn(f, x0, v, w)) for name, fn in THIRD.items()}
        pulls = {name: _value(fn(um, x0, c, d)) for name, fn in PULLBACKS.items()}
    Hm = hessians["hessian"]
    T0 = thirds["grad∘grad∘grad"]
    if not (np.isfinite(Hm).all() and np.isfinite(T0).all()) or max(np.abs(Hm).max(), np.abs(T0).max()) > 1e8:
        return  # next to a singularity (std of nearly equal values): rounding decides, nothing to compare

    # Each other: the same quantity through every composition.
    for name, Hx in hessians.items():
        _close(Hx, Hm, 1e-9, f"{name} vs hessian")
    for name, hv in hvps.items():
        _close(hv, Hm @ v, 1e-9, f"{name} vs hessian @ v")
    for name, t in thirds.items():
        _close(t, T0, 1e-9, f"{name} vs grad∘grad∘grad")

    if torch is not None:
        Ht, Tt, Jt = torch_oracle(ops, wrapper, x0, c, d, v, w)
        _torch_close(Hm, Ht, "hessian vs torch")
        _torch_close(T0, Tt, "third order vs torch")
        _torch_close(pulls["jvp∘(vjp's pullback)"], Jt.T @ d, "jvp of the pullback vs torch")
        _torch_close(pulls["grad∘(vjp's pullback)"], Jt @ d, "grad of the pullback vs torch")

    if smooth and wrapper == "inner":
        # u is evaluated only on one side of x0 (x0 + (x - x0)² >= x0): where u has a kink at x0,
        # f is smooth but its derivatives take u's convention at the kink, not the one side's slope.
        u = lambda y: _value(um(y))  # noqa: E731
        with np.errstate(all="ignore"):
            smooth = all(_differences(u, x0, e**2) is not None for e in (c, d, v, w))
    if smooth:
        grad = lambda y: _value(mg.grad(f)(y))  # noqa: E731
        third_w = lambda y: _value(mg.hvp(f, y, v)) @ w  # noqa: E731
        u = lambda y: _value(um(y))  # noqa: E731
        with np.errstate(all="ignore"):
            checks = [
                (Hm @ v, grad, v, 1e-5, "H v vs differences of the gradient"),
                (Hm @ w, grad, w, 1e-5, "H w vs differences of the gradient"),
                (T0 @ c, third_w, c, 1e-4, "T[v, w, c] vs differences of wᵀ H v"),
                (pulls["grad∘(vjp's pullback)"], u, d, 1e-5, "J d vs differences of u"),
                (pulls["jvp∘(vjp's pullback)"] @ c, lambda y: d @ u(y), c, 1e-5, "dᵀ J c vs differences of u"),
            ]
            for got, fn, direction, rtol, what in checks:
                fd = _differences(fn, x0, direction)
                if fd is not None:
                    _close(got, fd, rtol, what)


def test_every_differentiable_op_of_the_package_is_drawn():
    """The table covers mg's ops, nn.functional and the losses: a new op without an entry fails here."""
    drawn = {op.name.split(" ")[0] for op in OPS}
    package = set(mg.ops.__all__) | set(F.__all__) | set(losses.__all__) | {"remainder", "floor_divide"}
    missing = package - drawn - set(NOT_DRAWN)
    assert not missing, f"ops not drawn by the differential test: {sorted(missing)}"
    assert len(COMPOSITIONS) == 15

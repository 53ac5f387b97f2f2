"""Derivatives at every order, at the points where autodiff is hardest (issue 19).

Each test is one example of a kind of fault that once shipped, with its exact
value. The oracle is closed form (2e, 2e², 2, ...) or the matching identity
(a zero-residual least-squares Hessian is 2 JᵀJ exactly), so the tests need no
optional framework; ``test_differential.py`` draws every op in compositions.
"""

from collections import OrderedDict, defaultdict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

E = np.e


# -- kind 1: a zero cotangent or tangent keeps the second-order term -----------------------------
def f_stationary(x):
    return (x - 1) * mg.exp(x)  # f'(1) = e, and the cotangent into exp is exactly 0 at x = 1


@pytest.mark.parametrize(
    "name, second",
    [
        ("grad∘grad", lambda f, x: mg.grad(mg.grad(f))(x)),
        ("hessian", lambda f, x: mg.hessian(f)(x)),
        ("hvp", lambda f, x: mg.hvp(f, x, np.ones_like(x))),
        ("jvp∘grad", lambda f, x: mg.jvp(mg.grad(f), (x,), (np.ones_like(x),))[1]),
        ("jacfwd∘jacfwd", lambda f, x: mg.jacfwd(mg.jacfwd(f))(x)),
        ("jacrev∘jacfwd", lambda f, x: mg.jacrev(mg.jacfwd(f))(x)),
        ("jacfwd∘jacrev", lambda f, x: mg.jacfwd(mg.jacrev(f))(x)),
    ],
)
def test_second_derivative_at_a_stationary_cotangent(name, second):
    # d²/dx² (x - 1) e^x = (x + 1) e^x: 2e at x = 1.
    got = second(lambda x: f_stationary(x).sum(), np.array([1.0]))
    np.testing.assert_allclose(np.ravel(got.data), [2 * E], rtol=1e-14)


def test_backward_create_graph_at_a_stationary_cotangent():
    x = mg.Tensor(np.array([1.0]), requires_grad=True)
    f_stationary(x).sum().backward(create_graph=True)
    (g,) = [x.grad]
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad, [2 * E], rtol=1e-14)


def test_hessian_of_least_squares_at_zero_residual():
    # ((e^w - e)²)'' = 2 (e^w)² + 2 (e^w - e) e^w = 2e² at w = 1 (the residual is 0 there).
    h = mg.hessian(lambda w: ((mg.exp(w) - E) ** 2).sum())(np.array([1.0]))
    np.testing.assert_allclose(h.data, [[2 * E**2]], rtol=1e-14)


def test_forward_mode_at_a_zero_tangent():
    # log(1 + (v - 1)²)'' at v = 1 is 2; the tangent into log is exactly 0 there.
    h = mg.jacfwd(mg.jacfwd(lambda v: mg.log(1 + (v[0] - 1) ** 2)))(np.array([1.0]))
    np.testing.assert_allclose(h.data, [[2.0]], rtol=1e-14)


def _net(p, X):
    return mg.tanh(X @ p["W1"] + p["b1"]) @ p["W2"]


def test_model_fitted_to_data_it_generated_has_the_gauss_newton_hessian():
    # At zero residual the Hessian of ½Σr² is exactly JᵀJ (the r·∇²r term vanishes): an
    # identity, so an oracle independent of the second-order machinery under test.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 2))
    p0 = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3), "W2": rng.normal(size=(3, 1))}
    y = _net(p0, X).data  # data the model generated: the fit is exact at p0
    flat0 = np.concatenate([p0[k].ravel() for k in sorted(p0)])

    def unflat(v):
        out, i = {}, 0
        for k in sorted(p0):
            n = p0[k].size
            out[k] = v[i : i + n].reshape(p0[k].shape)
            i += n
        return out

    residual = lambda v: (_net(unflat(v), X) - y).reshape(-1)  # noqa: E731
    J = mg.jacrev(residual)(flat0).data
    for H in (
        mg.hessian(lambda v: 0.5 * (residual(v) ** 2).sum())(flat0).data,
        mg.jacfwd(mg.jacrev(lambda v: 0.5 * (residual(v) ** 2).sum()))(flat0).data,
    ):
        np.testing.assert_allclose(H, J.T @ J, rtol=1e-10, atol=1e-12)
    assert np.abs(J.T @ J).max() > 0.1  # not a trivially zero Hessian


@pytest.mark.parametrize(
    "name, f, x0, exact",
    [
        # Each op at a point where its incoming cotangent is 0 and its derivative finite.
        ("log", lambda x: (x - 2) * mg.log(x), 2.0, 2 / 2.0),  # (x-2)·log x: '' = 2/x - (x-2)/x² at 2 → 1
        ("sqrt", lambda x: (x - 4) * mg.sqrt(x), 4.0, 2 * 0.5 / 2.0),  # 2·(1/(2√x)) at 4 → 0.5
        ("div", lambda x: (x - 2) / x, 2.0, -4 / 2.0**3),  # (1 - 2/x)'' = -4/x³ → -0.5
        ("reciprocal", lambda x: (x - 2) * mg.reciprocal(x), 2.0, -2 / 4.0),  # 2·(-1/x²) → -0.5
        ("pow", lambda x: (x - 2) * x**1.5, 2.0, 2 * 1.5 * 2.0**0.5),
        ("arcsin", lambda x: (x - 0.5) * mg.arcsin(x), 0.5, 2 / np.sqrt(0.75)),
        ("arctanh", lambda x: (x - 0.5) * mg.arctanh(x), 0.5, 2 / 0.75),
        ("log1p", lambda x: (x - 1) * mg.log1p(x), 1.0, 2 / 2.0),
        ("expm1", lambda x: (x - 1) * mg.expm1(x), 1.0, 2 * E),
        ("log2", lambda x: (x - 2) * mg.log2(x), 2.0, 2 / (2.0 * np.log(2))),
        ("exp2", lambda x: (x - 1) * mg.exp2(x), 1.0, 2 * 2 * np.log(2)),
        ("xlogy", lambda x: (x - 2) * mg.xlogy(x, x), 2.0, 2 * (np.log(2.0) + 1)),
    ],
)
def test_each_guarded_op_keeps_its_second_order_term(name, f, x0, exact):
    # (x - a)·u(x) has second derivative 2u'(a) at x = a: u's cotangent is exactly 0 there.
    x = np.array([x0])
    for second in (
        mg.grad(mg.grad(lambda x: f(x).sum())),
        mg.jacfwd(mg.jacfwd(lambda x: f(x).sum())),
    ):
        np.testing.assert_allclose(np.ravel(second(x).data), [exact], rtol=1e-12)


def test_the_guard_still_zeroes_an_infinite_derivative_met_by_a_zero_cotangent():
    # sqrt'(0) = inf, reached by a cotangent of exactly 0: 0, not nan, at first and second order.
    f = lambda x: (0.0 * mg.sqrt(x)).sum() + (x * x).sum()  # noqa: E731
    x = np.array([0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):  # the forward's own 0 · sqrt'(0)
        np.testing.assert_array_equal(mg.grad(f)(x).data, [0.0, 2.0])
        np.testing.assert_array_equal(mg.hessian(f)(x).data, [[2.0, 0.0], [0.0, 2.0]])


# -- kind 2: vjp's pullback is linear in its cotangent, and differentiable as such ---------------
def test_jvp_of_the_pullback_in_its_cotangent():
    pull = lambda u: mg.vjp(lambda x: x * x, np.array([1.0, 2.0]))[1](u)[0]  # noqa: E731
    out = mg.jvp(pull, (np.ones(2),), (np.ones(2),))[1]
    np.testing.assert_allclose(out.data, [2.0, 4.0])  # torch.func agrees


def test_grad_through_the_pullback_and_a_pullback_made_outside():
    _, pullback = mg.vjp(lambda x: mg.sin(x) * x, np.array([0.3, -1.2]))
    x = np.array([0.3, -1.2])
    jac_diag = np.cos(x) * x + np.sin(x)
    g = mg.grad(lambda u: (pullback(u)[0] * np.array([1.0, 3.0])).sum())(np.ones(2))
    np.testing.assert_allclose(g.data, jac_diag * [1.0, 3.0])
    _, t = mg.jvp(lambda u: pullback(u)[0], (np.zeros(2),), (np.array([1.0, -2.0]),))
    np.testing.assert_allclose(t.data, jac_diag * [1.0, -2.0])


# -- kind 3: 0 ** y for y > 0 ---------------------------------------------------------------------
def test_pow_exponent_rule_at_base_zero_is_differentiable_in_its_tangent():
    got = mg.grad(lambda v: mg.jvp(lambda y: 0.0**y, (0.3,), (v,))[1])(1.0)
    assert got.item() == 0.0
    got = mg.grad(lambda g: mg.vjp(lambda y: 0.0**y, 0.3)[1](g)[0])(1.0)
    assert got.item() == 0.0


def test_pow_at_its_special_points_has_finite_second_derivatives():
    # x**0 at 0 is constant; 0**b for b > 0 is constant: every derivative is 0, never nan.
    for f, x in [(lambda b: (0.0**b).sum(), np.array([0.5, 2.0])), (lambda a: (a**0.0).sum(), np.array([0.0, 3.0]))]:
        np.testing.assert_array_equal(mg.hessian(f)(x).data, np.zeros((2, 2)))


# -- kind 4: transform bookkeeping as in JAX and torch.func ---------------------------------------
def test_aux_comes_back_untraced():
    x = np.array([1.0, 2.0])
    _, aux = mg.grad(lambda x: ((x**2).sum(), {"y": x * 3}), has_aux=True)(x)
    assert not aux["y"].requires_grad
    _, _, aux = mg.vjp(lambda x: (x * 2, x + 1), x, has_aux=True)
    assert not aux.requires_grad
    _, aux = mg.jacrev(lambda x: (x * 2, x + 1), has_aux=True)(x)
    assert not aux.requires_grad
    # Under an outer transform aux stays visible to it: d/dx Σ 3x² via the inner aux.
    outer = mg.grad(lambda x: (mg.grad(lambda x: ((x**2).sum(), x**3), has_aux=True)(x)[1]).sum())(x)
    np.testing.assert_allclose(outer.data, 3 * x**2)


def test_empty_pytree_arguments_get_empty_gradients():
    got = mg.grad(lambda d, x: d.get("k", x) ** 2, argnums=(0, 1))({}, 2.0)
    assert got[0] == {} and got[1].item() == 4.0
    assert mg.grad(lambda d: mg.Tensor(1.0) * 2)({}) == {}


def test_dict_subclasses_keep_their_type():
    od = OrderedDict([("b", np.ones(2)), ("a", np.zeros(2))])
    g = mg.grad(lambda d: (d["a"] * d["b"]).sum())(od)
    assert type(g) is OrderedDict and list(g) == ["b", "a"]
    dd = defaultdict(list, a=np.ones(2))
    g = mg.grad(lambda d: (d["a"] ** 2).sum())(dd)
    assert type(g) is defaultdict and g.default_factory is list
    np.testing.assert_allclose(g["a"].data, [2.0, 2.0])


def test_cumsum_with_an_axis_tuple_raises_type_error_as_numpy():
    with pytest.raises(TypeError, match="cumsum: axis must be a single int"):
        mg.cumsum(np.ones((2, 2)), axis=(0, 1))
    with pytest.raises(TypeError):
        np.cumsum(np.ones((2, 2)), axis=(0, 1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stride": 2, "padding": "same"}, "padding='same' needs stride 1"),
        ({"padding": "bogus"}, "padding must be an int, 2 ints, 'valid' or 'same', got 'bogus'"),
    ],
)
def test_conv_refuses_bad_padding_in_its_constructor(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(16, 32, 2, **kwargs)


# -- found by the adversarial review -------------------------------------------------------------
def test_aux_that_depends_on_an_outer_variable_stays_differentiable_by_the_outer_transform():
    # d/dy of the aux y² of an inner grad over x: 2y = 6 at y = 3 (torch.func agrees).
    inner = lambda x, y: (x * y, y**2)  # noqa: E731
    assert mg.grad(lambda y: mg.grad(lambda x: inner(x, y), has_aux=True)(1.0)[1])(3.0).item() == 6.0
    assert mg.grad(lambda y: mg.vjp(lambda x: inner(x, y), 1.0, has_aux=True)[2])(3.0).item() == 6.0
    assert mg.grad(lambda y: mg.jacrev(lambda x: inner(x, y), has_aux=True)(1.0)[1])(3.0).item() == 6.0
    tangent = mg.jvp(lambda y: mg.grad(lambda x: inner(x, y), has_aux=True)(1.0)[1], (3.0,), (1.0,))[1]
    assert tangent.item() == 6.0


def test_exponent_two_traced_by_forward_mode_keeps_its_derivative():
    exact = 2 * (1 + 2 * np.log(2.0))  # d/db d/da a^b at a = b = 2
    got = mg.jvp(lambda b: mg.grad(lambda a: a**b)(2.0), (2.0,), (1.0,))[1]
    np.testing.assert_allclose(got.item(), exact, rtol=1e-14)
    h = mg.jacfwd(mg.jacfwd(lambda p: p[0] ** p[1]))(np.array([2.0, 2.0])).data
    np.testing.assert_allclose(h, mg.hessian(lambda p: p[0] ** p[1])(np.array([2.0, 2.0])).data, rtol=1e-14)
    np.testing.assert_allclose(h[0, 1], exact, rtol=1e-14)


@pytest.mark.parametrize(
    "name, second",
    [
        ("hessian", lambda f, x: mg.hessian(f)(x)),
        ("jacfwd∘jacrev", lambda f, x: mg.jacfwd(mg.jacrev(f))(x)),
        ("jacrev∘jacfwd", lambda f, x: mg.jacrev(mg.jacfwd(f))(x)),
        ("jacfwd∘jacfwd", lambda f, x: mg.jacfwd(mg.jacfwd(f))(x)),
    ],
)
def test_a_masked_branch_with_the_double_where_idiom_is_right_in_every_composition(name, second):
    # where(x > 0.5, x·√x, x²) is x² near 0: H = diag(2, 3/(4√1)). Keeping sqrt's input in its domain
    # (the README's double-where idiom) keeps the untaken branch finite at every order. Without it,
    # jacfwd∘jacrev gives nan at 0, as JAX and PyTorch do: sqrt's infinite tangent there meets the
    # zero cotangent inside mul's rule, where it cannot be cut (see ops/_dual.times_).
    def h(x):
        taken = x.data > 0.5
        inner = mg.where(taken, x, 1.0)
        return mg.where(taken, inner * mg.sqrt(inner), x * x).sum()

    got = second(h, np.array([0.0, 1.0])).data
    np.testing.assert_allclose(got, [[2.0, 0.0], [0.0, 0.75]], rtol=1e-14)


def test_a_product_with_an_infinite_factor_in_an_untaken_branch_has_gradient_zero():
    with np.errstate(divide="ignore", invalid="ignore"):
        g = mg.grad(lambda x: mg.where(x.data > 0, x * mg.log(x), 0.0).sum())(np.array([0.0, 2.0]))
    np.testing.assert_allclose(g.data, [0.0, 1 + np.log(2.0)], rtol=1e-14)


def test_compiled_results_keep_ordered_and_default_dicts():
    od = OrderedDict([("b", np.array(2.0)), ("a", np.array(1.0))])
    g = mg.compile(mg.grad(lambda p: p["a"] * p["b"]))(od)
    assert type(g) is OrderedDict and list(g) == ["b", "a"] and g["b"].item() == 1.0
    dd = defaultdict(list, a=np.array(2.0))
    g = mg.compile(mg.grad(lambda p: p["a"] ** 3))(dd)
    assert type(g) is defaultdict and g.default_factory is list and g["a"].item() == 12.0


def test_grad_with_respect_to_nothing_accepts_a_number():
    assert mg.grad(lambda d, x: d.get("k", x) ** 2, argnums=0)({}, 2.0) == {}


@pytest.mark.parametrize("padding", [-1, 1.5, (1, 2, 3)])
def test_conv_refuses_negative_fractional_or_misshapen_padding_in_its_constructor(padding):
    with pytest.raises(ValueError, match="Conv2d: padding"):
        nn.Conv2d(1, 1, 3, padding=padding)


def test_cumsum_refuses_a_boolean_axis_as_numpy():
    with pytest.raises(TypeError, match="cumsum: axis must be a single int"):
        mg.cumsum(np.ones(3), axis=True)

"""Optimizers, second round: parameter groups, step(closure), AdamW, state_dict round trips, checked
hyperparameters, all-or-nothing steps, clip_grad_norm and the cosine schedule (hand rules, and PyTorch when
installed)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import nn, optim

X0 = np.array([[0.3, -0.2, 0.9], [1.1, -0.7, 0.05]])
B0 = np.array([0.4, -1.3])
C = np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]])


def loss_of(w, b):
    """Σ (w⁴/4 + C w) + Σ b² sin-free and smooth: gradients w³ + C and 2 b."""
    return (w**4 / 4 + C * w).sum() + (b * b).sum()


def make():
    return mg.Tensor(X0.copy(), requires_grad=True), mg.Tensor(B0.copy(), requires_grad=True)


def train(opt, w, b, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss_of(w, b).backward()
        opt.step()


FACTORIES = {
    "sgd": lambda groups: optim.SGD(groups, lr=0.05, momentum=0.9, weight_decay=0.01),
    "nesterov": lambda groups: optim.SGD(groups, lr=0.05, momentum=0.8, nesterov=True),
    "adagrad": lambda groups: optim.Adagrad(groups, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "rmsprop": lambda groups: optim.RMSprop(groups, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    "adam": lambda groups: optim.Adam(groups, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1),
    "adamw": lambda groups: optim.AdamW(groups, lr=0.05),
}


# -- AdamW against its formula ---------------------------------------------------------------------------


def test_adamw_matches_the_decoupled_rule_and_pytorch_defaults():
    opt = optim.AdamW([mg.Tensor(np.ones(1), requires_grad=True)])
    assert opt.param_groups[0]["lr"] == 1e-3 and opt.betas == (0.9, 0.999) and opt.eps == 1e-8
    assert opt.weight_decay == 0.01  # PyTorch's AdamW default, unlike Adam's 0
    x, m, v = X0.copy(), np.zeros_like(X0), np.zeros_like(X0)
    lr, wd, b1, b2, eps = 0.05, 0.3, 0.9, 0.999, 1e-8
    for t in range(1, 6):
        g = x**3 + C
        x = x * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr / (1 - b1**t) * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
    w = mg.Tensor(X0.copy(), requires_grad=True)
    opt = optim.AdamW([w], lr=lr, weight_decay=wd)
    for _ in range(5):
        opt.zero_grad()
        (w**4 / 4 + C * w).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.data, x, rtol=1e-13)
    assert opt.state[0]["step"] == 5 and opt.steps == 5


# -- parameter groups ------------------------------------------------------------------------------------


def test_parameter_groups_override_defaults_per_group():
    w, b = make()
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5, "weight_decay": 0.1}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.0, 0.1]
    w.grad, b.grad = np.ones_like(X0), np.ones_like(B0)
    opt.step()
    np.testing.assert_allclose(w.data, X0 - 0.1)
    np.testing.assert_allclose(b.data, B0 - 0.5 * (1 + 0.1 * B0))
    assert opt.names == ["param 0", "group 1 param 0"] and opt.lr == 0.1
    opt.lr = 0.2  # setting lr sets every group's
    assert [g["lr"] for g in opt.param_groups] == [0.2, 0.2]


def test_parameter_group_errors():
    w, b = make()
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['lr_rate'\].*allowed: \['params', 'lr'"):
        optim.SGD([{"params": [w], "lr_rate": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.Adam([{"params": [w]}, {"params": [w, b]}])
    with pytest.raises(ValueError, match=r"parameter group 1\): lr must be a finite number in \[0, inf\)"):
        optim.Adam([{"params": [w]}, {"params": [b], "lr": -1.0}])
    opt = optim.Adam([w])
    opt.add_param_group({"params": [b], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["betas"] == (0.5, 0.6) and opt.params == [w, b]


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_groups_match_pytorch(kind):
    torch = pytest.importorskip("torch")
    factory = FACTORIES[kind]
    w, b = make()
    opt = factory([{"params": [w]}, {"params": [b], "lr": 0.02, "weight_decay": 0.2}])
    train(opt, w, b, 6)
    tw = torch.tensor(X0.copy(), requires_grad=True)
    tb = torch.tensor(B0.copy(), requires_grad=True)
    names = {"sgd": "SGD", "nesterov": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
    cls = getattr(torch.optim, names.get(kind, "AdamW"))
    kw = {k: v for k, v in opt.defaults.items()}
    topt = cls([{"params": [tw]}, {"params": [tb], "lr": 0.02, "weight_decay": 0.2}], **kw)
    tc = torch.tensor(C)
    for _ in range(6):
        topt.zero_grad()
        ((tw**4 / 4 + tc * tw).sum() + (tb * tb).sum()).backward()
        topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-12, atol=1e-14)


# -- step(closure) ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_step_with_closure_returns_its_loss_and_equals_the_plain_loop(kind):
    w, b = make()
    opt = FACTORIES[kind]([w, b])
    calls = []

    def closure():
        opt.zero_grad()
        loss = loss_of(w, b)
        loss.backward()
        calls.append(loss.item())
        return loss

    returned = [opt.step(closure).item() for _ in range(4)]
    assert returned == calls and len(calls) == 4
    w2, b2 = make()
    train(FACTORIES[kind]([w2, b2]), w2, b2, 4)
    np.testing.assert_array_equal(w.data, w2.data)
    np.testing.assert_array_equal(b.data, b2.data)
    assert opt.step() is None


def test_closure_records_even_under_no_grad():
    w, b = make()
    opt = optim.SGD([w, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_of(w, b)
        loss.backward()
        return loss

    with mg.no_grad():
        opt.step(closure)
    assert not np.array_equal(w.data, X0)


# -- state_dict ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_state_dict_through_save_and_load_resumes_exactly(kind, tmp_path):
    factory = FACTORIES[kind]
    w, b = make()
    opt = factory([{"params": [w]}, {"params": [b], "lr": 0.03}])
    sched = optim.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for _ in range(3):
        train(opt, w, b, 1)
        sched.step()
    mg.save(opt, tmp_path / "opt.npz")  # mg.save takes anything with a state_dict()
    mg.save(sched.state_dict(), tmp_path / "sched.npz")
    mg.save({"w": w, "b": b}, tmp_path / "params.npz")
    for _ in range(3):
        train(opt, w, b, 1)
        sched.step()

    params = mg.load(tmp_path / "params.npz")
    w2, b2 = mg.Tensor(params["w"], requires_grad=True), mg.Tensor(params["b"], requires_grad=True)
    opt2 = factory([{"params": [w2]}, {"params": [b2], "lr": 0.03}])
    sched2 = optim.CosineAnnealingLR(opt2, T_max=10, eta_min=0.001)
    opt2.load_state_dict(mg.load(tmp_path / "opt.npz"))
    sched2.load_state_dict(mg.load(tmp_path / "sched.npz"))
    assert opt2.steps == 3 and sched2.t == 3
    for _ in range(3):
        train(opt2, w2, b2, 1)
        sched2.step()
    np.testing.assert_array_equal(w2.data, w.data)
    np.testing.assert_array_equal(b2.data, b.data)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


def test_state_dict_is_plain_arrays_and_a_copy():
    w, b = make()
    opt = optim.Adam([w, b], lr=0.1)
    train(opt, w, b, 2)
    state = opt.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert state["steps"] == 2 and state["state.0.step"] == 2 and state["group.0.betas"].tolist() == [0.9, 0.999]
    np.testing.assert_array_equal(state["group.0.params"], [0, 1])
    before = state["state.0.exp_avg"].copy()
    train(opt, w, b, 1)
    np.testing.assert_array_equal(state["state.0.exp_avg"], before)


def test_load_state_dict_refuses_mismatches_and_changes_nothing():
    w, b = make()
    opt = optim.Adam([w, b], lr=0.1)
    train(opt, w, b, 1)
    good = opt.state_dict()
    other = optim.Adam([mg.Tensor(np.ones(3), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="parameter group 0 has 1 parameters here but 2"):
        other.load_state_dict(good)
    w2, b2 = make()
    fresh = optim.Adam([w2, b2], lr=0.1)
    bad = dict(good, **{"state.1.exp_avg": np.zeros(5)})
    with pytest.raises(ValueError, match=r"'state.1.exp_avg' has shape \(5,\), but param 1 has \(2,\)"):
        fresh.load_state_dict(bad)
    with pytest.raises(ValueError, match="betas\\[1\\] must be a finite number in \\[0, 1\\)"):
        fresh.load_state_dict(dict(good, **{"group.0.betas": np.array([0.9, 1.0])}))
    with pytest.raises(ValueError, match="unexpected key 'momentum'"):
        fresh.load_state_dict(dict(good, momentum=np.array(0.9)))
    with pytest.raises(ValueError, match="no 'steps' entry"):
        fresh.load_state_dict({})
    assert fresh.steps == 0 and fresh.state == [{}, {}] and fresh.lr == 0.1


# -- hyperparameters and params refused up front -----------------------------------------------------------


def p1():
    return [mg.Tensor(np.ones(2), requires_grad=True)]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: optim.SGD(p1(), lr=float("nan")), r"SGD: lr must be a finite number in \[0, inf\), got nan"),
        (lambda: optim.SGD(p1(), lr=-0.1), r"lr must be a finite number in \[0, inf\), got -0.1"),
        (lambda: optim.Adam(p1(), lr=math.inf), r"lr must be a finite number in \[0, inf\), got inf"),
        (lambda: optim.SGD(p1(), lr=0.1, momentum=-1), r"momentum must be a finite number in \[0, inf\), got -1"),
        (lambda: optim.SGD(p1(), lr=0.1, dampening=2), r"dampening must be a finite number in \[0, 1\]"),
        (lambda: optim.SGD(p1(), lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: optim.Adam(p1(), betas=(1.0, 0.9)), r"betas\[0\] must be a finite number in \[0, 1\), got 1.0"),
        (lambda: optim.Adam(p1(), betas=(0.9, -0.1)), r"betas\[1\] must be a finite number in \[0, 1\)"),
        (lambda: optim.AdamW(p1(), betas=(0.9,)), r"betas must be a pair \(beta1, beta2\)"),
        (lambda: optim.Adam(p1(), eps=0), r"eps must be a finite number in \(0, inf\), got 0"),
        (lambda: optim.RMSprop(p1(), eps=-1e-8), r"eps must be a finite number in \(0, inf\)"),
        (lambda: optim.RMSprop(p1(), alpha=1.5), r"alpha must be a finite number in \[0, 1\]"),
        (lambda: optim.Adagrad(p1(), lr_decay=-1), r"lr_decay must be a finite number in \[0, inf\)"),
        (lambda: optim.Adagrad(p1(), eps=0.0), r"eps must be a finite number in \(0, inf\)"),
        (lambda: optim.AdamW(p1(), weight_decay=-0.01), r"weight_decay must be a finite number in \[0, inf\)"),
        (lambda: optim.SGD(p1(), lr="0.1"), "lr must be a real number, got str"),
        (lambda: optim.BFGS(p1(), gtol=-1), r"BFGS: gtol must be a finite number in \[0, inf\)"),
        (lambda: optim.BFGS(p1(), maxiter=-3), "maxiter must be None or an integer >= 0"),
    ],
)
def test_bad_hyperparameters_are_refused_naming_the_argument(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_eps_zero_would_have_made_nan_parameters():
    # the reason eps > 0 is required: a zero gradient on the first Adam step is 0 / (0 + eps)
    p = p1()[0]
    opt = optim.Adam([p], eps=1e-8)
    p.grad = np.zeros(2)
    opt.step()
    np.testing.assert_array_equal(p.data, [1.0, 1.0])


def test_lr_assignment_is_checked():
    opt = optim.SGD(p1(), lr=0.1)
    with pytest.raises(ValueError, match="lr must be a finite number"):
        opt.lr = float("nan")
    assert opt.lr == 0.1


def test_non_leaf_and_empty_params_are_refused():
    w = mg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"param 0 is not a leaf Tensor \(it was made by the op 'mul'\)"):
        optim.SGD([w * 2.0], lr=0.1)
    with pytest.raises(ValueError, match="params is an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(nn.Sequential())
    with pytest.raises(TypeError, match="got a single Tensor"):
        optim.Adam(w)
    with pytest.raises(TypeError, match="param 1 is not a Tensor that requires grad"):
        optim.RMSprop([w, np.ones(2)])


# -- an interrupted step leaves nothing behind ------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_interrupted_update_is_undone(kind, monkeypatch):
    w, b = make()
    opt = FACTORIES[kind]([w, b])
    train(opt, w, b, 2)
    w0, b0, steps0 = w.data.copy(), b.data.copy(), opt.steps
    state0 = opt.state_dict()
    opt.zero_grad()
    loss_of(w, b).backward()
    real = type(opt)._update
    seen = []

    def interrupted(self, group, state, p, g):
        seen.append(p)
        new = real(self, group, state, p, g)  # the first parameter is fully updated...
        if len(seen) == 2:
            raise KeyboardInterrupt  # ...and Ctrl-C lands during the second
        return new

    monkeypatch.setattr(type(opt), "_update", interrupted)
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    np.testing.assert_array_equal(w.data, w0)
    np.testing.assert_array_equal(b.data, b0)
    assert opt.steps == steps0
    after = opt.state_dict()
    assert after.keys() == state0.keys() and all(np.array_equal(after[k], state0[k]) for k in after)
    monkeypatch.undo()
    opt.step()  # and the next step is the one that would have happened
    w2, b2 = make()
    ref = FACTORIES[kind]([w2, b2])
    train(ref, w2, b2, 3)
    np.testing.assert_array_equal(w.data, w2.data)


# -- clip_grad_norm --------------------------------------------------------------------------------------


def test_clip_grad_norm_scales_by_the_total_norm():
    a = mg.Tensor(np.zeros(2), requires_grad=True)
    b = mg.Tensor(np.zeros((1, 1)), requires_grad=True)
    c = mg.Tensor(np.zeros(3), requires_grad=True)  # no grad: skipped
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([[4.0]])
    total = optim.clip_grad_norm([a, b, c], max_norm=1.0)
    assert total == 5.0 and c.grad is None
    np.testing.assert_allclose(a.grad, [3 / (5 + 1e-6), 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [[4 / (5 + 1e-6)]], rtol=1e-15)
    a.grad = np.array([0.3, 0.4])
    b.grad = None
    assert optim.clip_grad_norm([a, b], max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])  # under the threshold: unchanged
    a.grad = np.array([-7.0, 2.0])
    assert optim.clip_grad_norm(a, 1.0, norm_type=math.inf) == 7.0
    assert optim.clip_grad_norm_ is optim.clip_grad_norm


def test_clip_grad_norm_non_finite():
    a = mg.Tensor(np.zeros(2), requires_grad=True)
    a.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of order 2 of the gradients is inf"):
        optim.clip_grad_norm([a], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad, [np.inf, 1.0])
    assert optim.clip_grad_norm([a], 1.0) == math.inf  # PyTorch: scaled by 0 → nan where inf
    assert np.isnan(a.grad[0]) and a.grad[1] == 0
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        optim.clip_grad_norm([a], -1.0)
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        optim.clip_grad_norm([a], 1.0, norm_type=0)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=s) for s in [(3, 4), (4,), (2, 2, 2)]]
    ps = [mg.Tensor(np.zeros(g.shape), requires_grad=True) for g in grads]
    tps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(ps, tps, grads):
        p.grad, tp.grad = g.copy(), torch.tensor(g)
    total = optim.clip_grad_norm(ps, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    assert total == pytest.approx(float(ttotal), rel=1e-12)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)


# -- cosine schedule -------------------------------------------------------------------------------------


def test_cosine_annealing_formula_and_groups():
    w, b = make()
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.2}], lr=1.0)
    sched = optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(9)]
    got = [opt.param_groups[0]["lr"]] + [sched.step() for _ in range(8)]
    np.testing.assert_allclose(got, want, rtol=1e-15)
    assert got[4] == pytest.approx(0.1) and got[8] == pytest.approx(1.0)
    assert opt.param_groups[1]["lr"] == pytest.approx(0.1 + 0.1 * (1 + math.cos(2 * math.pi)) / 2)
    with pytest.raises(ValueError, match="T_max must be an integer >= 1"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match=r"eta_min must be a finite number in \[0, inf\), got -1"):
        optim.CosineAnnealingLR(opt, T_max=3, eta_min=-1)


def test_cosine_annealing_matches_pytorch():
    torch = pytest.importorskip("torch")
    w, b = make()
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.3}], lr=0.1)
    sched = optim.CosineAnnealingLR(opt, T_max=7, eta_min=0.01)
    topt = torch.optim.SGD(
        [{"params": [torch.zeros(1, requires_grad=True)]}, {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3}],
        lr=0.1,
    )
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=7, eta_min=0.01)
    for _ in range(10):
        topt.step()
        tsched.step()
        sched.step()
        for g, tg in zip(opt.param_groups, topt.param_groups):
            assert g["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)


def test_a_schedule_subclass_defining_only_lr_at_still_works():
    class Halving(optim.LRSchedule):
        def lr_at(self, t):
            return self.base_lr / 2**t

    w, b = make()
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.3}], lr=1.0)
    sched = Halving(opt)
    assert sched.step() == 0.5 and [g["lr"] for g in opt.param_groups] == [0.5, 0.5]


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(sorted(FACTORIES)),
    st.lists(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), min_size=1, max_size=3),
    st.integers(1, 4),
    st.integers(0, 2**16),
)
def test_state_dict_round_trip_resumes_exactly_for_any_shapes(kind, shapes, steps, seed):
    """Property: k steps, state_dict → fresh optimizer → k more steps equals 2k uninterrupted steps, bit for bit.
    Domain: parameter shapes of 0 to 3 axes (0-d included), values and gradients drawn from N(0, 1)."""
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s) for s in shapes]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(2 * steps)]

    def fresh():
        return [mg.Tensor(a.copy(), requires_grad=True) for a in init]

    def advance(opt, ps, gs):
        for g_step in gs:
            for p, g in zip(ps, g_step):
                p.grad = g.copy()
            opt.step()

    ps = fresh()
    opt = FACTORIES[kind](ps)
    advance(opt, ps, grads[:steps])
    saved = {k: v.copy() for k, v in opt.state_dict().items()}
    values = [p.data.copy() for p in ps]
    advance(opt, ps, grads[steps:])
    qs = [mg.Tensor(v, requires_grad=True) for v in values]
    opt2 = FACTORIES[kind](qs)
    opt2.load_state_dict(saved)
    advance(opt2, qs, grads[steps:])
    for p, q in zip(ps, qs):
        np.testing.assert_array_equal(p.data, q.data)

"""nn: parameter discovery and naming, state dicts, inits that reproduce the tutorials, layers, MLP."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn


class Block(nn.Module):
    def __init__(self):
        self.lin = nn.Linear(2, 3, rng=0)
        self.extra = {"scale": mg.Tensor(np.ones(3), requires_grad=True)}
        self.const = mg.Tensor(np.ones(3))  # a constant: not a parameter

    def forward(self, x):
        return self.lin(x) * self.extra["scale"]


class Net(nn.Module):
    def __init__(self):
        self.blocks = [Block(), Block()]
        self.pair = (nn.Linear(3, 1, bias=False, rng=1), nn.Tanh())
        self.shared = self.blocks[0].lin  # the same module twice: reported once

    def forward(self, x):
        h = self.blocks[1](self.blocks[0].lin(x).tanh()[:, :2])
        return self.pair[1](self.pair[0](h))


def test_named_parameters_walk_attributes_lists_tuples_dicts_in_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "blocks.0.lin.W",
        "blocks.0.lin.b",
        "blocks.0.extra.scale",
        "blocks.1.lin.W",
        "blocks.1.lin.b",
        "blocks.1.extra.scale",
        "pair.0.W",
    ]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert net.num_parameters() == 2 * (6 + 3 + 3) + 3


def test_shared_parameter_is_listed_once_and_cycles_terminate():
    W = mg.Tensor(np.ones((2, 2)), requires_grad=True)
    a, b = nn.Module(), nn.Module()
    a.W, b.W, a.child, b.parent = W, W, b, a  # b.parent closes a cycle
    assert [n for n, _ in a.named_parameters()] == ["W"]
    assert [n for n, _ in a.named_modules()] == ["", "child"]


def test_non_leaf_tensors_are_not_parameters():
    m = nn.Linear(2, 2, rng=0)
    m.cache = m(np.ones((1, 2)))  # an intermediate result that requires grad
    assert [n for n, _ in m.named_parameters()] == ["W", "b"]


def test_zero_grad_sets_grads_to_none():
    net = Net()
    net(np.ones((4, 2))).sum().backward()
    assert net.blocks[1].extra["scale"].grad is not None and net.pair[0].W.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_eval_reach_every_submodule():
    net = Net()
    assert net.training and net.blocks[1].lin.training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_call_is_forward_and_base_forward_raises():
    lin = nn.Linear(2, 3, rng=0)
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(lin(x).data, lin.forward(x).data)
    np.testing.assert_allclose(lin(x).data, x @ lin.W.data + lin.b.data)
    with pytest.raises(NotImplementedError, match="Module.forward"):
        nn.Module()(x)


def test_repr_shows_structure():
    text = repr(nn.MLP([2, 3, 2], output="softmax", rng=0))
    assert text.startswith("MLP(sizes=[2, 3, 2]")
    assert "(layers.0): Linear(in_features=2, out_features=3, bias=True, init='scaled_normal'" in text
    assert "(activation): Tanh()" in text and "(output): Softmax(axis=-1)" in text
    assert repr(nn.Tanh()) == "Tanh()"


def test_state_dict_is_a_copy_and_round_trips():
    a, b = nn.MLP([2, 4, 3], rng=0), nn.MLP([2, 4, 3], rng=1)
    state = a.state_dict()
    assert list(state) == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    a.layers[0].W.data += 1  # later changes do not leak into the saved state
    assert not np.array_equal(state["layers.0.W"], a.layers[0].W.data)
    W_before = b.layers[0].W
    b.load_state_dict(state)
    assert b.layers[0].W is W_before  # loaded in place: optimizers keep their references
    for name, p in b.named_parameters():
        np.testing.assert_array_equal(p.data, state[name])


def test_load_state_dict_rejects_missing_unexpected_and_wrong_shapes_without_changing_anything():
    m = nn.MLP([2, 3, 1], rng=0)
    before = m.state_dict()
    state = m.state_dict()
    del state["layers.1.b"]
    with pytest.raises(ValueError, match=r"missing keys: 'layers\.1\.b'"):
        m.load_state_dict(state)
    state = m.state_dict() | {"layers.2.W": np.zeros(3)}
    with pytest.raises(ValueError, match=r"unexpected keys: 'layers\.2\.W'"):
        m.load_state_dict(state)
    state = m.state_dict()
    state["layers.0.b"] = np.full(3, 7.0)  # valid, but must not be written when another key fails
    state["layers.0.W"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"'layers\.0\.W': the module has \(2, 3\), the state has \(3, 2\)"):
        m.load_state_dict(state)
    for name, p in m.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])


def test_tutorial_2h2_init_reproduces_global_seed():
    """np.random.seed(0); W1 = randn(2, 3)/√2; b1 = 0; W2 = randn(3, 2)/√3 (the wildml tutorial)."""
    np.random.seed(0)
    W1 = np.random.randn(2, 3) / np.sqrt(2)
    W2 = np.random.randn(3, 2) / np.sqrt(3)
    np.random.seed(0)
    m = nn.MLP([2, 3, 2], init="scaled_normal")
    np.testing.assert_array_equal(m.layers[0].W.data, W1)
    np.testing.assert_array_equal(m.layers[1].W.data, W2)
    assert m.layers[0].b.shape == (3,) and not m.layers[0].b.data.any()
    np.random.seed(0)
    np.testing.assert_array_equal(nn.MLP([2, 3, 2], init="tutorial").layers[1].W.data, W2)


def test_trask_and_welch_inits_reproduce_global_seed():
    np.random.seed(1)
    s0 = 2 * np.random.random((3, 4)) - 1
    s1 = 2 * np.random.random((4, 1)) - 1
    np.random.seed(1)
    m = nn.MLP([3, 4, 1], "sigmoid", "sigmoid", bias=False, init="uniform")
    np.testing.assert_array_equal(m.layers[0].W.data, s0)
    np.testing.assert_array_equal(m.layers[1].W.data, s1)
    assert [n for n, _ in m.named_parameters()] == ["layers.0.W", "layers.1.W"]
    np.random.seed(2)
    W1, W2 = np.random.randn(2, 3), np.random.randn(3, 1)
    np.random.seed(2)
    m = nn.MLP([2, 3, 1], "sigmoid", "sigmoid", bias=False, init="normal")
    np.testing.assert_array_equal(m.layers[0].W.data, W1)
    np.testing.assert_array_equal(m.layers[1].W.data, W2)


@pytest.mark.parametrize("init", ["scaled_normal", "uniform", "normal", "xavier", "he"])
def test_rng_argument_kinds(init):
    by_int = nn.Linear(4, 5, init=init, rng=3).W.data
    np.testing.assert_array_equal(by_int, nn.Linear(4, 5, init=init, rng=np.random.RandomState(3)).W.data)
    gen = nn.Linear(4, 5, init=init, rng=np.random.default_rng(3)).W.data
    np.testing.assert_array_equal(gen, nn.Linear(4, 5, init=init, rng=np.random.default_rng(3)).W.data)
    assert not np.array_equal(by_int, nn.Linear(4, 5, init=init, rng=4).W.data)
    with pytest.raises(TypeError, match="rng must be"):
        nn.Linear(4, 5, rng="seed")


def test_init_scales():
    rng = np.random.default_rng(0)
    n_in, n_out = 400, 300
    std = {k: nn.Linear(n_in, n_out, init=k, rng=rng).W.data.std() for k in ["scaled_normal", "normal", "he"]}
    np.testing.assert_allclose(std["scaled_normal"], 1 / np.sqrt(n_in), rtol=0.02)
    np.testing.assert_allclose(std["normal"], 1.0, rtol=0.02)
    np.testing.assert_allclose(std["he"], np.sqrt(2 / n_in), rtol=0.02)
    xav = nn.Linear(n_in, n_out, init="xavier", rng=rng).W.data
    bound = np.sqrt(6 / (n_in + n_out))
    assert np.abs(xav).max() <= bound and np.abs(xav).max() > 0.99 * bound
    uni = nn.Linear(n_in, n_out, init="uniform", rng=rng).W.data
    assert uni.min() >= -1 and uni.max() < 1 and uni.min() < -0.99
    custom = nn.Linear(2, 3, init=lambda shape, rng: np.full(shape, 0.5)).W.data
    np.testing.assert_array_equal(custom, np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="unknown init 'glorot'"):
        nn.Linear(2, 3, init="glorot")


def test_linear_dtype_and_no_bias():
    lin = nn.Linear(3, 2, bias=False, rng=0, dtype=np.float32)
    assert lin.W.dtype == np.float32 and lin.b is None
    y = lin(np.ones((5, 3), dtype=np.float32))
    assert y.shape == (5, 2) and y.dtype == np.float32


def test_activation_modules_match_numpy():
    x = np.array([[-2.0, 0.5, 3.0], [1.0, -1.0, 0.0]])
    e = np.exp(x - x.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    expected = {
        nn.Tanh(): np.tanh(x),
        nn.Sigmoid(): 1 / (1 + np.exp(-x)),
        nn.ReLU(): np.maximum(x, 0),
        nn.Softmax(): sm,
        nn.LogSoftmax(): np.log(sm),
        nn.Identity(): x,
    }
    for module, want in expected.items():
        np.testing.assert_allclose(np.asarray(module(mg.Tensor(x)).data), want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nn.Softmax(axis=0)(mg.Tensor(x)).data.sum(0), [1, 1, 1])


def test_sequential_names_by_position_and_applies_in_order():
    seq = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 2, rng=1))
    assert [n for n, _ in seq.named_parameters()] == ["0.W", "0.b", "2.W", "2.b"]
    assert len(seq) == 3 and isinstance(seq[1], nn.Tanh)
    x = np.random.default_rng(0).standard_normal((4, 2))
    want = np.tanh(x @ seq[0].W.data + seq[0].b.data) @ seq[2].W.data + seq[2].b.data
    np.testing.assert_allclose(seq(x).data, want)


def test_mlp_any_depth_and_errors():
    m = nn.MLP([2, 5, 4, 3, 2], activation="relu", output="log_softmax", rng=0)
    assert len(m.layers) == 4 and [layer.W.shape for layer in m.layers] == [(2, 5), (5, 4), (4, 3), (3, 2)]
    out = m(np.ones((7, 2)))
    np.testing.assert_allclose(np.exp(out.data).sum(1), np.ones(7))
    assert nn.MLP([2, 2], activation=nn.Sigmoid, output=nn.Softmax(axis=-1), rng=0)(np.ones((1, 2))).shape == (1, 2)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 2, 2], activation="swish")
    with pytest.raises(ValueError, match="at least two"):
        nn.MLP([2])


@given(hidden=st.integers(1, 4), n=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_mlp_gradients_match_finite_differences(hidden, n, seed):
    rng = np.random.default_rng(seed)
    m = nn.MLP([3, hidden, 2], activation="tanh", rng=rng)
    x = rng.standard_normal((n, 3))
    W0, W1 = m.layers[0].W, m.layers[1].W
    (m(x) ** 2).sum().backward()

    def f(a, b):
        return (mg.tanh(x @ a + m.layers[0].b.data) @ b + m.layers[1].b.data).__pow__(2).sum()

    num = mg.numerical_grad(f, W0.data, W1.data)
    np.testing.assert_allclose(W0.grad, num[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(W1.grad, num[1], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: nn.MLP([2, 3.7, 2]), TypeError, r"MLP: sizes\[1\] must be an integer >= 1, got 3.7"),
        (lambda: nn.MLP([2, 0, 2]), ValueError, r"MLP: sizes\[1\] must be an integer >= 1, got 0"),
        (lambda: nn.MLP([2]), ValueError, "at least two layer widths"),
        (lambda: nn.Linear(0, 3), ValueError, "Linear: in_features must be an integer >= 1, got 0"),
        (lambda: nn.Linear(2, -1), ValueError, "Linear: out_features must be an integer >= 1, got -1"),
        (lambda: nn.Linear(2, True), TypeError, "Linear: out_features must be an integer >= 1, got True"),
        (lambda: nn.Linear("2", 3), TypeError, "Linear: in_features must be an integer >= 1, got '2'"),
    ],
)
def test_layer_sizes_must_be_positive_integers(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_numpy_integer_sizes_are_accepted():
    assert nn.MLP([2, np.int64(3), 2], rng=0).sizes == [2, 3, 2]

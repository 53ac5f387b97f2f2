"""nn layers: shapes, PyTorch initialisation bounds, train/eval behaviour, buffers and state_dict
round trips (BatchNorm running statistics), Module.apply/named_modules/named_buffers/repr."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F


def _state_dict_saves_buffers() -> bool:
    """Whether Module.state_dict holds frozen tensors (buffers) yet: API.md promises it; another branch adds it."""
    return "running_mean" in nn.BatchNorm1d(2).state_dict()


needs_buffers_in_state_dict = pytest.mark.xfail(
    not _state_dict_saves_buffers(),
    reason="Module.state_dict does not yet save frozen tensors (named_buffers); it will after the merge",
    raises=AssertionError,
    strict=True,
)


def test_conv_layers_shapes_and_pytorch_init_bounds():
    conv = nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2, rng=0)
    assert conv.weight.shape == (6, 2, 3, 2) and conv.bias.shape == (6,)
    bound = 1 / np.sqrt(2 * 3 * 2)  # kaiming_uniform(a=√5) = U(±1/√fan_in); fan_in = in/groups · kh · kw
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.8 * bound  # 72 draws fill the interval
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 6))
    np.testing.assert_array_equal(conv(x).data, F.conv2d(x, conv.weight, conv.bias, 2, 1, 1, 2).data)
    c1 = nn.Conv1d(3, 5, 4, padding="same", bias=False, rng=1)
    assert c1.bias is None and c1(np.zeros((2, 3, 9))).shape == (2, 5, 9)
    assert [n for n, _ in c1.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match="groups=2 must divide"):
        nn.Conv2d(3, 4, 3, groups=2)
    assert nn.Conv2d(1, 2, 3, dtype=np.float32).weight.dtype == np.float32


def test_pool_flatten_embedding_layers():
    x = np.arange(2 * 3 * 4 * 4, dtype=float).reshape(2, 3, 4, 4)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(nn.AvgPool2d(2, stride=1)(x).data, F.avg_pool2d(x, 2, 1).data)
    assert nn.Flatten()(x).shape == (2, 48)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 4)
    assert nn.Flatten(2)(x).shape == (2, 3, 16)
    emb = nn.Embedding(5, 3, padding_idx=-1, rng=0)
    assert emb.padding_idx == 4 and (emb.weight.data[4] == 0).all()
    assert emb(np.array([[1, 4]])).shape == (1, 2, 3)


def test_activation_modules():
    x = np.linspace(-2, 2, 7)
    pairs = [
        (nn.GELU(), F.gelu(x)),
        (nn.GELU("tanh"), F.gelu(x, "tanh")),
        (nn.SiLU(), F.silu(x)),
        (nn.LeakyReLU(0.2), F.leaky_relu(x, 0.2)),
        (nn.ELU(0.5), F.elu(x, 0.5)),
    ]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).data, expected.data)
    with pytest.raises(ValueError, match="approximate must be"):
        nn.GELU("fast")


def test_softplus_and_log_sigmoid_modules():
    pytest.importorskip("minigrad.ops.special")
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(nn.Softplus()(x).data, np.log1p(np.exp(x)), rtol=1e-12)
    np.testing.assert_allclose(nn.Softplus(beta=2.0)(x).data, np.log1p(np.exp(2 * x)) / 2, rtol=1e-12)
    np.testing.assert_allclose(nn.LogSigmoid()(x).data, -np.log1p(np.exp(-x)), rtol=1e-12)


def test_dropout_layer_train_and_eval():
    drop = nn.Dropout(0.5, rng=0)
    x = np.ones((50, 40))
    y = drop(x)
    assert 0.4 < (y.data == 0).mean() < 0.6
    assert not np.array_equal(drop(x).data, y.data)  # a new mask every call
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x)
    seq = nn.Sequential(nn.Linear(40, 3), nn.Dropout(0.9)).eval()
    assert not seq[1].training
    np.testing.assert_array_equal(seq(x).data, seq[0](x).data)


def test_layer_norm_layer():
    ln = nn.LayerNorm((3, 4))
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    np.testing.assert_allclose(ln(x).data, F.layer_norm(x, (3, 4)).data)
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]
    assert nn.LayerNorm(4, elementwise_affine=False).parameters() == []


def test_batch_norm_updates_running_stats_only_in_training():
    bn = nn.BatchNorm2d(3, momentum=0.5)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 2, 2)) * 2 + 3
    y = bn(x)
    np.testing.assert_allclose(y.data.mean(axis=(0, 2, 3)), 0, atol=1e-12)  # batch statistics in training
    np.testing.assert_allclose(bn.running_mean.data, 0.5 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, 0.5 + 0.5 * x.var(axis=(0, 2, 3), ddof=1), rtol=1e-12)
    assert int(bn.num_batches_tracked.data) == 1
    bn.eval()
    before = bn.running_mean.data.copy()
    ye = bn(x)
    np.testing.assert_array_equal(bn.running_mean.data, before)
    assert int(bn.num_batches_tracked.data) == 1
    expected = (x - before[:, None, None]) / np.sqrt(bn.running_var.data[:, None, None] + 1e-5)
    np.testing.assert_allclose(ye.data, expected, rtol=1e-12)
    # momentum=None: the running statistics are the plain average of all batches seen
    cumulative = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.standard_normal((5, 2)) + i for i in range(3)]
    for b in batches:
        cumulative(b)
    np.testing.assert_allclose(cumulative.running_mean.data, np.mean([b.mean(0) for b in batches], 0), rtol=1e-12)
    with pytest.raises(ValueError, match="BatchNorm2d: expected a 4-D input"):
        bn(np.zeros((2, 3)))
    untracked = nn.BatchNorm1d(2, track_running_stats=False).eval()
    np.testing.assert_allclose(untracked(batches[0]).data.mean(0), 0, atol=1e-12)
    assert untracked.named_buffers() == []


def test_named_buffers_apply_named_modules_and_repr():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1))
    assert [n for n, _ in net.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert all(not b.requires_grad for b in net.buffers())
    assert [n for n, _ in net.named_modules()] == ["", "0", "1", "2", "3", "4"]
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Conv2d", "BatchNorm2d", "ReLU", "Flatten", "Linear", "Sequential"]  # children first, as PyTorch
    nested = nn.Sequential(nn.Sequential(nn.Tanh(), nn.ReLU()), nn.Sequential(nn.GELU()))
    names = []
    nested.apply(lambda m: names.append(type(m).__name__))
    assert names == ["Tanh", "ReLU", "Sequential", "GELU", "Sequential", "Sequential"]  # each subtree, then its root

    def zero_convs(m):
        if isinstance(m, nn.Conv2d):
            m.weight.data[...] = 0

    net.apply(zero_convs)
    assert (net[0].weight.data == 0).all()
    text = repr(net)
    assert "(0): Conv2d(1, 2, kernel_size=(3, 3)" in text and "(1): BatchNorm2d(2, eps=1e-05, momentum=0.1" in text
    assert text.startswith("Sequential(\n") and text.endswith("\n)")
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_state_dict_round_trip_of_parameters():
    a = nn.Sequential(nn.Conv2d(2, 3, 3, rng=0), nn.LayerNorm(3), nn.Embedding(4, 3, rng=1))
    b = nn.Sequential(nn.Conv2d(2, 3, 3, rng=5), nn.LayerNorm(3), nn.Embedding(4, 3, rng=6))
    b.load_state_dict(a.state_dict())
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(pa.data, pb.data)


@needs_buffers_in_state_dict
def test_state_dict_round_trip_keeps_batch_norm_running_stats():
    a = nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.BatchNorm2d(2))
    a(np.random.default_rng(3).standard_normal((4, 1, 5, 5)))
    state = a.state_dict()
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(state)
    b = nn.Sequential(nn.Conv2d(1, 2, 3, rng=1), nn.BatchNorm2d(2))
    b.load_state_dict(state)
    np.testing.assert_array_equal(b[1].running_mean.data, a[1].running_mean.data)
    np.testing.assert_array_equal(b[1].running_var.data, a[1].running_var.data)
    assert int(b[1].num_batches_tracked.data) == 1
    x = np.random.default_rng(4).standard_normal((2, 1, 5, 5))
    np.testing.assert_array_equal(a.eval()(x).data, b.eval()(x).data)


def test_batch_norm_layer_against_pytorch_over_several_steps():
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm2d(3, momentum=0.2)
    theirs = torch.nn.BatchNorm2d(3, momentum=0.2).double()
    rng = np.random.default_rng(5)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 3, 2)) * 2 + 1
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-13)


def test_layers_train_end_to_end():
    """A tiny CNN learns to separate two patterns: the layers compose and their gradients reach every parameter."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((16, 1, 6, 6)) * 0.1
    y = np.arange(16) % 2
    X[y == 1, 0, :3] += 1.0
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=0),
        nn.BatchNorm2d(4),
        nn.GELU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(36, 2),
    )
    opt = mg.optim.Adam(net.parameters(), lr=0.05)
    first = None
    for _ in range(30):
        opt.zero_grad()
        loss = mg.losses.cross_entropy(net(X), y)
        loss.backward()
        assert all(p.grad is not None for p in net.parameters())
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 0.1 * first
    assert (net.eval()(X).data.argmax(1) == y).all()

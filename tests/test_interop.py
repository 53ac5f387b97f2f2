"""minigrad.interop: to_torch/from_torch compute the same function with the same weights (1e-12, float64)."""

import subprocess
import sys

import numpy as np
import pytest

from minigrad import nn
from minigrad.interop import from_torch, to_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def zoo(seed: int) -> nn.Module:
    """Every layer interop supports, in one model (eval mode: Dropout off, BatchNorm on running stats)."""
    rng = np.random.RandomState(seed)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, rng=rng),
        nn.BatchNorm2d(4),
        nn.GELU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, (3, 2), padding="same", groups=2, rng=rng),
        nn.ELU(0.5),
        nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False),
        nn.LeakyReLU(0.1),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.LayerNorm(54),
        nn.SiLU(),
        nn.Linear(54, 7, rng=rng),
        nn.GELU("tanh"),
        nn.MLP([7, 5, 3], activation="tanh", output="log_softmax", rng=rng),
    )


def x_batch(seed: int = 0):
    return np.random.default_rng(seed).standard_normal((3, 2, 4, 4))


def trained_stats(model: nn.Module) -> nn.Module:
    """Give BatchNorm non-trivial running statistics, then switch to eval."""
    model.train()
    model(x_batch(1) * 2 + 1)
    return model.eval()


def test_to_torch_computes_the_same_function():
    model = trained_stats(zoo(0))
    t = to_torch(model)
    assert not t.training
    x = x_batch()
    np.testing.assert_allclose(t(torch.from_numpy(x)).detach().numpy(), model(x).data, rtol=1e-12, atol=1e-12)
    assert t[0].weight.dtype == torch.float64
    assert t[12].weight.shape == (7, 54)  # PyTorch's (out, in)
    np.testing.assert_array_equal(t[1].running_var.numpy(), model[1].running_var.data)


def test_to_torch_gradients_agree():
    model = trained_stats(zoo(1))
    t = to_torch(model)
    x = x_batch(2)
    model(x).sum().backward()
    t(torch.from_numpy(x)).sum().backward()
    theirs = dict(t.named_parameters())
    assert len(theirs) == len(model.parameters())
    np.testing.assert_allclose(theirs["0.weight"].grad.numpy(), model[0].weight.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(theirs["12.weight"].grad.numpy(), model[12].W.grad.T, rtol=1e-10, atol=1e-12)


def test_from_torch_builds_the_matching_model():
    t = to_torch(trained_stats(zoo(2)))
    back = from_torch(t)
    assert isinstance(back, nn.Sequential) and not back.training
    x = x_batch(3)
    np.testing.assert_allclose(back(x).data, t(torch.from_numpy(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    assert back[12].W.shape == (54, 7)  # minigrad's (in, out)


def test_from_torch_loads_a_state_dict_into_an_existing_model():
    source = trained_stats(zoo(3))
    t = to_torch(source)
    with torch.no_grad():  # train further in PyTorch: the weights move
        for p in t.parameters():
            p.add_(0.01)
    target = zoo(4).eval()
    W = target[12].W
    assert from_torch(t.state_dict(), target) is target
    assert target[12].W is W  # loaded in place: optimizers keep working
    x = x_batch(5)
    np.testing.assert_allclose(target(x).data, t(torch.from_numpy(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(target[1].running_mean.data, t[1].running_mean.numpy())
    assert int(target[1].num_batches_tracked.data) == 1
    from_torch(t, zoo(6).eval())  # a module works too


def test_mlp_round_trip_through_pytorch_linear_layout():
    mlp = nn.MLP([4, 6, 3], activation="relu", rng=0)
    t = to_torch(mlp)
    assert isinstance(t, torch.nn.Sequential) and isinstance(t[1], torch.nn.ReLU)
    np.testing.assert_array_equal(t[0].weight.detach().numpy(), mlp.layers[0].W.data.T)
    x = np.random.default_rng(7).standard_normal((5, 4))
    np.testing.assert_allclose(t(torch.from_numpy(x)).detach().numpy(), mlp(x).data, rtol=1e-12, atol=1e-12)
    fresh = nn.MLP([4, 6, 3], activation="relu", rng=1)
    from_torch(t.state_dict(), fresh)
    np.testing.assert_allclose(fresh(x).data, mlp(x).data, rtol=1e-12, atol=1e-12)


def test_softplus_and_log_sigmoid_round_trip():
    pytest.importorskip("minigrad.ops.special")
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Softplus(beta=2.0), nn.Linear(4, 2, rng=1), nn.LogSigmoid())
    x = np.random.default_rng(8).standard_normal((5, 3))
    t = to_torch(model)
    np.testing.assert_allclose(t(torch.from_numpy(x)).detach().numpy(), model(x).data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(from_torch(t)(x).data, model(x).data, rtol=1e-12, atol=1e-12)


def test_embedding_and_conv1d_round_trip():
    model = nn.Sequential(nn.Embedding(6, 4, padding_idx=0, rng=0))
    idx = np.array([[0, 3, 5]])
    t = to_torch(model)
    np.testing.assert_array_equal(t(torch.from_numpy(idx)).detach().numpy(), model(idx).data)
    conv = nn.Conv1d(2, 4, 3, stride=2, dilation=2, groups=2, rng=1)
    x = np.random.default_rng(9).standard_normal((2, 2, 9))
    tc = to_torch(conv)
    np.testing.assert_allclose(tc(torch.from_numpy(x)).detach().numpy(), conv(x).data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(from_torch(tc)(x).data, conv(x).data, rtol=1e-12, atol=1e-12)


def test_errors_name_the_problem():
    with pytest.raises(TypeError, match="to_torch: no PyTorch equivalent known for Custom"):

        class Custom(nn.Module):
            def forward(self, x):
                return x

        to_torch(nn.Sequential(Custom()))
    with pytest.raises(TypeError, match="from_torch: no minigrad equivalent known for GRU"):
        from_torch(torch.nn.GRU(2, 3))
    with pytest.raises(TypeError, match="pass the minigrad model"):
        from_torch({"weight": torch.zeros(2)})
    small = nn.MLP([4, 5, 3], rng=0)
    before = small.layers[0].W.data.copy()
    with pytest.raises(ValueError, match="has shape"):
        from_torch(to_torch(nn.MLP([4, 5, 2], rng=0)).state_dict(), small)
    np.testing.assert_array_equal(small.layers[0].W.data, before)  # nothing changed
    with pytest.raises(ValueError, match="2 layers with weights"):
        from_torch(to_torch(nn.MLP([4, 5, 3])).state_dict(), nn.MLP([4, 5, 5, 3]))


def test_missing_torch_says_how_to_install(tmp_path):
    """In a subprocess where ``import torch`` fails, the error names the pip command."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from minigrad import nn, interop\n"
        "try:\n    interop.to_torch(nn.Linear(2, 3))\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=_env())
    assert "pip install torch" in out.stdout, out.stderr


def _env():
    import os
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": root}

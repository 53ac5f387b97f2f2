"""A target that requires grad gets its gradient from every loss where the math has one (issue 12).

Closed forms (float64, rtol 1e-12): mse d/dy = -2(ŷ - y)/n, sse d/dy = -(ŷ - y),
bce d/dy = log(1 - p) - log p (over n), bce with logits d/dy = -z/n, nll with
probabilities d/dy = -log p / N. Against PyTorch too when it is installed.
"""

import numpy as np
import pytest

import minigrad as mg
from minigrad import losses

P = np.array([[1.0, 2.0], [3.0, 4.0]])
Y = np.array([[0.0, 1.0], [1.0, 0.5]])
PROBS = np.array([[0.2, 0.7], [0.9, 0.4]])
Z = np.array([[0.2, -0.7], [1.9, 0.4]])
LOGP = np.log(np.array([[0.2, 0.8], [0.6, 0.4]]))

CASES = [
    ("mse_loss", lambda y: losses.mse_loss(P, y), -2 * (P - Y) / Y.size),
    ("sse_loss", lambda y: losses.sse_loss(P, y), -(P - Y)),
    (
        "binary_cross_entropy",
        lambda y: losses.binary_cross_entropy(PROBS, y),
        (np.log1p(-PROBS) - np.log(PROBS)) / Y.size,
    ),
    ("binary_cross_entropy_with_logits", lambda y: losses.binary_cross_entropy_with_logits(Z, y), -Z / Y.size),
    ("nll_loss", lambda y: losses.nll_loss(LOGP, y), -LOGP / len(Y)),
]


@pytest.mark.parametrize("name, loss, expected", CASES, ids=[c[0] for c in CASES])
def test_target_gradient_by_backward_and_by_grad(name, loss, expected):
    y = mg.Tensor(Y, requires_grad=True)
    loss(y).backward()
    np.testing.assert_allclose(y.grad, expected, rtol=1e-12)
    np.testing.assert_allclose(mg.grad(loss)(Y).data, expected, rtol=1e-12)
    _, tangent = mg.jvp(loss, (Y,), (np.ones_like(Y),))  # forward mode sees the target too
    np.testing.assert_allclose(tangent.item(), expected.sum(), rtol=1e-12)


@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_target_gradient_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    first = {"mse_loss": P, "binary_cross_entropy": PROBS, "binary_cross_entropy_with_logits": Z}[name]
    y = torch.tensor(Y, requires_grad=True)
    getattr(torch.nn.functional, name)(torch.tensor(first), y).backward()
    ours = mg.grad(lambda t: getattr(losses, name)(first, t))(Y)
    np.testing.assert_allclose(ours.data, y.grad.numpy(), rtol=1e-12)

"""The three tutorials' networks with backprop derived by hand, in plain NumPy, as the tutorials write it.

Each ``*_backprop`` runs the forward pass and then the backward pass exactly as
its tutorial derives it, generalised to any layer sizes, and returns every
intermediate in a dict (under the tutorial's names, plus ``"loss"``). Set the
result beside autodiff (``mg.grad``) and finite differences
(``mg.numerical_grad``), or plug it into a graph with ``mg.custom_vjp`` and
``mg.gradcheck`` it.

==============================  ==============================  ==========================================
function                        tutorial, network               the loss its gradient belongs to
==============================  ==============================  ==========================================
``two_layer_softmax_backprop``  wildml, D-H-C tanh / softmax    Σ cross-entropy + λ/2 (ΣW1² + ΣW2²)
``sigmoid_regression_backprop`` Welch Labs, D-H-K sigmoid       ½Σ(y - ŷ)² (/N if mean) + λ/2 (ΣW1² + ΣW2²)
``two_layer_sigmoid_backprop``  Trask, D-H-K sigmoid            ½Σ(layer_2 - y)²
==============================  ==============================  ==========================================

Two choices differ from the tutorials' code and not from their maths: the
softmax is shifted by its row maximum and the log-probabilities come from a
log-sum-exp (no overflow at large logits), and the sigmoid is SciPy's
``expit`` (no overflow warning at very negative inputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

__all__ = [
    "two_layer_softmax_backprop",
    "sigmoid",
    "sigmoid_prime",
    "sigmoid_regression_forward",
    "sigmoid_regression_cost",
    "sigmoid_regression_backprop",
    "sigmoid_output_to_derivative",
    "two_layer_sigmoid_backprop",
]


# -- wildml: "Implementing a Neural Network from Scratch" -----------------------------------------


def two_layer_softmax_backprop(
    X: Any, y: Any, W1: Any, b1: Any, W2: Any, b2: Any, reg_lambda: float = 0.0
) -> dict[str, Any]:
    """Forward and hand-derived backward pass of the wildml tanh/softmax classifier, D-H-C.

    Forward::

        z1 = X W1 + b1,   a1 = tanh z1,   z2 = a1 W2 + b2,   ŷ = probs = softmax(z2)

    Backward (the tutorial's "trust me on this", with y one-hot)::

        δ3 = ŷ - y
        δ2 = (1 - a1²) ∘ δ3 W2ᵀ                (tanh' z1 = 1 - tanh² z1 = 1 - a1²)
        dW2 = a1ᵀ δ3 + λ W2,    db2 = Σ_n δ3
        dW1 = Xᵀ δ2 + λ W1,     db1 = Σ_n δ2

    These are the gradients of the *summed* loss, which is ``loss``:

        loss = -Σ_n log ŷ[n, y_n] + λ/2 (ΣW1² + ΣW2²)

    The tutorial's ``calculate_loss`` prints that divided by N (``tutorial_loss``),
    while its update uses these un-divided gradients; we keep that convention.
    ``y``: integer labels of shape (N,), or one-hot rows of shape (N, C).
    ``db1``, ``db2`` have the shapes of ``b1``, ``b2`` ((H,) or (1, H) both work).
    """
    X, W1, b1, W2, b2 = (np.asarray(a) for a in (X, W1, b1, W2, b2))
    num_examples = X.shape[0]
    # Forward propagation
    z1 = X.dot(W1) + b1
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2
    shifted = z2 - np.max(z2, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    Y = _one_hot(y, num_examples, z2.shape[1])
    # Backpropagation
    delta3 = probs - Y
    dW2 = (a1.T).dot(delta3)
    db2 = np.sum(delta3, axis=0, keepdims=True).reshape(b2.shape)
    delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
    dW1 = np.dot(X.T, delta2)
    db1 = np.sum(delta2, axis=0).reshape(b1.shape)
    # Regularization terms (b1 and b2 don't have regularization terms)
    dW2 += reg_lambda * W2
    dW1 += reg_lambda * W1
    data_loss = -np.sum(Y * log_probs)
    loss = data_loss + reg_lambda / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    return {
        "z1": z1,
        "a1": a1,
        "z2": z2,
        "probs": probs,
        "delta3": delta3,
        "delta2": delta2,
        "dW1": dW1,
        "db1": db1,
        "dW2": dW2,
        "db2": db2,
        "loss": float(loss),
        "tutorial_loss": float(loss) / num_examples,
    }


def _one_hot(y: Any, n: int, classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2:
        return y.astype(np.float64)
    Y = np.zeros((n, classes))
    Y[np.arange(n), y] = 1.0
    return Y


# -- Welch Labs: "Neural Networks Demystified" (sleep/study → test score) -------------------------


def sigmoid(z: Any) -> np.ndarray:
    """f(z) = 1 / (1 + e^-z)."""
    return expit(z)


def sigmoid_prime(z: Any) -> np.ndarray:
    """f'(z) = e^-z / (1 + e^-z)² = f(z) (1 - f(z)), as a function of z (the tutorial's sigmoidPrime)."""
    s = expit(z)
    return s * (1 - s)


def sigmoid_regression_forward(X: Any, W1: Any, W2: Any) -> dict[str, np.ndarray]:
    """z2 = X W1,  a2 = f(z2),  z3 = a2 W2,  ŷ = f(z3)  (no biases, as in the tutorial)."""
    X, W1, W2 = (np.asarray(a) for a in (X, W1, W2))
    z2 = np.dot(X, W1)
    a2 = sigmoid(z2)
    z3 = np.dot(a2, W2)
    yHat = sigmoid(z3)
    return {"z2": z2, "a2": a2, "z3": z3, "yHat": yHat}


def sigmoid_regression_cost(X: Any, y: Any, W1: Any, W2: Any, lam: float = 0.0, mean: bool = False) -> float:
    """The tutorial's costFunction::

    J = ½ Σ (y - ŷ)²                                        (parts 4-6: lam=0, mean=False)
    J = ½ Σ (y - ŷ)² / N + λ/2 (ΣW1² + ΣW2²)                (part 7: mean=True, lam=λ)
    """
    X, y, W1, W2 = (np.asarray(a) for a in (X, y, W1, W2))
    yHat = sigmoid_regression_forward(X, W1, W2)["yHat"]
    data = 0.5 * np.sum((y - yHat) ** 2)
    if mean:
        data = data / X.shape[0]
    return float(data + lam / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2))))


def sigmoid_regression_backprop(
    X: Any, y: Any, W1: Any, W2: Any, lam: float = 0.0, mean: bool = False
) -> dict[str, Any]:
    """The tutorial's costFunctionPrime: dJ/dW1, dJ/dW2 of ``sigmoid_regression_cost``, D-H-K.

    ::

        δ3 = -(y - ŷ) ∘ f'(z3)
        dJdW2 = a2ᵀ δ3           (/N if mean)  + λ W2
        δ2 = δ3 W2ᵀ ∘ f'(z2)
        dJdW1 = Xᵀ δ2            (/N if mean)  + λ W1

    Returns the forward intermediates, ``delta3``, ``delta2``, ``dJdW1``, ``dJdW2``
    and ``J`` (also as ``loss``).
    """
    X, y, W1, W2 = (np.asarray(a) for a in (X, y, W1, W2))
    out = sigmoid_regression_forward(X, W1, W2)
    scale = 1 / X.shape[0] if mean else 1.0
    delta3 = np.multiply(-(y - out["yHat"]), sigmoid_prime(out["z3"]))
    dJdW2 = np.dot(out["a2"].T, delta3) * scale + lam * W2
    delta2 = np.dot(delta3, W2.T) * sigmoid_prime(out["z2"])
    dJdW1 = np.dot(X.T, delta2) * scale + lam * W1
    J = sigmoid_regression_cost(X, y, W1, W2, lam, mean)
    return {**out, "delta3": delta3, "delta2": delta2, "dJdW1": dJdW1, "dJdW2": dJdW2, "J": J, "loss": J}


# -- Trask: "A Neural Network in 11 lines of Python" / gradient descent ---------------------------


def sigmoid_output_to_derivative(output: Any) -> np.ndarray:
    """σ'(z) written with the output s = σ(z): s (1 - s)."""
    return output * (1 - output)


def two_layer_sigmoid_backprop(X: Any, y: Any, synapse_0: Any, synapse_1: Any) -> dict[str, Any]:
    """Trask's 3-4-1 sigmoid network (any D-H-K), its deltas written with the outputs.

    ::

        layer_1 = σ(layer_0 · synapse_0),    layer_2 = σ(layer_1 · synapse_1)
        layer_2_delta = (layer_2 - y) ∘ layer_2 (1 - layer_2)
        layer_1_delta = layer_2_delta · synapse_1ᵀ ∘ layer_1 (1 - layer_1)
        synapse_1_derivative = layer_1ᵀ · layer_2_delta
        synapse_0_derivative = layer_0ᵀ · layer_1_delta

    The tutorial updates ``synapse -= alpha * synapse_derivative``: these are the
    gradients of ``loss`` = ½ Σ (layer_2 - y)², whose derivative with respect
    to layer_2 is ``layer_2_error`` = layer_2 - y.
    """
    layer_0, y, synapse_0, synapse_1 = (np.asarray(a) for a in (X, y, synapse_0, synapse_1))
    layer_1 = sigmoid(np.dot(layer_0, synapse_0))
    layer_2 = sigmoid(np.dot(layer_1, synapse_1))
    layer_2_error = layer_2 - y
    layer_2_delta = layer_2_error * sigmoid_output_to_derivative(layer_2)
    layer_1_error = layer_2_delta.dot(synapse_1.T)
    layer_1_delta = layer_1_error * sigmoid_output_to_derivative(layer_1)
    return {
        "layer_1": layer_1,
        "layer_2": layer_2,
        "layer_2_error": layer_2_error,
        "layer_2_delta": layer_2_delta,
        "layer_1_error": layer_1_error,
        "layer_1_delta": layer_1_delta,
        "synapse_1_derivative": layer_1.T.dot(layer_2_delta),
        "synapse_0_derivative": layer_0.T.dot(layer_1_delta),
        "loss": float(0.5 * np.sum(layer_2_error**2)),
    }

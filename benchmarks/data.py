"""The workloads' data and initial parameters, made locally and deterministically.

Every contender of a case starts from copies of the same arrays, so all of
them compute the same numbers (the runner checks that they do).
"""

from __future__ import annotations

import numpy as np


def make_moons(n: int = 200, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles in 2-D with Gaussian noise: X (n, 2) float64, y (n,) int64 in {0, 1}.

    Upper moon: (cos t, sin t); lower moon: (1 - cos t, 0.5 - sin t), t evenly in [0, π].
    (A stand-in until ``mg.datasets.make_moons`` is merged.)
    """
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def one_hot(y: np.ndarray, k: int, dtype: type = np.float64) -> np.ndarray:
    out = np.zeros((len(y), k), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def moons_init(hidden: int) -> list[np.ndarray]:
    """The wildml tutorial's initialisation (np.random.seed(0)): W1, b1, W2, b2 for 2-H-2."""
    rs = np.random.RandomState(0)
    W1 = rs.randn(2, hidden) / np.sqrt(2)
    b1 = np.zeros((1, hidden))
    W2 = rs.randn(hidden, 2) / np.sqrt(hidden)
    b2 = np.zeros((1, 2))
    return [W1, b1, W2, b2]


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """Trask's 3-input XOR-like data (third column is a constant bias input), as float64."""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([[0, 1, 1, 0]], dtype=np.float64).T
    return X, y


def xor_init(hidden: int = 4) -> list[np.ndarray]:
    """Trask's initialisation (np.random.seed(1)): synapse_0 (3, H), synapse_1 (H, 1), uniform in [-1, 1)."""
    rs = np.random.RandomState(1)
    return [2 * rs.random_sample((3, hidden)) - 1, 2 * rs.random_sample((hidden, 1)) - 1]


def sleep_study_data() -> tuple[np.ndarray, np.ndarray]:
    """Welch Labs' hours (sleep, study) -> test score, part 7's four examples, scaled to [0, 1]."""
    X = np.array([[3, 5], [5, 1], [10, 2], [6, 1.5]], dtype=np.float64)
    y = np.array([[75], [82], [93], [70]], dtype=np.float64)
    return X / np.amax(X, axis=0), y / 100


def sleep_study_init(seed: int = 0) -> np.ndarray:
    """Flat initial parameters [W1 (2, 3) ravelled, W2 (3, 1) ravelled], standard normal as in the tutorial."""
    rs = np.random.RandomState(seed)
    return np.concatenate([rs.randn(2, 3).ravel(), rs.randn(3, 1).ravel()])


def mlp_data(batch: int, sizes: list[int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random float32 inputs (batch, sizes[0]) and random integer labels in [0, sizes[-1])."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    return X, y


def mlp_init(sizes: list[int], seed: int = 1) -> list[np.ndarray]:
    """He-initialised float32 weights (in, out) and zero biases (1, out): [W1, b1, W2, b2, ...]."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        params.append(np.zeros((1, fan_out), dtype=np.float32))
    return params

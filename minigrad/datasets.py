"""The tutorials' data: two (or three) moons, Trask's XOR-like table, and the sleep/study test scores."""

from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from ._rng import as_rng

__all__ = ["make_moons", "make_three_moons", "xor", "sleep_study", "SleepStudy"]


def _split_counts(n_samples: Any, parts: int, fn: str) -> list[int]:
    """n_samples as per-class counts: an int is split as evenly as possible, the remainder going last."""
    if isinstance(n_samples, Integral) and not isinstance(n_samples, bool):
        n = int(n_samples)
        if n < 1:
            raise ValueError(f"{fn}: n_samples must be >= 1, got {n}")
        base = n // parts
        return [base] * (parts - 1) + [n - base * (parts - 1)]
    counts = [int(c) for c in n_samples]
    if len(counts) != parts or min(counts) < 0:
        raise ValueError(f"{fn}: n_samples must be an int or {parts} non-negative counts, got {n_samples!r}")
    return counts


def _upper_arc(n: int, dx: float = 0.0) -> np.ndarray:
    """n points (dx + cos t, sin t), t evenly spaced on [0, π]."""
    t = np.linspace(0, np.pi, n)
    return np.column_stack([dx + np.cos(t), np.sin(t)])


def _lower_arc(n: int) -> np.ndarray:
    """n points (1 − cos t, 1 − sin t − ½): written in this order so the rounding matches scikit-learn's."""
    t = np.linspace(0, np.pi, n)
    return np.column_stack([1 - np.cos(t), 1 - np.sin(t) - 0.5])


def _finish(X: np.ndarray, y: np.ndarray, noise: float | None, shuffle: bool, rng: Any) -> tuple:
    """Shuffle rows (one permutation of an index array), then add Gaussian noise: in that order, one source."""
    if shuffle:
        order = np.arange(len(X))
        rng.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


def make_moons(
    n_samples: int | tuple[int, int] = 100,
    noise: float | None = None,
    random_state: Any = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X of shape (n, 2) float64, labels y of shape (n,) (intp).

    Gives exactly the arrays of scikit-learn's ``make_moons`` for the same
    arguments: class 0 is the upper arc (cos t, sin t), class 1 the lower arc
    (1 − cos t, ½ − sin t), t evenly spaced on [0, π], n//2 points in class 0;
    then the rows are permuted by shuffling an index array, then N(0, noise²)
    is added — both drawn from one source. ``random_state``: None uses NumPy's
    global state (so ``np.random.seed(0); make_moons(200, noise=0.2)`` is the
    2-H-2 tutorial's data), an int seeds a ``RandomState``, or pass a
    ``RandomState`` (a ``Generator`` also works, though scikit-learn refuses one).
    ``n_samples`` may be a pair (points in class 0, points in class 1).
    """
    n_out, n_in = _split_counts(n_samples, 2, "make_moons")
    rng = as_rng(random_state, "make_moons")
    X = np.concatenate([_upper_arc(n_out), _lower_arc(n_in)])
    y = np.concatenate([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _finish(X, y, noise, shuffle, rng)


def make_three_moons(
    n_samples: int | tuple[int, int, int] = 150,
    noise: float | None = None,
    random_state: Any = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaving half circles, classes 0, 1, 2 (the tutorial's "three classes" exercise).

    The first two are ``make_moons``'s arcs; the third continues the chain: an
    upper arc centred at (2, 0). Counts, shuffling, noise and ``random_state``
    behave as in ``make_moons``.
    """
    counts = _split_counts(n_samples, 3, "make_three_moons")
    rng = as_rng(random_state, "make_three_moons")
    arcs = [_upper_arc(counts[0]), _lower_arc(counts[1]), _upper_arc(counts[2], 2.0)]
    X = np.concatenate(arcs)
    y = np.concatenate([np.full(c, k, dtype=np.intp) for k, c in enumerate(counts)])
    return _finish(X, y, noise, shuffle, rng)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """Trask's XOR-like table: X (4, 3) whose third column is a constant 1 (a bias input), y (4, 1) = x₀ XOR x₁."""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


class SleepStudy(NamedTuple):
    """The regression tutorial's data: (hours of sleep, hours of study) → test score."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


_SLEEP_TRAIN_X = [[3, 5], [5, 1], [10, 2], [6, 1.5]]
_SLEEP_TRAIN_Y = [[75], [82], [93], [70]]
_SLEEP_TEST_X = [[4, 5.5], [4.5, 1], [9, 2.5], [6, 2]]
_SLEEP_TEST_Y = [[70], [89], [85], [75]]


def sleep_study(scaled: bool = True) -> SleepStudy:
    """The sleep/study test-score data with the train/test split of part 7 ("Overfitting") of the tutorial.

    Train: X = [[3, 5], [5, 1], [10, 2], [6, 1.5]], y = [75, 82, 93, 70]
    (parts 1–6 use the first three rows). Test: X = [[4, 5.5], [4.5, 1],
    [9, 2.5], [6, 2]], y = [70, 89, 85, 75]. y has shape (n, 1).

    ``scaled=True`` divides both X sets by the column maxima of the *raw*
    training X, (10, 5), and y by 100. (The tutorial divided the test X by the
    maxima of the already-scaled training X, which are 1, so its test inputs
    were left unscaled; that is a bug this function does not copy.)
    """
    X_train = np.array(_SLEEP_TRAIN_X, dtype=np.float64)
    y_train = np.array(_SLEEP_TRAIN_Y, dtype=np.float64)
    X_test = np.array(_SLEEP_TEST_X, dtype=np.float64)
    y_test = np.array(_SLEEP_TEST_Y, dtype=np.float64)
    if scaled:
        x_max = np.max(X_train, axis=0)
        X_train, X_test = X_train / x_max, X_test / x_max
        y_train, y_test = y_train / 100, y_test / 100
    return SleepStudy(X_train, y_train, X_test, y_test)

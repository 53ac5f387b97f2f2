"""datasets: make_moons equals scikit-learn's, the three-moons variant, XOR, sleep/study data and scaling."""

import numpy as np
import pytest

from minigrad import datasets

# Reference values printed by scikit-learn 1.9.1 (numpy 2.4.6) with repr at 17 significant digits:
#   np.random.seed(0); X, y = sklearn.datasets.make_moons(200, noise=0.20)   (the wildml tutorial's data)
TUTORIAL_FIRST_ROWS = np.array(
    [
        [0.7434611761955393, 0.46465632837724596],
        [1.6575566177861694, -0.6320315690978895],
        [-0.15878874793151554, 0.2558446471363228],
        [-1.0887519983835072, -0.3969431539482845],
        [1.7680519965450283, -0.2544321270607858],
    ]
)
TUTORIAL_FIRST_LABELS = [0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0]
TUTORIAL_COLUMN_SUMS = [97.18469025131239, 51.773376577821146]
#   sklearn.datasets.make_moons(7, noise=0.3, random_state=3)
SMALL_X = np.array(
    [
        [0.7941661610872648, -0.3579196912460814],
        [1.861987363801195, 0.4826237478216932],
        [2.1232722411338485, -0.5464191466411776],
        [0.28177091679729316, 0.14587741532672016],
        [-0.10419905267736429, 1.0198896200540875],
        [0.5117244162379353, 0.11936575803736775],
        [-1.4887472285750851, -0.19168065755699606],
    ]
)
SMALL_Y = [1, 1, 1, 1, 0, 0, 0]


def test_make_moons_matches_sklearn_reference_values():
    np.random.seed(0)
    X, y = datasets.make_moons(200, noise=0.20)
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.intp
    # rtol 1e-15 rather than equality only to survive a last-bit difference in another platform's sin/cos
    np.testing.assert_allclose(X[:5], TUTORIAL_FIRST_ROWS, rtol=1e-15, atol=1e-15)
    assert y[:20].tolist() == TUTORIAL_FIRST_LABELS and y.sum() == 100
    np.testing.assert_allclose(X.sum(0), TUTORIAL_COLUMN_SUMS, rtol=1e-14)
    X, y = datasets.make_moons(7, noise=0.3, random_state=3)
    np.testing.assert_allclose(X, SMALL_X, rtol=1e-15, atol=1e-15)
    assert y.tolist() == SMALL_Y


def test_make_moons_geometry_and_arguments():
    X, y = datasets.make_moons((3, 5), shuffle=False)
    assert y.tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(X[:3], [[1, 0], [0, 1], [-1, 0]], atol=1e-15)  # upper arc (cos t, sin t)
    np.testing.assert_allclose(X[3], [0, 0.5])  # lower arc (1 − cos t, ½ − sin t) starts at (0, ½)
    np.testing.assert_allclose(X[-1], [2, 0.5], atol=1e-15)
    a = datasets.make_moons(50, noise=0.1, random_state=np.random.RandomState(7))
    b = datasets.make_moons(50, noise=0.1, random_state=7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    state = np.random.get_state()
    datasets.make_moons(10, noise=0.1, random_state=1)
    assert np.array_equal(np.random.get_state()[1], state[1])  # a seed never touches the global state
    g = datasets.make_moons(10, noise=0.1, random_state=np.random.default_rng(0))
    assert g[0].shape == (10, 2)
    with pytest.raises(ValueError, match="n_samples"):
        datasets.make_moons((1, 2, 3))


def test_make_moons_equals_sklearn_when_installed():
    sk = pytest.importorskip("sklearn.datasets")
    for n in (1, 2, 5, 200, 201, (4, 9)):
        for noise in (None, 0.2):
            for rs in (None, 0, 123):
                for shuffle in (True, False):
                    np.random.seed(5)
                    want = sk.make_moons(n, noise=noise, random_state=rs, shuffle=shuffle)
                    np.random.seed(5)
                    got = datasets.make_moons(n, noise=noise, random_state=rs, shuffle=shuffle)
                    np.testing.assert_array_equal(got[0], want[0])
                    np.testing.assert_array_equal(got[1], want[1])
                    assert got[1].dtype == want[1].dtype


def test_three_moons():
    X, y = datasets.make_three_moons(151, noise=0.1, random_state=0)
    assert X.shape == (151, 2) and np.bincount(y).tolist() == [50, 50, 51]
    X, y = datasets.make_three_moons((2, 2, 3), shuffle=False)
    np.testing.assert_allclose(X[4:], [[3, 0], [2, 1], [1, 0]], atol=1e-15)  # third arc centred at (2, 0)
    two = datasets.make_moons((2, 2), shuffle=False)[0]
    np.testing.assert_array_equal(X[:4], two)


def test_xor():
    X, y = datasets.xor()
    np.testing.assert_array_equal(X, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(y, [[0], [1], [1], [0]])
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


def test_sleep_study_values_and_correct_test_scaling():
    raw = datasets.sleep_study(scaled=False)
    np.testing.assert_array_equal(raw.X_train, [[3, 5], [5, 1], [10, 2], [6, 1.5]])
    np.testing.assert_array_equal(raw.y_train[:, 0], [75, 82, 93, 70])
    np.testing.assert_array_equal(raw.X_test, [[4, 5.5], [4.5, 1], [9, 2.5], [6, 2]])
    np.testing.assert_array_equal(raw.y_test[:, 0], [70, 89, 85, 75])
    d = datasets.sleep_study()
    np.testing.assert_array_equal(d.X_train, raw.X_train / [10, 5])
    np.testing.assert_array_equal(d.X_test, raw.X_test / [10, 5])  # by the raw training max, not by 1
    assert d.X_test.max() == 1.1  # 5.5 hours of study / 5: test inputs may exceed the training range
    np.testing.assert_array_equal(d.y_test, raw.y_test / 100)
    assert d.y_train.shape == (4, 1)

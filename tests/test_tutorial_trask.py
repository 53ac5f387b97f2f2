"""Trask's 60,000-iteration alpha table, reproduced through Tensor + backward().

The expected strings are the tutorial's printed output (../shared/seeds/trask-gradient-descent.txt,
hidden size 4, np.random.seed(1)), which Python 2 printed with 12 significant digits.
Alphas 100 and 1000 are chaotic (they differ after ~11 digits across platforms) and are not compared.
"""

import numpy as np
import pytest

from minigrad.tutorials.xor import surface_descent, train_alpha

PRINTED = {
    0.001: ["0.496410031903", "0.495164025493", "0.493596043188", "0.491606358559", "0.489100166544", "0.485977857846"],
    0.01: ["0.496410031903", "0.457431074442", "0.359097202563", "0.239358137159", "0.143070659013", "0.0985964298089"],
    0.1: [
        "0.496410031903",
        "0.0428880170001",
        "0.0240989942285",
        "0.0181106521468",
        "0.0149876162722",
        "0.0130144905381",
    ],
    1: [
        "0.496410031903",
        "0.00858452565325",
        "0.00578945986251",
        "0.00462917677677",
        "0.00395876528027",
        "0.00351012256786",
    ],
    10: [
        "0.496410031903",
        "0.00312938876301",
        "0.00214459557985",
        "0.00172397549956",
        "0.00147821451229",
        "0.00131274062834",
    ],
}


@pytest.mark.parametrize("alpha", list(PRINTED))
def test_alpha_table_matches_the_tutorial_to_12_digits(alpha):
    run = train_alpha(alpha, hidden=4, iterations=60000)
    assert run.iterations == [0, 10000, 20000, 30000, 40000, 50000]
    assert [f"{e:.12g}" for e in run.errors] == PRINTED[alpha]
    if alpha == 10:  # the tutorial prints weights and update-direction changes for this run
        np.testing.assert_allclose(
            run.synapse_1.ravel(), [-8.58485788, 10.1786297, -14.87601886, 7.57026121], atol=5e-9
        )
        np.testing.assert_array_equal(run.synapse_0_direction_changes, [[7, 19, 2, 6], [7, 2, 0, 22], [19, 26, 9, 17]])
        np.testing.assert_array_equal(run.synapse_1_direction_changes.ravel(), [22, 15, 4, 15])
    if alpha == 0.001:
        np.testing.assert_array_equal(run.synapse_0_direction_changes, [[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 1, 1]])


def test_two_weight_descent_goes_downhill():
    path = surface_descent(iterations=2000, every=100)
    assert path.shape == (21, 3)
    assert np.all(np.diff(path[:, 2]) <= 1e-12)  # error never rises at alpha 1 on this convex-ish bowl
    assert path[-1, 0] > path[0, 0]  # the first weight grows: output correlates with the first input

"""Done-when of the core: Trask's 60,000-iteration alpha table, reproduced through Tensor + backward().

The expected strings are the tutorial's printed output (../shared/seeds/trask-gradient-descent.txt,
hidden size 4, np.random.seed(1)), which Python 2 printed with 12 significant digits.
Alphas 100 and 1000 are chaotic (they differ after ~11 digits across platforms) and are not compared.
"""

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "trask_alpha_table", Path(__file__).parents[1] / "examples" / "trask_alpha_table.py"
)
trask = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trask)

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
    errors = trask.train(alpha, hidden=4, iterations=60000)
    assert [f"{e:.12g}" for e in errors] == PRINTED[alpha]

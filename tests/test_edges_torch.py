"""The special-point table of edge_table.py against PyTorch, first and second order.

Where PyTorch gives a number, minigrad gives the same number (rows with a
``torch_note`` document a deliberate difference instead). Where PyTorch gives
nan, minigrad gives the value its row states: the same nan, or a finite value
where the row's source says "beyond PyTorch" (issue 10 asks for it).
"""

import warnings

import numpy as np
import pytest

import minigrad as mg

from .edge_table import ROWS

torch = pytest.importorskip("torch")

COMPARED = [r for r in ROWS if r.torch is not None]


def _torch_grads(row):
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in row.inputs]
    row.torch(torch, *xs).sum().backward()
    return [x.grad.numpy(force=True) for x in xs]


def _torch_second(row):
    x = torch.tensor(row.inputs[0], dtype=torch.float64, requires_grad=True)
    rest = [torch.tensor(v, dtype=torch.float64) for v in row.inputs[1:]]
    (g,) = torch.autograd.grad(row.torch(torch, x, *rest).sum(), x, create_graph=True)
    if not g.requires_grad:
        return np.zeros_like(row.inputs[0])
    (h,) = torch.autograd.grad(g.sum(), x, allow_unused=True)
    return np.zeros_like(row.inputs[0]) if h is None else h.numpy(force=True)


def _agree(ours, theirs, row):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape
    known = ~np.isnan(theirs)
    if row.torch_note:
        assert not np.allclose(ours[known], theirs[known], equal_nan=True), "the documented difference is gone"
        return
    np.testing.assert_allclose(ours[known], theirs[known], rtol=1e-10, atol=1e-12)
    if not row.source.startswith("beyond PyTorch"):
        assert np.array_equal(np.isnan(ours), ~known)  # nan exactly where PyTorch has nan


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.mark.parametrize("row", COMPARED, ids=[r.name for r in COMPARED])
def test_first_order_matches_pytorch(row):
    xs = [mg.Tensor(x, requires_grad=True) for x in row.inputs]
    row.f(*xs).sum().backward()
    for x, theirs in zip(xs, _torch_grads(row)):
        _agree(x.grad, theirs, row)


SECOND = [r for r in COMPARED if r.grad2 is not None]


@pytest.mark.parametrize("row", SECOND, ids=[r.name for r in SECOND])
def test_second_order_matches_pytorch(row):
    _agree(row.grad2, _torch_second(row), row)

"""Issue 11, item 7: looking at a graph never changes it; a traced backward keeps the graph walkable."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _loss():
    x = mg.Tensor([1.0, -2.0], requires_grad=True).named("x")
    W = mg.Tensor([[0.5, 1.0], [2.0, -1.0]], requires_grad=True).named("W")
    return x, W, mg.tanh(x @ W).sum()


def test_traced_backward_then_to_dot_and_trace_still_work():
    x, W, loss = _loss()
    tr = mg.trace(loss, backward=True)
    assert tr.steps and x.grad is not None
    dot = mg.to_dot(loss)  # raised GraphFreedError before
    assert "tanh" in dot and "matmul" in dot
    again = mg.trace(loss)
    assert len(again) == len(tr)


def test_traced_backward_then_draw_works():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    _, _, loss = _loss()
    mg.trace(loss, backward=True)
    fig = mg.draw(loss)
    assert fig is not None


def test_traced_backward_gives_the_same_gradients_and_a_second_backward_accumulates():
    x, W, loss = _loss()
    mg.trace(loss, backward=True)
    first = x.grad.copy()
    x2, W2, loss2 = _loss()
    loss2.backward()
    np.testing.assert_allclose(first, x2.grad)
    loss.backward()  # the graph is still there
    np.testing.assert_allclose(x.grad, 2 * first)


def test_a_plain_backward_still_frees_the_graph():
    _, _, loss = _loss()
    loss.backward()
    with pytest.raises(mg.GraphFreedError):
        mg.to_dot(loss)

"""Issue 10, "Anomaly mode": mg.detect_anomaly() names the first op whose backward gives nan/inf, and .data writes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import minigrad as mg

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the nan and inf are the point


def test_first_inf_names_op_shapes_source_line_and_input():
    x = mg.Tensor([0.0, 4.0], requires_grad=True)
    with mg.detect_anomaly():
        root = mg.sqrt(x)  # the line the error must quote
        y = (root * 2).sum()
        with pytest.raises(mg.AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "'sqrt'" in message
    assert "inputs of shapes (2,)" in message
    assert "test_anomaly.py" in message and "root = mg.sqrt(x)" in message
    assert "input 0 'x'" in message and "inf" in message and "index (0,)" in message


def test_nan_is_reported_with_its_kind_and_the_first_op_in_backward_order():
    bad = mg.custom_vjp(lambda a: (a * 1.0, None), lambda res, g: g * np.nan, name="bad")
    x = mg.Tensor([1.0, 4.0], requires_grad=True)
    with mg.detect_anomaly():
        y = mg.exp(bad(x)).sum()
        with pytest.raises(mg.AnomalyError, match=r"'bad'.*produced nan in the gradient for input 0 'x'"):
            y.backward()


def test_leaf_written_through_data_is_reported_by_name():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    with mg.detect_anomaly():
        y = (x * x).sum()
        x.data += 10
        with pytest.raises(mg.AnomalyError, match=r"input 0 'x' \(a leaf.*'mul'.*modified in place"):
            y.backward()


def test_finite_backward_passes_and_matches_the_plain_gradient():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    with mg.detect_anomaly():
        mg.tanh(x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data * (1 - np.tanh(x.data**2) ** 2))


def test_outside_the_block_nothing_is_checked():
    x = mg.Tensor([0.0], requires_grad=True)
    mg.sqrt(x).sum().backward()  # inf, no error
    assert np.isinf(x.grad).all()
    assert not mg.is_anomaly_enabled()


def test_graph_recorded_outside_is_still_checked_for_nan():
    x = mg.Tensor([0.0], requires_grad=True)
    y = mg.sqrt(x).sum()
    with mg.detect_anomaly():
        with pytest.raises(mg.AnomalyError, match=r"'sqrt'.*line unknown"):
            y.backward()


def test_decorator_bare_and_called():
    @mg.detect_anomaly
    def bare():
        return mg.is_anomaly_enabled()

    @mg.detect_anomaly()
    def called():
        return mg.is_anomaly_enabled()

    assert bare() and called() and not mg.is_anomaly_enabled()


def test_anomaly_mode_is_per_thread():
    seen = []
    with mg.detect_anomaly():
        t = threading.Thread(target=lambda: seen.append(mg.is_anomaly_enabled()))
        t.start()
        t.join()
        assert mg.is_anomaly_enabled()
    assert seen == [False]


def test_create_graph_backward_is_checked_too():
    x = mg.Tensor([0.0], requires_grad=True)
    with mg.detect_anomaly():
        with pytest.raises(mg.AnomalyError, match="'sqrt'"):
            mg.grad(lambda x: mg.grad(lambda x: mg.sqrt(x).sum())(x).sum())(x)

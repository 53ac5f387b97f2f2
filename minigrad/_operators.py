"""Python's operators on NumPy stand-ins (mg.compile's ``Box``, jacfwd/jacrev's ``Batched``).

Each operator calls its NumPy ufunc, so the class's ``__array_ufunc__`` alone
decides what ``a + b`` does: the operators are NumPy's (``& | ^`` bitwise, on
boolean masks logical; ``==`` and ``!=`` elementwise). This module imports only NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["install"]

_ARITHMETIC = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "floordiv": np.floor_divide,
    "mod": np.remainder,
    "pow": np.power,
    "matmul": np.matmul,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
}
_SHIFTS = {"lshift": np.left_shift, "rshift": np.right_shift}
_COMPARISONS = {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}
_UNARY = {"neg": np.negative, "abs": np.absolute, "invert": np.invert}


def _binary(ufunc: Any, reflected: bool) -> Any:
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


def _in_place(ufunc: Any) -> Any:
    return lambda self, other: ufunc(self, other, out=(self,))  # writes into self, as NumPy's x += y does


def install(cls: type, shifts: bool = False, in_place: bool = False) -> None:
    """Give ``cls`` the arithmetic, comparison and unary operators; with ``shifts`` also ``<< >>`` and
    ``divmod``; with ``in_place`` also ``+= -= ...`` (through ``out=``)."""
    binary = {**_ARITHMETIC, **(_SHIFTS if shifts else {})}
    for name, ufunc in {**binary, **({"divmod": np.divmod} if shifts else {})}.items():
        setattr(cls, f"__{name}__", _binary(ufunc, False))
        setattr(cls, f"__r{name}__", _binary(ufunc, True))
    for name, ufunc in _COMPARISONS.items():
        setattr(cls, f"__{name}__", _binary(ufunc, False))
    for name, ufunc in _UNARY.items():
        setattr(cls, f"__{name}__", lambda self, fn=ufunc: fn(self))
    if in_place:
        for name, ufunc in binary.items():
            if name != "matmul":
                setattr(cls, f"__i{name}__", _in_place(ufunc))

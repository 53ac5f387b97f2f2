"""Pytrees: nested dicts, lists and tuples whose leaves are arrays, Tensors or numbers.

As in JAX (``jax.tree_util``): ``tree_flatten(tree) -> (leaves, treedef)`` lists
the leaves depth first (dict entries in sorted key order, as JAX does) and
``tree_unflatten(treedef, leaves)`` rebuilds the same structure. ``None`` is an
empty subtree (no leaves). Every other object, Tensors and arrays included, is
a leaf. Named tuples, ``OrderedDict`` (its keys in insertion order, as JAX) and
``defaultdict`` (sorted keys; the same ``default_factory``) keep their type.

Used by every transform (``grad``, ``jvp``, ``vjp``, ``jacfwd``, ...) so that
arguments and results may be nested containers, and by the BFGS bridge to
flatten a model's parameters.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

__all__ = ["TreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", "tree_structure"]


class TreeDef:
    """The structure of a pytree without its leaves: ``kind`` plus children, compared by value."""

    __slots__ = ("kind", "meta", "children", "_key", "_hash")

    def __init__(self, kind: str, meta: Any = None, children: tuple[TreeDef, ...] = ()):
        self.kind = kind  # "leaf", "none", "tuple", "list", "dict", "OrderedDict", "defaultdict", "namedtuple"
        self.meta = meta  # dict keys, (default_factory, keys) for a defaultdict, or the namedtuple class
        self.children = children
        self._key: tuple = (kind, meta, tuple(c._key for c in children))
        self._hash = hash(self._key)

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, TreeDef) and self._hash == other._hash and self._key == other._key)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind in _DICTS:
            keys = self.meta[1] if self.kind == "defaultdict" else self.meta
            body = "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(keys, self.children)) + "}"
            return body if self.kind == "dict" else f"{self.kind}({body})"
        if self.kind == "list":
            return f"[{inner}]"
        if self.kind == "namedtuple":
            return f"{self.meta.__name__}({inner})"
        return f"({inner}{',' if len(self.children) == 1 else ''})"


_LEAF = TreeDef("leaf")
_DICTS = ("dict", "OrderedDict", "defaultdict")


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """(leaves depth first, structure). Raises TypeError for a dict whose keys cannot be sorted."""
    leaves: list[Any] = []

    def build(node: Any) -> TreeDef:
        # Recursion depth is the nesting depth of the containers (a handful), not the number of leaves.
        if node is None:
            return TreeDef("none")
        if isinstance(node, OrderedDict):
            keys = tuple(node)
            return TreeDef("OrderedDict", keys, tuple(build(node[k]) for k in keys))
        if isinstance(node, dict):
            try:
                keys = tuple(sorted(node))
            except TypeError:
                raise TypeError("tree_flatten: dict keys must be sortable (as in JAX), got mixed key types") from None
            children = tuple(build(node[k]) for k in keys)
            if isinstance(node, defaultdict):
                return TreeDef("defaultdict", (node.default_factory, keys), children)
            return TreeDef("dict", keys, children)
        if _is_namedtuple(node):
            return TreeDef("namedtuple", type(node), tuple(build(c) for c in node))
        if isinstance(node, (list, tuple)):
            return TreeDef("list" if isinstance(node, list) else "tuple", None, tuple(build(c) for c in node))
        leaves.append(node)
        return _LEAF

    treedef = build(tree)
    return leaves, treedef


def tree_unflatten(treedef: TreeDef, leaves: Any) -> Any:
    """The pytree of structure ``treedef`` with ``leaves`` (in ``tree_flatten``'s order)."""
    it = iter(leaves)

    def build(d: TreeDef) -> Any:
        if d.kind == "leaf":
            try:
                return next(it)
            except StopIteration:
                raise ValueError(f"tree_unflatten: too few leaves for structure {treedef!r}") from None
        if d.kind == "none":
            return None
        children = [build(c) for c in d.children]
        if d.kind == "dict":
            return dict(zip(d.meta, children))
        if d.kind == "OrderedDict":
            return OrderedDict(zip(d.meta, children))
        if d.kind == "defaultdict":
            return defaultdict(d.meta[0], zip(d.meta[1], children))
        if d.kind == "list":
            return children
        if d.kind == "namedtuple":
            return d.meta(*children)
        return tuple(children)

    out = build(treedef)
    if next(it, _END) is not _END:
        raise ValueError(f"tree_unflatten: too many leaves for structure {treedef!r}")
    return out


_END = object()


def tree_leaves(tree: Any) -> list[Any]:
    """The leaves of ``tree``, depth first."""
    return tree_flatten(tree)[0]


def tree_structure(tree: Any) -> TreeDef:
    """The structure of ``tree``."""
    return tree_flatten(tree)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """``f`` applied leaf by leaf: ``f(leaf, *corresponding leaves of rest)``, in ``tree``'s structure.

    Raises ValueError when a tree in ``rest`` has a different structure.
    """
    leaves, treedef = tree_flatten(tree)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r)
        if r_def != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef!r} and {r_def!r}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])

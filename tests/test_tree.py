"""Pytrees: flatten/unflatten round trips, tree_map, and transforms over nested arguments."""

import collections

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.tree import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten

Point = collections.namedtuple("Point", "x y")

leaf = st.integers(-5, 5) | st.floats(-1, 1)
trees = st.recursive(
    leaf | st.none(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3)
        | st.tuples(children, children).map(lambda p: Point(*p))
    ),
    max_leaves=12,
)


@given(trees)
def test_flatten_unflatten_round_trip(tree):
    leaves, treedef = tree_flatten(tree)
    assert tree_unflatten(treedef, leaves) == tree
    assert treedef.num_leaves == len(leaves)
    assert tree_structure(tree_map(lambda x: x, tree)) == treedef


def test_order_and_structure_follow_jax():
    tree = {"b": [1, (2, None)], "a": 3}
    assert tree_leaves(tree) == [3, 1, 2]  # dict keys sorted, None has no leaves
    assert tree_map(lambda x, y: x + y, tree, {"a": 10, "b": [20, (30, None)]}) == {"a": 13, "b": [21, (32, None)]}
    assert type(tree_map(lambda v: v, Point(1, 2))) is Point


def test_structure_errors_name_the_problem():
    _, treedef = tree_flatten([1, 2])
    with pytest.raises(ValueError, match="too few leaves"):
        tree_unflatten(treedef, [1])
    with pytest.raises(ValueError, match="too many leaves"):
        tree_unflatten(treedef, [1, 2, 3])
    with pytest.raises(ValueError, match="structures differ"):
        tree_map(lambda a, b: a, [1, 2], (1, 2))


def test_grad_jvp_vjp_hvp_over_parameter_dicts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 2))
    params = {"W1": rng.normal(size=(2, 3)), "b1": np.zeros(3), "out": [rng.normal(size=(3, 1))]}

    def loss(p):
        return (mg.tanh(X @ p["W1"] + p["b1"]) @ p["out"][0]).sum()

    g = mg.grad(loss)(params)
    assert tree_structure(g) == tree_structure(params)
    W1, b1 = (mg.Tensor(params[k], requires_grad=True) for k in ("W1", "b1"))
    W2 = mg.Tensor(params["out"][0], requires_grad=True)
    loss({"W1": W1, "b1": b1, "out": [W2]}).backward()
    np.testing.assert_allclose(g["W1"].data, W1.grad, rtol=1e-12)
    np.testing.assert_allclose(g["out"][0].data, W2.grad, rtol=1e-12)
    v = tree_map(np.ones_like, params)
    _, t = mg.jvp(loss, (params,), (v,))
    directional = sum(float((gi.data * vi).sum()) for gi, vi in zip(tree_leaves(g), tree_leaves(v)))
    np.testing.assert_allclose(t.item(), directional, rtol=1e-12)
    _, vjp_fn = mg.vjp(loss, params)
    (gv,) = vjp_fn(np.array(1.0))
    np.testing.assert_allclose(gv["b1"].data, g["b1"].data, rtol=1e-12)
    hv = mg.hvp(loss, params, v)
    assert tree_structure(hv) == tree_structure(params)

"""The zoo task generators of exactfit.tasks: shapes, values, seeding, validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactfit import tasks
from exactfit.tasks import tent_map


def test_xor_both_encodings():
    for signed, lv in ((False, (0.0, 1.0)), (True, (-1.0, 1.0))):
        t = tasks.xor(signed=signed)
        assert t.name == "xor" and t.hidden == (2,) and t.activation == "relu"
        assert set(np.unique(t.X)) == set(lv) and t.X.shape == (4, 2)
        # label 1 exactly where the two inputs differ
        np.testing.assert_array_equal(t.y, (t.X[:, 0] != t.X[:, 1]).astype(float))
        assert t.meta["optimum"] == 0.0 and t.meta["levels"] == lv
    assert tasks.xor(hidden=1).meta["optimum"] is None
    assert tasks.xor(hidden=(3, 2)).hidden == (3, 2)


@pytest.mark.parametrize("make, n_in, formula", [
    (tasks.absolute, 1, lambda X: np.abs(X[:, 0])),
    (tasks.square, 1, lambda X: X[:, 0] ** 2),
    (tasks.maximum, 2, lambda X: np.maximum(X[:, 0], X[:, 1])),
    (tasks.product, 2, lambda X: X[:, 0] * X[:, 1]),
])
def test_interval_tasks(make, n_in, formula):
    t = make(n_samples=57, low=-2.0, high=0.5, random_state=3)
    assert t.X.shape == (57, n_in) and t.y.shape == (57,)
    assert t.X.min() >= -2.0 and t.X.max() <= 0.5
    np.testing.assert_array_equal(t.y, formula(t.X))
    # seeded: the same seed gives the same data, another seed other data
    np.testing.assert_array_equal(make(n_samples=57, low=-2.0, high=0.5, random_state=3).X, t.X)
    assert not np.array_equal(make(n_samples=57, low=-2.0, high=0.5, random_state=4).X, t.X)
    rs = np.random.RandomState(3)
    np.testing.assert_array_equal(make(n_samples=57, low=-2.0, high=0.5, random_state=rs).X,
                                  t.X)
    assert t.meta["low"] == -2.0 and t.meta["high"] == 0.5 and t.meta["random_state"] == 3


def test_default_widths():
    assert tasks.absolute().hidden == (2,) and tasks.maximum().hidden == (2,)
    assert tasks.square().hidden == (4,) and tasks.product().hidden == (8,)
    assert tasks.parity(5).hidden == (5,)
    assert tasks.sawtooth(4).hidden == (2, 2, 2, 2)
    assert tasks.absolute().meta["optimum"] == 0.0
    assert tasks.absolute(hidden=1).meta["optimum"] is None
    assert tasks.square().meta["optimum"] is None


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_parity(n):
    t = tasks.parity(n)
    assert t.X.shape == (2 ** n, n)
    # every bit vector exactly once, in lexicographic order
    codes = t.X @ (2 ** np.arange(n - 1, -1, -1))
    np.testing.assert_array_equal(codes, np.arange(2 ** n))
    np.testing.assert_array_equal(t.y, t.X.sum(axis=1) % 2)
    assert t.meta["optimum"] == 0.0
    assert tasks.parity(n, hidden=n + 3).meta["optimum"] == 0.0
    if n > 1:
        assert tasks.parity(n, hidden=n - 1).meta["optimum"] is None
    if n == 2:  # parity of two bits is XOR
        np.testing.assert_array_equal(t.y, tasks.xor().y)


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_tent_map_breakpoints_and_slopes(m):
    j = np.arange(2 ** m + 1)
    np.testing.assert_array_equal(tent_map(j / 2 ** m, m), j % 2)
    # inside each piece the slope is +-2^m
    mid = (j[:-1] + 0.5) / 2 ** m
    eps = 1e-3 / 2 ** m
    slope = (tent_map(mid + eps, m) - tent_map(mid - eps, m)) / (2 * eps)
    np.testing.assert_allclose(np.abs(slope), 2 ** m, rtol=1e-6)
    assert tent_map(0.3, 0) == 0.3


def test_sawtooth():
    t = tasks.sawtooth(3, random_state=1)
    assert t.X.shape == (256, 1) and t.hidden == (2, 2, 2)
    assert 0 <= t.X.min() and t.X.max() <= 1
    np.testing.assert_array_equal(t.y, tent_map(t.X[:, 0], 3))
    # every one of the 2^m pieces holds points (the default sample size's claim)
    assert np.unique(np.floor(t.X[:, 0] * 8)).size == 8
    assert tasks.sawtooth(3, n_samples=10).X.shape == (10, 1)
    assert tasks.sawtooth(3).meta["optimum"] == 0.0
    assert tasks.sawtooth(3, hidden=8).meta["optimum"] == 0.0       # shallow, 2^m units
    assert tasks.sawtooth(3, hidden=7).meta["optimum"] is None
    assert tasks.sawtooth(3, hidden=(4, 2)).meta["optimum"] == 0.0  # T^2 then T
    assert tasks.sawtooth(3, hidden=(2, 2)).meta["optimum"] is None


@pytest.mark.parametrize("call, exc, match", [
    (lambda: tasks.absolute(n_samples=0), ValueError, "n_samples"),
    (lambda: tasks.absolute(n_samples=2.5), TypeError, "n_samples"),
    (lambda: tasks.square(low=1.0, high=1.0), ValueError, "low must be < high"),
    (lambda: tasks.maximum(low="a"), TypeError, "low"),
    (lambda: tasks.product(high=np.inf), ValueError, "high"),
    (lambda: tasks.product(low=True), TypeError, "low"),
    (lambda: tasks.absolute(random_state=-1), ValueError, "random_state"),
    (lambda: tasks.square(random_state="seed"), TypeError, "random_state"),
    (lambda: tasks.absolute(hidden=0), ValueError, "hidden"),
    (lambda: tasks.maximum(hidden="2"), TypeError, "hidden"),
    (lambda: tasks.xor(signed="yes"), TypeError, "signed"),
    (lambda: tasks.xor(hidden=(2, 0)), ValueError, "hidden"),
    (lambda: tasks.parity(0), ValueError, "n_bits"),
    (lambda: tasks.parity(17), ValueError, "n_bits"),
    (lambda: tasks.parity(3.0), TypeError, "n_bits"),
    (lambda: tasks.sawtooth(0), ValueError, "m"),
    (lambda: tasks.sawtooth(21), ValueError, "m"),
    (lambda: tasks.sawtooth(3, n_samples=0), ValueError, "n_samples"),
    (lambda: tent_map([0.5], -1), ValueError, "m"),
])
def test_bad_arguments_name_themselves(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), low=st.floats(-1e3, 1e3), width=st.floats(1e-3, 1e3),
       seed=st.integers(0, 2 ** 32 - 1),
       name=st.sampled_from(["absolute", "maximum", "square", "product"]))
def test_interval_tasks_property(n, low, width, seed, name):
    high = low + width
    t = getattr(tasks, name)(n_samples=n, low=low, high=high, random_state=seed)
    assert t.X.shape[0] == n and t.y.shape == (n,)
    assert np.all(np.isfinite(t.X)) and np.all(np.isfinite(t.y))
    assert np.all((t.X >= low) & (t.X <= high))
    assert t.name in tasks.ZOO_TASKS

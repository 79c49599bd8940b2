import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import exactfit
from exactfit.certify import exact_1d, exact_cost
from exactfit.certify._exact1d import _exact_1d_reference
from exactfit.losses import Objective


def _multistart(x, y, k, n_starts, seed):
    """Brute force: many L-BFGS starts over all 3k + 1 weights."""
    rs = np.random.RandomState(seed)
    obj = Objective(x[:, None], y[:, None], (1, k, 1))
    best = np.inf
    for _ in range(n_starts):
        t0 = rs.normal(size=3 * k + 1)
        # Breakpoints spread over the data range so all placements get tried.
        t0[k:2 * k] = -t0[:k] * rs.uniform(x.min() - 0.2, x.max() + 0.2, size=k)
        out = minimize(obj, t0, jac=True, method="L-BFGS-B",
                       options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12})
        best = min(best, obj.value(out.x))
    return best


@pytest.mark.parametrize("k,seed", [
    (1, 0),
    pytest.param(2, 1, marks=pytest.mark.slow),  # 100 L-BFGS starts: ~10-40 s
    pytest.param(2, 2, marks=pytest.mark.slow),
])
def test_equals_multistart_brute_force(k, seed):
    rs = np.random.RandomState(seed)
    # Well-spaced inputs: with two nearly equal inputs the optimum can be a steep
    # step (weights ~1e3) that random starts do not reach, though exact_1d does.
    x = np.linspace(-1, 1, 6) + rs.uniform(-0.1, 0.1, 6)
    y = rs.normal(size=6)
    res = exact_1d(x, y, hidden=k)
    brute = _multistart(x, y, k, 100, seed)
    assert res.loss <= brute * (1 + 1e-9) + 1e-14  # nothing found beats it
    assert brute == pytest.approx(res.loss, rel=1e-6)  # and search reaches it


def test_width_one_equals_dense_breakpoint_grid():
    rs = np.random.RandomState(4)
    x = rs.uniform(-1, 1, 7)
    y = rs.normal(size=7)
    res = exact_1d(x, y, hidden=1)
    best = np.inf
    for t in np.linspace(-1.2, 1.2, 12001):
        for s in (1.0, -1.0):
            A = np.column_stack([np.maximum(s * (x - t), 0.0), np.ones_like(x)])
            r = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
            best = min(best, np.mean(r * r))
    assert res.loss <= best * (1 + 1e-12)
    assert best == pytest.approx(res.loss, rel=1e-4)


def test_reported_network_is_real_and_matches_optimum():
    rs = np.random.RandomState(5)
    x = rs.uniform(-2, 2, 9)
    y = np.sin(3 * x)
    res = exact_1d(x, y, hidden=3)
    assert res.evidence == "certified"
    assert res.network.layer_sizes == (1, 3, 1)
    direct = np.mean((res.network.predict(x[:, None]) - y) ** 2)
    assert direct == pytest.approx(res.optimum, rel=1e-9, abs=1e-15)
    assert res.loss == pytest.approx(direct, rel=1e-12, abs=1e-15)


def test_interpolates_with_n_minus_one_units():
    # N points can be interpolated by N - 1 hinges and a bias, not in general by fewer.
    rs = np.random.RandomState(6)
    x = np.sort(rs.uniform(-1, 1, 5))
    y = rs.normal(size=5)
    assert exact_1d(x, y, hidden=4).loss < 1e-20
    assert exact_1d(x, y, hidden=2).loss > 1e-6


def test_at_least_as_good_as_fit_global():
    rs = np.random.RandomState(7)
    x = np.sort(rs.uniform(-1, 1, 8))
    y = np.abs(x) + 0.1 * rs.normal(size=8)
    res = exact_1d(x, y, hidden=2)
    fg = exactfit.fit_global(x[:, None], y, hidden=2, n_restarts=4, random_state=0)
    assert res.loss <= fg.loss * (1 + 1e-9) + 1e-14


def test_duplicates_and_column_input():
    x = np.array([0.0, 0.0, 1.0, 1.0, 2.0])
    y = np.array([1.0, 3.0, 0.0, 0.0, 5.0])
    res = exact_1d(x[:, None], y, hidden=2)
    # Two units interpolate the three group means; the duplicates' spread remains.
    assert res.loss == pytest.approx(2.0 / 5.0, rel=1e-9)


def _sample(kind, n, rs):
    if kind == 0:
        return rs.uniform(-2, 2, n)
    if kind == 1:  # few distinct values: duplicates
        return rs.randint(0, 4, n).astype(float)
    if kind == 2:
        return np.round(rs.normal(size=n), 1)
    return 3e7 + 1e6 * rs.uniform(-1, 1, n)  # far from 0, large spread


@pytest.mark.parametrize("seed", range(24))
def test_equals_plain_enumeration(seed):
    """The engine (bounds, sign branch and bound) against the plain enumeration
    of every breakpoint placement, on random problems with duplicates."""
    rs = np.random.RandomState(seed)
    n = rs.randint(1, 9)
    k = rs.randint(1, 5 if n <= 6 else 4)
    x = _sample(seed % 4, n, rs)
    y = rs.normal(size=n) if seed % 2 else np.sin(3 * x / (np.abs(x).max() + 1))
    res = exact_1d(x, y, hidden=k)
    ref = _exact_1d_reference(x, y, k)[0] / n
    assert res.loss == pytest.approx(ref, rel=1e-9, abs=1e-9 * np.var(y) + 1e-14)
    assert abs(res.optimum - res.loss) <= res.tolerance + 1e-12 * res.loss
    assert res.n_pruned + res.n_leaves == res.n_configurations


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(-4, 4), st.floats(-3, 3)), min_size=1, max_size=7),
       st.integers(1, 3))
def test_property_equals_plain_enumeration(points, k):
    x = np.array([p[0] for p in points], dtype=float) / 2  # integers: duplicates
    y = np.array([p[1] for p in points])
    res = exact_1d(x, y, hidden=k)
    ref = _exact_1d_reference(x, y, k)[0] / len(x)
    assert res.evidence == "certified"
    assert res.loss == pytest.approx(ref, rel=1e-8, abs=1e-9 * np.var(y) + 1e-12)
    assert res.loss == pytest.approx(exactfit.mse(res.network, x[:, None], y), rel=1e-12,
                                     abs=1e-15)


@pytest.mark.parametrize("x,y,k,expected", [
    ([1.0], [2.0], 2, 0.0),  # used to abort the process inside scipy's nnls
    ([1.0, 1.0, 1.0], [0.0, 1.0, 2.0], 3, 2.0 / 3.0),  # one distinct value: the mean
    ([0.0, 1.0], [5.0, -1.0], 1, 0.0),  # two distinct values
    ([0.0, 1.0, 0.0, 1.0], [1.0, 2.0, 3.0, 4.0], 4, 1.0),  # two values, duplicates
    ([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], 50, 0.0),  # far more units than useful
])
def test_degenerate_inputs(x, y, k, expected):
    res = exact_1d(x, y, hidden=k)
    assert res.evidence == "certified"
    assert res.network.layer_sizes == (1, k, 1)
    assert res.loss == pytest.approx(expected, abs=1e-12)
    assert res.loss == pytest.approx(exactfit.mse(res.network, np.reshape(x, (-1, 1)), y),
                                     abs=1e-14)


def test_single_value_constant_network():
    res = exact_1d([3.0] * 4, [1.0, 2.0, 3.0, 6.0], hidden=2)
    np.testing.assert_allclose(res.network.predict([[3.0], [-7.0]]), [3.0, 3.0], rtol=1e-12)


def test_cost_estimate_matches_enumeration():
    rs = np.random.RandomState(8)
    x = rs.uniform(-1, 1, 12)
    for k in (1, 2, 3):
        res = exact_1d(x, np.abs(x), hidden=k)
        cost = exact_cost(12, k)
        assert res.n_configurations == cost["n_configurations"]
        assert res.n_bounds == cost["n_bounds"]
        assert res.n_patterns == cost["n_patterns"] == 23
    # The old count of breakpoint placements, C(4 (N - 1), k), plus the affine option.
    assert exact_cost(25, 3)["n_configurations"] == 147440  # C(97, 3)


def test_incumbent_speeds_up_without_changing_the_answer():
    rs = np.random.RandomState(9)
    x = rs.uniform(-1, 1, 15)
    y = np.sin(4 * x)
    a = exact_1d(x, y, hidden=3)
    b = exact_1d(x, y, hidden=3, incumbent=a)
    c = exact_1d(x, y, hidden=3, incumbent=a.loss)
    assert b.loss == pytest.approx(a.loss, rel=1e-9) and c.loss == pytest.approx(a.loss, rel=1e-9)
    assert b.n_solved <= a.n_solved


def test_lists_and_column_vectors():
    a = exact_1d([0, 1, 2, 3], [0, 1, 0, 1], hidden=2)
    b = exact_1d(np.array([[0], [1], [2], [3]]), np.array([[0], [1], [0], [1]]), hidden=2)
    assert a.loss == pytest.approx(b.loss, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("x,y,kw,exc,match", [
    (np.zeros((5, 2)), np.zeros(5), {}, ValueError, "1-D inputs"),
    (np.zeros((5, 1, 1)), np.zeros(5), {}, ValueError, "x must be"),
    (np.zeros(5), np.zeros((5, 2)), {}, ValueError, "one output"),
    (np.zeros(5), np.zeros(4), {}, ValueError, "different numbers of samples"),
    (np.array([0.0, np.nan]), np.zeros(2), {}, ValueError, "x"),
    (np.zeros(2), np.array([0.0, np.inf]), {}, ValueError, "y"),
    (np.zeros(0), np.zeros(0), {}, ValueError, "x"),
    (["a", "b"], [0.0, 1.0], {}, ValueError, "x"),
    (np.zeros(5), np.zeros(5), {"hidden": 0}, ValueError, "hidden"),
    (np.zeros(5), np.zeros(5), {"hidden": -2}, ValueError, "hidden"),
    (np.zeros(5), np.zeros(5), {"hidden": True}, TypeError, "hidden"),
    (np.zeros(5), np.zeros(5), {"hidden": 2.0}, TypeError, "hidden"),
    (np.zeros(5), np.zeros(5), {"max_configurations": False}, TypeError, "max_configurations"),
    (np.zeros(5), np.zeros(5), {"progress": None}, TypeError, "progress"),
    (np.zeros(5), np.zeros(5), {"incumbent": np.nan}, ValueError, "incumbent"),
    (np.arange(40.0), np.zeros(40), {"hidden": 4, "max_configurations": 1000}, ValueError,
     "max_configurations"),
])
def test_bad_input(x, y, kw, exc, match):
    with pytest.raises(exc, match=match):
        exact_1d(x, y, **kw)


def test_no_warnings_on_plain_call():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact_1d(np.linspace(0, 1, 6), np.linspace(0, 1, 6) ** 2, hidden=2)


@pytest.mark.slow
@pytest.mark.parametrize("n,k", [(25, 3), (14, 4)])
def test_slow_larger_problems_equal_plain_enumeration(n, k):
    rs = np.random.RandomState(n + k)
    x = rs.uniform(-1, 1, n)
    y = np.sin(3 * x) + 0.1 * rs.normal(size=n)
    res = exact_1d(x, y, hidden=k)
    assert res.loss == pytest.approx(_exact_1d_reference(x, y, k)[0] / n, rel=1e-9)

import numpy as np
import pytest
from scipy.optimize import minimize

import exactfit
from exactfit.certify import exact_1d
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


@pytest.mark.parametrize("k,seed", [(1, 0), (2, 1), (2, 2)])
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


@pytest.mark.parametrize("x,y,kw,match", [
    (np.zeros((5, 2)), np.zeros(5), {}, "1-D inputs"),
    (np.zeros(5), np.zeros((5, 2)), {}, "one output"),
    (np.zeros(5), np.zeros(5), {"hidden": 0}, "hidden"),
    (np.arange(40.0), np.zeros(40), {"hidden": 4, "max_configurations": 1000},
     "max_configurations"),
])
def test_bad_input(x, y, kw, match):
    with pytest.raises(ValueError, match=match):
        exact_1d(x, y, **kw)

import numpy as np
import pytest

from exactfit.construct import interpolant_1d


def _check_against_interp(x, y, res, rtol=1e-12):
    # independent computation: numpy's linear interpolation through the distinct points
    order = np.argsort(x)
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    scale = max(1.0, np.max(np.abs(ys)))
    pred = res.network.predict(xs.reshape(-1, 1))
    np.testing.assert_allclose(pred, ys, rtol=0, atol=rtol * scale * len(xs))
    t = np.linspace(xs[0], xs[-1], 2001)
    np.testing.assert_allclose(res.network.predict(t.reshape(-1, 1)), np.interp(t, xs, ys),
                               rtol=0, atol=rtol * scale * len(xs))


@pytest.mark.parametrize("t1, t2", [(1, 2), (10, 20), (1, 1.5), (-1, 1), (100, 200)])
def test_lookup_needs_one_unit_and_is_exact(t1, t2):
    res = interpolant_1d([0, 1], [t1, t2])
    assert res.network.layer_sizes == (1, 1, 1)
    pred = res.network.predict([[0.0], [1.0]])
    assert pred[0] == t1 and pred[1] == t2  # these targets are exact in binary
    assert res.loss == 0.0 and res.evidence == "exact"


@pytest.mark.parametrize("seed", range(5))
def test_random_points_exact_with_at_most_n_minus_1_units(seed):
    rs = np.random.RandomState(seed)
    n = rs.randint(2, 40)
    x = rs.uniform(-5, 5, n)
    y = rs.standard_normal(n) * 10
    res = interpolant_1d(x, y)
    assert res.network.hidden_sizes[0] <= n - 1
    _check_against_interp(x, y, res)
    scale = max(1.0, np.max(np.abs(y)))
    assert res.loss <= (1e-12 * scale * n) ** 2  # rounding only, as checked point by point


def test_collinear_points_drop_units_and_extrapolation():
    x = np.array([3.0, 0.0, 1.0, 2.0])
    y = 2 * x + 1
    res = interpolant_1d(x, y)
    assert res.network.hidden_sizes == (1,)
    # left of the first point: constant; right of the last: last slope continues
    assert res.network.predict([[-10.0]])[0] == pytest.approx(1.0)
    assert res.network.predict([[10.0]])[0] == pytest.approx(21.0)


def test_duplicates_with_same_target_are_fine_and_single_point():
    res = interpolant_1d([0, 1, 1, 0], [5, 7, 7, 5])
    assert res.network.hidden_sizes == (1,)
    assert res.loss == 0.0
    one = interpolant_1d([2.0], [3.0])
    assert one.network.predict([[-1.0], [2.0], [9.0]]).tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("x, y, match", [
    ([[0, 1], [2, 3]], [1, 2], "1-D"),
    ([0, 1, 2], [1, 2], "different lengths"),
    ([0, 1, 1], [1, 2, 3], "different targets"),
    ([0, np.nan], [1, 2], "NaN|nan|infinity"),
    ([0, 1], [1, np.inf], "NaN|nan|infinity"),
    ([], [], "empty|at least"),
])
def test_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        interpolant_1d(x, y)

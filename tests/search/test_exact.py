"""The exact enumerations inside fit_global (exactfit/search/_exact.py)."""

import numpy as np
import pytest

from exactfit.certify import exact_1d
from exactfit.search._exact import (_exact_cheap, _exact_estimate, binned_exact_start,
                                    exact_optimum)


def test_binned_start_only_for_one_input_and_one_relu_layer_with_mse():
    rs = np.random.RandomState(0)
    x = rs.uniform(-1, 1, (200, 1))
    y = np.abs(x)
    assert binned_exact_start(rs.rand(50, 2), rs.rand(50, 1), (2, 3, 1), "relu", "linear",
                              "mse") is None
    assert binned_exact_start(x, y, (1, 4, 1), "tanh", "linear", "mse") is None
    assert binned_exact_start(x, y, (1, 4, 1), "relu", "linear", "mae") is None


def test_binned_start_is_the_certified_optimum_of_the_bin_means():
    rs = np.random.RandomState(1)
    x = np.sort(rs.uniform(-1, 1, 300))
    y = np.sin(3 * x)
    net = binned_exact_start(x[:, None], y[:, None], (1, 2, 1), "relu", "linear", "mse")
    assert net is not None and net.layer_sizes == (1, 2, 1)
    # recompute the bins independently: as many as the budget allows, equal counts
    groups = np.array_split(np.arange(300), _bins(2, 300))  # x is sorted
    xb = np.array([x[g].mean() for g in groups])
    yb = np.array([y[g].mean() for g in groups])
    opt = exact_1d(xb, yb, hidden=2)
    assert np.mean((net.predict(xb[:, None]).ravel() - yb) ** 2) == pytest.approx(
        opt.loss, rel=1e-9, abs=1e-15)


def _bins(k, n):
    from exactfit.search._exact import _BINNED_MAX, _BINNED_SECONDS

    b = 0
    for c in range(2 * k + 2, min(n // 2, _BINNED_MAX) + 1):
        if not _exact_cheap(*_exact_estimate(c, k, 1), budget=_BINNED_SECONDS):
            break
        b = c
    return b


def test_estimate_grows_with_points_and_units():
    s1, m1 = _exact_estimate(20, 2, 1)
    s2, m2 = _exact_estimate(40, 2, 1)
    s3, _ = _exact_estimate(20, 3, 1)
    assert s2 > s1 and m2 > m1 and s3 > s1
    assert _exact_cheap(s1, m1, budget=s1) and not _exact_cheap(s1, m1, budget=s1 / 2)


def test_exact_optimum_declines_what_it_cannot_enumerate():
    rs = np.random.RandomState(2)
    X, Y = rs.rand(30, 3), rs.rand(30, 1)
    assert exact_optimum(X, Y, (3, 2, 1), "relu", "linear", "mse", "auto", 0.0, 0) is None
    with pytest.raises(ValueError, match="exact=True"):
        exact_optimum(X, Y, (3, 2, 1), "relu", "linear", "mse", True, 0.0, 0)

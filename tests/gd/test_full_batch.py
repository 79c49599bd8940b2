import numpy as np
import pytest

from exactfit.construct import linear_lstsq
from exactfit.gd import linear_gd


@pytest.fixture
def data(rng):
    X = rng.normal(size=(200, 6))
    W = rng.normal(size=(6, 3))
    return X, X @ W + 0.5, W


@pytest.mark.parametrize("method", ["gd", "adam"])
def test_reaches_the_least_squares_solution(data, method):
    X, Y, W = data
    r = linear_gd(X, Y, method, max_epochs=200_000, tol=1e-6)
    assert r.success and r.relative_residual <= 1e-6
    ref = linear_lstsq(X, Y).network
    np.testing.assert_allclose(r.network.weights[0], ref.weights[0], atol=1e-4)
    np.testing.assert_allclose(r.network.weights[0], W, atol=1e-4)
    assert r.loss == pytest.approx(np.mean((r.network.predict(X) - Y) ** 2))


def test_reports_failure_when_out_of_epochs(data):
    X, Y, _ = data
    r = linear_gd(X, Y, "adam", max_epochs=5)
    assert not r.success and r.nit == 5 and r.relative_residual > 1e-6


def test_bad_input(data):
    X, Y, _ = data
    with pytest.raises(ValueError, match="method"):
        linear_gd(X, Y, "sgd")
    with pytest.raises(ValueError, match="tol"):
        linear_gd(X, Y, tol=0)
    with pytest.raises(ValueError, match="max_epochs"):
        linear_gd(X, Y, max_epochs=0)
    with pytest.raises(ValueError, match="different numbers of samples"):
        linear_gd(X, Y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        linear_gd(np.where(X > 2, np.nan, X), Y)

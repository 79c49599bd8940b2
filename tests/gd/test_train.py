import warnings

import numpy as np
import pytest
from sklearn.neural_network import MLPRegressor

from exactfit import mse, train_gd


def test_sklearn_baseline_matches_mlpregressor(euclid_small):
    X, y = euclid_small.X, euclid_small.y
    res = train_gd(X, y, hidden=3, optimizer="adam", max_iter=30, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = MLPRegressor(hidden_layer_sizes=(3,), solver="adam", alpha=0.0, max_iter=30, tol=1e-7,
                         random_state=4).fit(X, y)
    np.testing.assert_allclose(res.network.predict(X), m.predict(X), rtol=1e-10)
    assert res.loss == pytest.approx(np.mean((m.predict(X) - y) ** 2), rel=1e-10)
    # scikit-learn's loss_curve_ is half the MSE; ours is the MSE.
    np.testing.assert_allclose(res.loss_curve, 2 * np.asarray(m.loss_curve_))
    assert res.method == "sklearn:adam" and res.nit == 30 and not res.success
    assert res.random_state == 4 and res.evidence == "none"


@pytest.mark.parametrize("optimizer", ["sgd", "lbfgs"])
def test_other_optimizers_and_seed_replay(optimizer, euclid_small):
    X, y = euclid_small.X, euclid_small.y
    a = train_gd(X, y, optimizer=optimizer, max_iter=20, random_state=np.random.RandomState(1))
    b = train_gd(X, y, optimizer=optimizer, max_iter=20, random_state=a.random_state)
    np.testing.assert_array_equal(a.network.to_flat(), b.network.to_flat())
    assert a.loss == pytest.approx(mse(a.network, X, y))


def test_bad_input(euclid_small):
    X, y = euclid_small.X, euclid_small.y
    with pytest.raises(ValueError, match="optimizer"):
        train_gd(X, y, optimizer="adamw")
    with pytest.raises(ValueError, match="activation.*torch"):
        train_gd(X, y, activation="elu")
    with pytest.raises(ValueError, match="activation"):
        train_gd(X, y, activation="swish")
    with pytest.raises(ValueError, match="hidden"):
        train_gd(X, y, hidden=0)
    with pytest.raises(ValueError, match="backend"):
        train_gd(X, y, backend="jax")
    with pytest.raises(ValueError, match="protocol"):
        train_gd(X, y, protocol="keras")
    with pytest.raises(ValueError, match="inf|infinity"):
        train_gd(np.where(X > 0.9, np.inf, X), y)

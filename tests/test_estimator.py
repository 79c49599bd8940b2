"""GlobalMLPRegressor: scikit-learn's checks, Pipeline, GridSearchCV, cross_val_score."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import exactfit
from exactfit import GlobalMLPRegressor, Network


# Small searches keep scikit-learn's ~50 checks fast; they test the interface, not the optimum.
@parametrize_with_checks([GlobalMLPRegressor(n_restarts=1, max_restarts=2, maxiter=30)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    task = exactfit.tasks.euclid(300, random_state=0)
    return task.X, task.y


def test_fit_matches_fit_global(data):
    X, y = data
    est = GlobalMLPRegressor(hidden_layer_sizes=3, random_state=0).fit(X, y)
    ref = exactfit.fit_global(X, y, hidden=3, random_state=0)
    assert est.loss_ == pytest.approx(ref.loss, rel=1e-12)
    assert est.loss_ == pytest.approx(np.mean((est.predict(X) - y) ** 2), rel=1e-12)
    assert est.evidence_ == "search" and est.result_.method == "fit_global"
    assert [c.shape for c in est.coefs_] == [(2, 3), (3, 1)]
    # The same fitted attributes as MLPRegressor: its exported twin predicts the same.
    twin = Network.from_sklearn(est).to_sklearn()
    np.testing.assert_allclose(twin.predict(X), est.predict(X), rtol=1e-12, atol=1e-12)
    assert est.score(X, y) > 0.95


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_beats_gradient_descent_on_euclid(data):
    X, y = data
    est = GlobalMLPRegressor(random_state=0).fit(X, y)
    gd = [MLPRegressor(hidden_layer_sizes=(3,), alpha=0, max_iter=300, random_state=s).fit(X, y)
          for s in range(3)]
    assert all(est.score(X, y) >= g.score(X, y) - 1e-9 for g in gd)


def test_activation_names_and_multi_output(data):
    X, y = data
    Y = np.column_stack([y, -y])
    est = GlobalMLPRegressor(hidden_layer_sizes=(3,), activation="logistic", n_restarts=1,
                             random_state=0).fit(X, Y)
    assert est.network_.hidden == "sigmoid" and est.predict(X).shape == (len(X), 2)
    leaky = GlobalMLPRegressor(activation="leaky_relu", n_restarts=1, random_state=0).fit(X, y)
    assert leaky.network_.hidden == "leaky_relu"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_grid_search_cross_val(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), GlobalMLPRegressor(n_restarts=1, random_state=0))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    grid = GridSearchCV(GlobalMLPRegressor(n_restarts=1, random_state=0),
                        {"hidden_layer_sizes": [(1,), (3,)]}, cv=3).fit(X, y)
    assert grid.best_params_ == {"hidden_layer_sizes": (3,)}
    scores = cross_val_score(GlobalMLPRegressor(n_restarts=1, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.9)


def test_bad_parameters(data):
    X, y = data
    with pytest.raises(ValueError, match="activation"):
        GlobalMLPRegressor(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        GlobalMLPRegressor(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(TypeError, match="hidden_layer_sizes"):
        GlobalMLPRegressor(hidden_layer_sizes="3").fit(X, y)
    with pytest.raises(TypeError, match="n_restarts"):
        GlobalMLPRegressor(n_restarts=0.5).fit(X, y)

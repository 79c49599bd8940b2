import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

import exactfit
from exactfit.construct import norm_pyramid, pyramid_angles


@pytest.fixture(scope="module")
def task():
    return exactfit.tasks.euclid(2000, random_state=0)


def test_three_units_120_degrees_apart(task):
    res = norm_pyramid(3, task.X, task.y, rotation=17.0)
    W = res.network.weights[0]
    np.testing.assert_allclose(np.linalg.norm(W, axis=0), 1.0)
    np.testing.assert_allclose(res.network.biases[0], 0.0)
    cos = W.T @ W
    np.testing.assert_allclose(cos[np.triu_indices(3, 1)], np.cos(np.deg2rad(120)), atol=1e-12)
    np.testing.assert_allclose(np.rad2deg(np.arctan2(W[1, 0], W[0, 0])), 17.0)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7])
def test_mse_equals_independent_least_squares_refit(task, n):
    res = norm_pyramid(n, task.X, task.y, rotation=5.0)
    H = res.network.hidden_outputs(task.X)[0]
    lr = LinearRegression().fit(H, task.y)
    assert res.loss == pytest.approx(np.mean((lr.predict(H) - task.y) ** 2), rel=1e-9, abs=1e-15)
    assert res.loss == pytest.approx(exactfit.mse(res.network, task.X, task.y), rel=1e-12)


@pytest.mark.parametrize("n", [3, 5, 7, 9])
def test_sum_of_relus_is_half_sum_of_abs_for_odd_n(n, rng):
    X = rng.normal(size=(300, 2))
    ang = np.deg2rad(pyramid_angles(n, rotation=rng.uniform(0, 360)))
    U = np.vstack([np.cos(ang), np.sin(ang)])
    np.testing.assert_allclose(np.maximum(X @ U, 0).sum(1), 0.5 * np.abs(X @ U).sum(1),
                               atol=1e-12)


@pytest.mark.parametrize("n", [4, 6, 8])
def test_spare_arrangement_beats_uniform_for_even_n(task, n):
    uniform = norm_pyramid(n, task.X, task.y)
    spare = norm_pyramid(n, task.X, task.y, arrangement="spare")
    odd_below = norm_pyramid(n - 1, task.X, task.y)
    assert spare.loss < uniform.loss
    assert spare.loss <= odd_below.loss * (1 + 1e-12)  # never worse than n-1 units


def test_more_odd_units_approximate_better(task):
    losses = [norm_pyramid(n, task.X, task.y).loss for n in (3, 5, 7, 9)]
    assert all(a > b for a, b in zip(losses, losses[1:]))


def test_bad_input(task):
    with pytest.raises(ValueError, match="n_units"):
        norm_pyramid(0, task.X, task.y)
    with pytest.raises(ValueError, match="2 features"):
        norm_pyramid(3, np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match="arrangement"):
        norm_pyramid(3, task.X, task.y, arrangement="random")
    with pytest.raises(TypeError, match="rotation"):
        norm_pyramid(3, task.X, task.y, rotation="90")

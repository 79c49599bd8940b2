import numpy as np
import pytest
from scipy.optimize import approx_fprime
from sklearn.neural_network import MLPRegressor

import exactfit
from exactfit import Network, fit_global, mse
from exactfit.search import repulsion_penalty


def _sklearn_lbfgs_best(X, y, hidden, n_starts):
    """Independent check: scikit-learn's own L-BFGS from many random starts."""
    best = np.inf
    for s in range(n_starts):
        m = MLPRegressor(hidden_layer_sizes=(hidden,), solver="lbfgs", alpha=0.0, tol=1e-12,
                         max_iter=5000, max_fun=50000, random_state=s).fit(X, y)
        best = min(best, mse(Network(m.coefs_, m.intercepts_), X, y))
    return best


@pytest.fixture(scope="module")
def random_start_reference(euclid_small):
    return _sklearn_lbfgs_best(euclid_small.X, euclid_small.y, 3, 40)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_fit_global_no_worse_than_many_random_starts(seed, euclid_small, random_start_reference):
    X, y = euclid_small.X, euclid_small.y
    res = fit_global(X, y, hidden=3, random_state=seed)
    assert res.loss <= random_start_reference * (1 + 1e-6)
    # The returned loss is the true MSE of the returned network.
    assert res.loss == pytest.approx(mse(res.network, X, y), rel=1e-12)
    assert res.evidence == "search" and len(res.restart_losses) == 3


def test_fit_global_beats_symmetric_pyramid():
    task = exactfit.tasks.euclid(2000, random_state=0)
    pyramid = exactfit.construct.norm_pyramid(3, task.X, task.y)
    res = fit_global(task.X, task.y, hidden=3, random_state=0)
    # The pyramid is not optimal on the square: measured ~5% lower here.
    assert res.loss < 0.97 * pyramid.loss


def test_output_layer_is_least_squares_optimal(euclid_small):
    X, y = euclid_small.X, euclid_small.y
    res = fit_global(X, y, hidden=4, random_state=0)
    H = np.hstack([res.network.hidden_outputs(X)[0], np.ones((len(X), 1))])
    coef = np.linalg.lstsq(H, y, rcond=None)[0]
    assert np.mean((H @ coef - y) ** 2) >= res.loss * (1 - 1e-9)


def test_reproducible_and_independent_of_n_jobs(euclid_small):
    X, y = euclid_small.X, euclid_small.y
    a = fit_global(X, y, hidden=3, n_restarts=4, random_state=7)
    b = fit_global(X, y, hidden=3, n_restarts=4, random_state=7)
    c = fit_global(X, y, hidden=3, n_restarts=4, random_state=7, n_jobs=2)
    np.testing.assert_array_equal(a.network.to_flat(), b.network.to_flat())
    # Worker processes run BLAS single-threaded, which changes summation order in
    # the last bits only; the seeds, starts and optimisation paths are the same.
    np.testing.assert_allclose(a.restart_losses, c.restart_losses, rtol=1e-10)
    np.testing.assert_allclose(a.network.to_flat(), c.network.to_flat(), rtol=1e-7, atol=1e-10)
    rs = np.random.RandomState(7)
    d = fit_global(X, y, hidden=3, n_restarts=2, random_state=rs)
    assert np.isfinite(d.loss)


@pytest.mark.parametrize("hidden,activation,output", [((3, 2), "relu", "linear"),
                                                      (2, "tanh", "linear"),
                                                      (2, "relu", "relu")])
def test_other_architectures_improve_on_their_starts(hidden, activation, output, euclid_small):
    X, y = euclid_small.X, euclid_small.y
    res = fit_global(X, y, hidden=hidden, activation=activation, output=output, n_restarts=2,
                     random_state=0)
    assert res.network.hidden == activation and res.network.output == output
    assert res.loss < np.var(y)  # better than the best constant


def test_multi_output_and_1d(rng):
    x = np.linspace(-1, 1, 60)[:, None]
    Y = np.column_stack([np.abs(x[:, 0]), np.maximum(x[:, 0], 0)])
    res = fit_global(x, Y, hidden=2, random_state=0)
    assert res.network.n_outputs == 2
    assert res.loss < 1e-10  # |x| = relu(x) + relu(-x) exactly


def test_repulsion_penalty_gradient(rng):
    sizes = (2, 4, 3, 1)
    theta = rng.normal(size=exactfit.network.n_params(sizes))
    r, g = repulsion_penalty(theta, sizes)
    num = approx_fprime(theta, lambda t: repulsion_penalty(t, sizes)[0], 1e-7)
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-7)
    # Two identical units give the largest penalty of the pair: cos = 1.
    W = np.array([[1.0, 1.0], [0.0, 0.0]])
    th = np.concatenate([W.ravel(), [0.0, 0.0], [1.0, 1.0], [0.0]])
    assert repulsion_penalty(th, (2, 2, 1))[0] == pytest.approx(1.0)


def test_symmetric_images_compute_the_transformed_function(rng):
    from exactfit.search import _box_symmetries, _image_restart

    assert len(_box_symmetries(2)) == 7 and len(_box_symmetries(3)) == 47
    X = rng.uniform(-1, 1, size=(50, 2)) + [0.3, -0.2]
    net = Network([rng.normal(size=(2, 3)), rng.normal(size=(3, 1))],
                  [rng.normal(size=3), rng.normal(size=1)])
    P = _box_symmetries(2)[2]
    c = X.mean(axis=0)
    target = net.predict(c + (X - c) @ P.T)  # f(c + P (x - c))
    opts = dict(sizes=(2, 3, 1), act="relu", output="linear", loss="mse", maxiter=1)
    # With the image network as the exact target, the image start is already optimal.
    theta, f, _ = _image_restart(X, target[:, None], net.to_flat(), P, opts)
    assert f < 1e-20


def test_bad_input(euclid_small):
    X, y = euclid_small.X, euclid_small.y
    with pytest.raises(ValueError, match="hidden"):
        fit_global(X, y, hidden=0)
    with pytest.raises(TypeError, match="hidden"):
        fit_global(X, y, hidden=2.5)
    with pytest.raises(ValueError, match="activation"):
        fit_global(X, y, activation="swish")
    with pytest.raises(ValueError, match="NaN"):
        fit_global(np.where(X > 0.9, np.nan, X), y)
    with pytest.raises(ValueError, match="different numbers of samples"):
        fit_global(X, y[:-1])
    with pytest.raises(ValueError, match="empty"):
        fit_global(np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError, match="starts"):
        fit_global(X, y, starts="clever")
    with pytest.raises(ValueError, match="repulsion"):
        fit_global(X, y, repulsion=-1)
    with pytest.raises(TypeError, match="symmetries"):
        fit_global(X, y, symmetries=3)
    with pytest.raises(TypeError, match="init"):
        fit_global(X, y, init="pyramid")
    three = Network([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match=r"init\[0\].*\(2, 3, 1\)"):
        fit_global(X, y, hidden=2, init=three)  # wider than the network being fitted
    with pytest.raises(ValueError, match="init"):
        fit_global(X, y, hidden=(3, 3), init=three)  # padding is for one hidden layer


def test_padded_warm_start_keeps_the_function(euclid_small, rng):
    from exactfit.search import _padded

    X = euclid_small.X
    narrow = fit_global(X, euclid_small.y, hidden=2, n_restarts=1, random_state=0).network
    wide = Network.from_flat(_padded(X, narrow, (2, 5, 1), rng), (2, 5, 1))
    np.testing.assert_array_equal(wide.predict(X), narrow.predict(X))
    # new units get a boundary through a sample (so they are neither dead nor linear)
    Z = wide.hidden_preactivations(X)[0][:, 2:]
    assert np.all((Z > 0).any(axis=0)) and np.all((Z <= 0).any(axis=0))


@pytest.mark.parametrize("width", [3, 4, 6])
def test_warm_start_never_worse_than_its_network(euclid_small, width):
    X, y = euclid_small.X, euclid_small.y
    # a poor narrow network (one unit, far from any optimum) and a good one
    poor = Network([np.array([[1.0], [0.3]]), np.array([[0.5]])], [np.array([0.2]), np.zeros(1)])
    good = fit_global(X, y, hidden=3, n_restarts=2, random_state=1).network
    res = fit_global(X, y, hidden=width, n_restarts=1, random_state=0, init=[poor, good])
    assert res.restart_starts == ["spread", "init", "init"]
    assert res.restart_losses[1] <= mse(poor, X, y) * (1 + 1e-12)
    assert res.restart_losses[2] <= mse(good, X, y) * (1 + 1e-12)
    assert res.loss <= min(res.restart_losses) * (1 + 1e-12)
    assert "2 warm" in res.message


def test_warm_starts_leave_the_other_restarts_unchanged(euclid_small):
    X, y = euclid_small.X, euclid_small.y
    good = fit_global(X, y, hidden=3, n_restarts=2, random_state=1).network
    a = fit_global(X, y, hidden=4, n_restarts=3, random_state=5)
    b = fit_global(X, y, hidden=4, n_restarts=3, random_state=5, init=good)
    assert b.restart_seeds[:3] == a.restart_seeds
    np.testing.assert_array_equal(b.restart_losses[:3], a.restart_losses)
    assert b.restart_starts == a.restart_starts + ["init"]


@pytest.mark.slow
@pytest.mark.parametrize("units", [3, 5])
def test_fit_global_every_seed_reaches_many_sklearn_starts_full_data(units):
    task = exactfit.tasks.euclid(2000, random_state=0)
    ref = _sklearn_lbfgs_best(task.X, task.y, units, 150)
    losses = [fit_global(task.X, task.y, hidden=units, random_state=s).loss for s in range(10)]
    # Every call reaches the optimum of 150 random starts in the benchmark's sense
    # (within 1%), and the best call is no worse than it. On 2000 points the
    # symmetric copies of the optimum under the square's symmetries differ by up to
    # ~0.8% and single calls can end in a copy up to ~0.15% above the best.
    assert max(losses) <= ref * 1.01, (losses, ref)
    assert min(losses) <= ref * (1 + 1e-6), (losses, ref)

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from exactfit import ACTIVATIONS, Network, loss_and_grad, mae, mse
from exactfit.losses import Objective


def _net(rng, hidden, output="linear", sizes=(2, 4, 3, 2)):
    Ws = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [rng.normal(scale=0.5, size=b) for b in sizes[1:]]
    return Network(Ws, bs, hidden, output)


@pytest.mark.parametrize("kind", ["mse", "mae"])
@pytest.mark.parametrize("output", ["linear", "relu", "tanh"])
@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_gradient_matches_finite_differences(rng, hidden, output, kind):
    net = _net(rng, hidden, output)
    X = rng.normal(size=(30, 2))
    Y = rng.normal(size=(30, 2))
    f, g = loss_and_grad(net, X, Y, kind)
    theta = net.to_flat()

    def fun(t):
        return loss_and_grad(net.with_flat(t), X, Y, kind)[0]

    num = approx_fprime(theta, fun, 1e-7)
    # Kinks (ReLU, MAE) are hit with probability 0 on random data.
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-6)
    assert f == pytest.approx(fun(theta))


def test_mse_is_plain_mean_not_halved(rng):
    net = _net(rng, "relu", sizes=(2, 3, 1))
    X, y = rng.normal(size=(50, 2)), rng.normal(size=50)
    r = net.predict(X) - y
    assert mse(net, X, y) == pytest.approx(np.mean(r ** 2), rel=1e-12)
    assert mae(net, X, y) == pytest.approx(np.mean(np.abs(r)), rel=1e-12)


def test_loss_bad_input(rng):
    net = _net(rng, "relu", sizes=(2, 3, 1))
    X = rng.normal(size=(5, 2))
    with pytest.raises(ValueError, match="different numbers of samples"):
        mse(net, X, np.ones(4))
    with pytest.raises(ValueError, match="output"):
        mse(net, X, np.ones((5, 2)))
    with pytest.raises(ValueError, match="y.*NaN|NaN"):
        mse(net, X, [1, 2, np.nan, 4, 5])
    with pytest.raises(ValueError, match="kind"):
        loss_and_grad(net, X, np.ones(5), "huber")


@pytest.mark.parametrize("kind", ["mse", "mae"])
@pytest.mark.parametrize("sizes", [(2, 3, 1), (1, 5, 1), (4, 3, 2)])
@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_two_layer_fast_path_equals_general_path(rng, hidden, sizes, kind):
    # One hidden layer with a linear output takes Objective's specialised path;
    # it must compute what the layer-by-layer path computes.
    net = _net(rng, hidden, "linear", sizes)
    X = rng.normal(size=(40, sizes[0]))
    Y = rng.normal(size=(40, sizes[-1]))
    obj = Objective(X, Y, sizes, hidden, "linear", kind)
    assert obj._two_layer
    theta = net.to_flat()
    f_fast, g_fast = obj(theta)
    f_gen, g_gen = obj._general(theta)
    assert f_fast == pytest.approx(f_gen, rel=1e-13)
    assert obj.value(theta) == pytest.approx(f_gen, rel=1e-13)
    np.testing.assert_allclose(g_fast, g_gen, rtol=1e-11, atol=1e-14)
    # and against finite differences, independently of the general path
    num = approx_fprime(theta, obj.value, 1e-7)
    np.testing.assert_allclose(g_fast, num, rtol=1e-4, atol=1e-6)


def test_fast_path_only_for_two_layer_linear_output(rng):
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    assert Objective(X, Y, (2, 3, 1))._two_layer
    assert not Objective(X, Y, (2, 3, 1), output="relu")._two_layer
    assert not Objective(X, Y, (2, 3, 3, 1))._two_layer
    assert not Objective(X, Y, (2, 1), "linear")._two_layer


def test_two_layer_work_arrays_leave_values_unchanged_across_calls_copies_and_threads(rng):
    # The fast path reuses its (units x samples) arrays between calls (fresh ones cost
    # page faults at 200000 samples): a call must not see the previous call's values, a
    # copy sent to a joblib worker makes its own, and threads do not share them.
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    cloudpickle = pytest.importorskip("cloudpickle")

    X, Y = rng.normal(size=(300, 2)), rng.normal(size=(300, 1))
    obj = Objective(X, Y, (2, 4, 1))
    thetas = [rng.normal(size=17) for _ in range(8)]
    fresh = [Objective(X, Y, (2, 4, 1))(t) for t in thetas]  # each on new arrays
    for t, (f, g) in zip(thetas, fresh):
        f2, g2 = obj(t)
        assert f2 == f and np.array_equal(g2, g)
        assert obj.value(t) == f
    copy = pickle.loads(cloudpickle.dumps(obj))
    assert copy(thetas[0])[0] == fresh[0][0]
    with ThreadPoolExecutor(4) as pool:
        out = list(pool.map(obj, thetas * 20))
    for (f, g), (f0, g0) in zip(out, fresh * 20):
        assert f == f0 and np.array_equal(g, g0)

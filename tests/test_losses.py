import numpy as np
import pytest
from scipy.optimize import approx_fprime

from exactfit import ACTIVATIONS, Network, loss_and_grad, mae, mse


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
    with pytest.raises(ValueError, match="loss"):
        loss_and_grad(net, X, np.ones(5), "huber")

import numpy as np
import pytest

from exactfit import ACTIVATIONS, Network
from exactfit.activations import activation


def _net(rng, sizes=(2, 4, 3, 1), hidden="relu", output="linear"):
    Ws = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [rng.normal(size=b) for b in sizes[1:]]
    return Network(Ws, bs, hidden, output)


def test_predict_matches_manual_forward(rng):
    net = _net(rng)
    X = rng.normal(size=(7, 2))
    h1 = np.maximum(X @ net.weights[0] + net.biases[0], 0)
    h2 = np.maximum(h1 @ net.weights[1] + net.biases[1], 0)
    out = h2 @ net.weights[2] + net.biases[2]
    assert net.predict(X).shape == (7,)
    np.testing.assert_allclose(net.predict(X), out[:, 0], rtol=1e-12)
    pre = net.hidden_preactivations(X)
    np.testing.assert_allclose(pre[0], X @ net.weights[0] + net.biases[0])
    np.testing.assert_allclose(net.hidden_outputs(X)[1], h2)


def test_multi_output_shape(rng):
    net = _net(rng, sizes=(3, 5, 2))
    assert net.predict(rng.normal(size=(4, 3))).shape == (4, 2)


def test_flat_round_trip(rng):
    net = _net(rng, hidden="tanh", output="relu")
    theta = net.to_flat()
    assert theta.shape == (net.n_params,) == (2 * 4 + 4 + 4 * 3 + 3 + 3 + 1,)
    back = Network.from_flat(theta, net.layer_sizes, "tanh", "relu")
    assert back == net
    # Keras get_weights() order: W0, b0, W1, b1, ...
    np.testing.assert_array_equal(theta[:8], net.weights[0].ravel())
    np.testing.assert_array_equal(theta[8:12], net.biases[0])
    assert Network.from_dict(net.to_dict()) == net


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values(name):
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    ref = {"relu": np.maximum(z, 0), "leaky_relu": np.where(z > 0, z, 0.01 * z),
           "elu": np.where(z > 0, z, np.exp(z) - 1),
           "selu": 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * (np.exp(z) - 1)),
           "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z)), "softplus": np.log1p(np.exp(z)),
           "linear": z}[name]
    np.testing.assert_allclose(activation(name)(z), ref, rtol=1e-12, atol=1e-15)


def test_bad_inputs(rng):
    W, b = [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)]
    with pytest.raises(ValueError, match="hidden"):
        Network(W, b, hidden="swish")
    with pytest.raises(ValueError, match="biases\\[0\\]"):
        Network(W, [np.zeros(2), np.zeros(1)])
    with pytest.raises(ValueError, match="weights\\[1\\]"):
        Network([np.ones((2, 3)), np.ones((2, 1))], b)
    with pytest.raises(ValueError, match="NaN"):
        Network([np.full((2, 3), np.nan), np.ones((3, 1))], b)
    with pytest.raises(TypeError, match="weights must be a list"):
        Network(np.ones((2, 3)), np.zeros(3))
    net = Network(W, b)
    with pytest.raises(ValueError, match="features"):
        net.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="2-D"):
        net.predict(np.ones(4))
    with pytest.raises(ValueError, match="NaN|infinity"):
        net.predict([[np.nan, 1.0]])
    with pytest.raises(ValueError, match="empty"):
        net.predict(np.ones((0, 2)))
    with pytest.raises(ValueError, match="theta"):
        Network.from_flat(np.ones(5), (2, 3, 1))
    with pytest.raises(ValueError, match=">= 1"):
        Network.from_flat(np.ones(5), (2, 0, 1))

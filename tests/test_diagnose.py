import numpy as np
import pytest

from exactfit import Network, diagnose


@pytest.fixture
def X(rng):
    return rng.uniform(-1, 1, size=(500, 2))


def test_healthy_pyramid_has_no_findings(X):
    ang = np.deg2rad([0, 120, 240])
    net = Network([np.vstack([np.cos(ang), np.sin(ang)]), np.ones((3, 1))], [np.zeros(3), [0.0]])
    d = diagnose(net, X)
    assert d.healthy and d.reasons() == []
    np.testing.assert_allclose(d.active_fraction[0], np.mean(X @ net.weights[0] > 0, axis=0))


def test_planted_dead_collapsed_and_linear_units(X):
    W = np.array([[1.0, 0.0, 2.0, 0.3, 0.0],
                  [0.0, 1.0, 0.0, 0.2, 1.0]])
    b = np.array([0.0, 0.0, 0.0, -5.0, 3.0])  # unit 3 never active, unit 4 always active
    net = Network([W, np.ones((5, 1))], [b, [0.0]])
    d = diagnose(net, X)
    assert d.dead == [(0, 3)]
    assert d.collapsed == [(0, 0, 2)]  # same direction, different scale
    assert d.linear == [(0, 4)]
    assert d.reasons() == ["dead", "collapsed", "linear"]


def test_near_dead_and_second_layer(X):
    W1 = np.array([[1.0, 1.0], [0.0, 0.0]])
    b1 = np.array([-0.995, 0.0])  # active on ~0.25% of x in [-1, 1]
    W2 = np.array([[1.0, 0.0], [-1.0, 0.0]])
    net = Network([W1, W2, np.ones((2, 1))], [b1, [0.0, -1.0], [0.0]])
    d = diagnose(net, X)
    assert (0, 0) in d.near_dead
    assert (1, 1) in d.dead  # second hidden layer, unit 1: pre-activation -1 everywhere


def test_bad_arguments(X):
    net = Network([np.eye(2), np.ones((2, 1))], [np.zeros(2), [0.0]])
    with pytest.raises(ValueError, match="near_dead"):
        diagnose(net, X, near_dead=2)
    with pytest.raises(ValueError, match="features"):
        diagnose(net, np.ones((3, 3)))


def test_only_relu_units_can_be_dead(X):
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([-5.0, 0.0])  # unit 0 negative on every sample
    tanh = diagnose(Network([W, np.ones((2, 1))], [b, [0.0]], hidden="tanh"), X)
    assert tanh.dead == [] and tanh.linear == [] and tanh.healthy
    leaky = diagnose(Network([W, np.ones((2, 1))], [b, [0.0]], hidden="leaky_relu"), X)
    assert leaky.dead == [] and leaky.linear == [(0, 0)]

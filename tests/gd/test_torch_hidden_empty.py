"""A network with no hidden layer (one Dense layer), as in the identity question."""

import numpy as np
import pytest

import exactfit
from exactfit._validation import check_hidden

torch = pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")
from exactfit.gd import KERAS_OPTIMIZERS, train_gd_many  # noqa: E402


@pytest.fixture
def data():
    rs = np.random.RandomState(0)
    return rs.randint(0, 17, size=(64, 5)).astype(float)


def test_batched_equals_one_at_a_time(data):
    kw = dict(hidden=(), output="relu", optimizer="rmsprop", epochs=3, batch_size=16,
              dtype="float64", progress=False)
    batch = train_gd_many(data, data, seeds=[0, 1, 2], **kw)
    for r in batch:
        alone = train_gd_many(data, data, seeds=[r.random_state], **kw)[0]
        np.testing.assert_allclose(r.network.to_flat(), alone.network.to_flat(), rtol=1e-10,
                                   atol=1e-12)
    assert batch[0].network.layer_sizes == (5, 5)


def test_one_rmsprop_step_is_keras_formula(data):
    """Full batch, one step of Keras 3's RMSprop: v = rho v + (1-rho) g^2; w -= lr g / sqrt(v + eps)."""
    X = data[:8]
    r = train_gd_many(X, X, seeds=[3], hidden=(), output="linear", optimizer="rmsprop",
                      epochs=1, batch_size=8, dtype="float64", progress=False,
                      loss_curve=False)[0]
    # The Glorot start that seed 3 draws: the same run with a zero learning rate.
    start = train_gd_many(X, X, seeds=[3], hidden=(), output="linear", optimizer="rmsprop",
                          epochs=1, batch_size=8, learning_rate=0.0, dtype="float64",
                          progress=False, loss_curve=False)[0].network
    f, g = exactfit.loss_and_grad(start, X, X)
    hp = KERAS_OPTIMIZERS["rmsprop"]
    v = (1 - hp["rho"]) * g ** 2
    expected = start.to_flat() - hp["learning_rate"] * g / np.sqrt(v + hp["epsilon"])
    np.testing.assert_allclose(r.network.to_flat(), expected, rtol=1e-9, atol=1e-12)


def test_relu_layer_learns_nonnegative_identity(data):
    r = train_gd_many(data, data, seeds=[0], hidden=(), output="relu", optimizer="adam",
                      epochs=200, batch_size=16, progress=False)[0]
    start = train_gd_many(data, data, seeds=[0], hidden=(), output="relu", optimizer="adam",
                          epochs=1, learning_rate=0.0, progress=False)[0]
    assert r.loss < 0.5 * start.loss


def test_dropout_needs_a_hidden_layer(data):
    with pytest.raises(ValueError, match="dropout"):
        train_gd_many(data, data, seeds=[0], hidden=(), dropout=0.1, progress=False)


def test_task_accepts_no_hidden_layer_but_fit_global_does_not(data):
    t = exactfit.tasks.Task("one-layer", data, data, hidden=())
    assert t.hidden == ()
    with pytest.raises(ValueError, match="hidden"):
        check_hidden((), "hidden")
    assert exactfit.tasks.fir().hidden == ()

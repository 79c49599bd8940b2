"""No hidden layer (``hidden=()``: one Dense layer) in the torch trainer.

The identity question's ``Sequential([Dense(784, activation='relu')])``.
"""

import importlib.util
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")

import exactfit  # noqa: E402
from exactfit import loss_and_grad, mse  # noqa: E402
from exactfit.gd import KERAS_OPTIMIZERS, train_gd_many, train_torch  # noqa: E402


def _load_sibling(name):
    # pytest runs with --import-mode=importlib (tests/ is not on sys.path)
    path = pathlib.Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_exactfit_tests_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Helpers of tests/gd/test_torch.py: the trainer's initial network (one SGD epoch
# at learning rate 0) and Keras 3's update rules written out in numpy.
_ref = _load_sibling("test_torch")
_initial, _keras_reference = _ref._initial, _ref._keras_reference


def _pixels(n=64, d=5, seed=0):
    """Nonnegative integer 'pixels', raw 0..16 scale like scikit-learn's digits."""
    return np.random.RandomState(seed).randint(0, 17, size=(n, d)).astype(float)


# d = 5: the per-input loop and broadcast products; d = 12: the einsum path that
# 784-wide layers take (n_in > 8 and n_in * n_out > 32).
@pytest.mark.parametrize("d", [5, 12])
def test_batched_equals_one_at_a_time(d):
    X = _pixels(d=d)
    kw = dict(hidden=(), output="relu", optimizer="rmsprop", epochs=3, batch_size=16,
              dtype="float64", progress=False)
    seeds = [0, 1, 99991]
    batched = train_gd_many(X, X, seeds=seeds, **kw)
    for s, rb in zip(seeds, batched):
        alone = train_gd_many(X, X, seeds=[s], **kw)[0]
        np.testing.assert_allclose(rb.network.to_flat(), alone.network.to_flat(),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(rb.loss_curve, alone.loss_curve, rtol=1e-10)
        assert rb.random_state == s
        assert rb.network.layer_sizes == (d, d)
        assert len(rb.network.weights) == 1 and rb.network.output == "relu"
    assert not np.allclose(batched[0].network.to_flat(), batched[1].network.to_flat())


def test_initial_layer_is_glorot_uniform_with_zero_bias():
    X = _pixels(d=12)
    nets = [_initial(X, X[:, :3], s, hidden=()) for s in range(50)]
    W = np.stack([n.weights[0] for n in nets])
    limit = np.sqrt(6.0 / (12 + 3))
    assert W.shape == (50, 12, 3)
    assert np.all(np.abs(W) <= limit) and np.abs(W).max() > 0.9 * limit
    assert all(np.all(n.biases[0] == 0) for n in nets)


def test_one_rmsprop_step_is_keras_formula():
    """Full batch, one step of Keras 3's RMSprop, by hand:
    v = (1 - rho) g^2 (v starts at 0); w <- w - lr g / sqrt(v + eps)."""
    X = _pixels(n=8)
    kw = dict(hidden=(), output="linear", batch_size=8)
    start = _initial(X, X, 3, **kw)
    r = train_gd_many(X, X, seeds=[3], optimizer="rmsprop", epochs=1, dtype="float64",
                      progress=False, loss_curve=False, **kw)[0]
    _, g = loss_and_grad(start, X, X)
    hp = KERAS_OPTIMIZERS["rmsprop"]
    v = (1 - hp["rho"]) * g ** 2
    expected = start.to_flat() - hp["learning_rate"] * g / np.sqrt(v + hp["epsilon"])
    np.testing.assert_allclose(r.network.to_flat(), expected, rtol=1e-9, atol=1e-12)
    assert not np.allclose(r.network.to_flat(), start.to_flat())


@pytest.mark.parametrize("d", [5, 12])
@pytest.mark.parametrize("name", ["rmsprop", "adam"])
def test_several_steps_match_keras_reference(name, d):
    # ReLU output, several full-batch steps, against tests/gd/test_torch.py's numpy
    # Keras reference driven by exactfit.loss_and_grad.
    X = _pixels(n=10, d=d, seed=1)
    kw = dict(hidden=(), output="relu", batch_size=10)
    net0 = _initial(X, X, 4, **kw)
    lr = 0.01
    res = train_gd_many(X, X, seeds=[4], optimizer=name, learning_rate=lr, epochs=5,
                        progress=False, dtype="float64", **kw)[0]
    ref = _keras_reference(name, net0.to_flat(),
                           lambda th: loss_and_grad(net0.with_flat(th), X, X)[1], 5, lr,
                           KERAS_OPTIMIZERS[name])
    np.testing.assert_allclose(res.network.to_flat(), ref, rtol=1e-9, atol=1e-12)


def test_relu_layer_learns_nonnegative_identity():
    X = _pixels()
    r = train_gd_many(X, X, seeds=[0], hidden=(), output="relu", optimizer="adam",
                      learning_rate=0.01, epochs=200, batch_size=16, progress=False)[0]
    start = mse(_initial(X, X, 0, hidden=(), output="relu"), X, X)
    assert r.loss == pytest.approx(mse(r.network, X, X), rel=1e-12)
    assert r.loss < 1e-3 * start
    # it heads for the construction W = I, b = 0
    W0 = _initial(X, X, 0, hidden=(), output="relu").weights[0]
    eye = np.eye(X.shape[1])
    assert np.abs(r.network.weights[0] - eye).max() < np.abs(W0 - eye).max()


def test_train_torch_and_train_gd_accept_no_hidden_layer():
    X = _pixels(n=20)
    a = train_torch(X, X, hidden=(), output="relu", optimizer="rmsprop", epochs=2,
                    random_state=5, dtype="float64")
    b = exactfit.train_gd(X, X, hidden=[], output="relu", optimizer="rmsprop",
                          backend="torch", epochs=2, random_state=5, dtype="float64")
    c = train_gd_many(X, X, seeds=[5], hidden=(), output="relu", optimizer="rmsprop",
                      epochs=2, dtype="float64", progress=False)[0]
    np.testing.assert_array_equal(a.network.to_flat(), c.network.to_flat())
    np.testing.assert_array_equal(b.network.to_flat(), c.network.to_flat())
    assert a.network.layer_sizes == (5, 5)


@pytest.mark.parametrize("trainer", ["many", "one"])
def test_dropout_needs_a_hidden_layer(trainer):
    X = _pixels(n=20)
    with pytest.raises(ValueError, match=r"dropout=0\.1.*hidden=\(\)"):
        if trainer == "many":
            train_gd_many(X, X, seeds=[0], hidden=(), dropout=0.1, progress=False)
        else:
            train_torch(X, X, hidden=(), dropout=0.1, epochs=1)
    # dropout=0 (the default) is fine
    assert train_torch(X, X, hidden=(), dropout=0.0, epochs=1).success

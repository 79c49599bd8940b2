"""The torch trainer's loss curves: the full-data loss per epoch, and Keras's history.

``loss_curve="batch_mean"`` must be exactly Keras's ``history.history["loss"]``:
the loss of every mini-batch as it was trained on, averaged over the epoch with
the batch sizes as weights. Checked against a plain numpy replay of the Keras
protocol (per-seed shuffle stream, mini-batch SGD steps with exactfit's
gradients).
"""

import importlib.util
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")

from exactfit import loss, loss_and_grad  # noqa: E402
from exactfit.gd import train_gd_many  # noqa: E402


def _load_sibling(name):
    # pytest runs with --import-mode=importlib (tests/ is not on sys.path)
    path = pathlib.Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_exactfit_tests_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ref = _load_sibling("test_torch")
_data, _initial = _ref._data, _ref._initial


def _keras_replay(X, y, seed, kind, epochs, batch_size, lr, **kw):
    """Mini-batch SGD of the Keras protocol in numpy, for one seed.

    Returns the final network and, per epoch, the batch-size-weighted mean of
    the mini-batch losses (each computed before its batch's update).
    """
    net = _initial(X, y, seed, **kw)
    shuffle_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[1])
    N = len(X)
    history = []
    for _ in range(epochs):
        perm = shuffle_rng.permutation(N)
        total = 0.0
        for s in range(0, N, batch_size):
            idx = perm[s:s + batch_size]
            value, g = loss_and_grad(net, X[idx], y[idx], kind)
            total += value * len(idx)
            net = net.with_flat(net.to_flat() - lr * g)
        history.append(total / N)
    return net, np.array(history)


@pytest.mark.parametrize("kind", ["mse", "mae"])
@pytest.mark.parametrize("n_out", [1, 2])
def test_batch_mean_is_kerass_history(kind, n_out):
    # 50 samples in batches of 16: the last batch has 2, so the weighting shows
    X, y = _data(n=50, d=2, n_out=n_out, seed=3)
    kw = dict(hidden=(4,))
    lr, epochs = 0.05, 4
    res = train_gd_many(X, y, seeds=[0, 5], optimizer="sgd", learning_rate=lr, epochs=epochs,
                        batch_size=16, loss=kind, loss_curve="batch_mean", progress=False,
                        dtype="float64", **kw)
    for seed, r in zip([0, 5], res):
        net, history = _keras_replay(X, y, seed, kind, epochs, 16, lr, **kw)
        np.testing.assert_allclose(r.network.to_flat(), net.to_flat(), rtol=1e-9, atol=1e-12)
        assert r.loss_curve.shape == (epochs,)
        np.testing.assert_allclose(r.loss_curve, history, rtol=1e-10)


def test_batch_mean_is_not_the_unweighted_mean_of_batch_losses():
    # guards the weighting: with a last batch of 2 out of 50 the two means differ
    X, y = _data(n=50, d=2, seed=3)
    net = _initial(X, y, 0, hidden=(4,))
    perm = np.random.default_rng(np.random.SeedSequence(0).spawn(3)[1]).permutation(50)
    batch_losses = [loss(net, X[perm[s:s + 16]], y[perm[s:s + 16]]) for s in range(0, 50, 16)]
    r = train_gd_many(X, y, seeds=[0], optimizer="sgd", learning_rate=0.0, epochs=1,
                      batch_size=16, hidden=(4,), loss_curve="batch_mean", progress=False,
                      dtype="float64")[0]
    weighted = np.average(batch_losses, weights=[16, 16, 16, 2])
    assert r.loss_curve[0] == pytest.approx(weighted, rel=1e-12)
    assert abs(weighted - np.mean(batch_losses)) > 1e-6 * weighted
    # with learning rate 0 it is the loss of the initial network on all the data
    assert r.loss_curve[0] == pytest.approx(loss(net, X, y), rel=1e-12)


@pytest.mark.parametrize("kind", ["mse", "mae"])
def test_full_curve_is_the_full_data_loss_after_each_epoch(kind):
    X, y = _data(n=40, d=2, n_out=2, seed=2)
    kw = dict(seeds=[3, 4], hidden=(5,), optimizer="adam", learning_rate=0.02, batch_size=8,
              loss=kind, progress=False, dtype="float64")
    full = train_gd_many(X, y, epochs=3, loss_curve="full", **kw)
    assert all(np.array_equal(a.loss_curve, b.loss_curve)
               for a, b in zip(full, train_gd_many(X, y, epochs=3, loss_curve=True, **kw)))
    for epochs in (1, 2, 3):
        for r3, r in zip(full, train_gd_many(X, y, epochs=epochs, loss_curve=False, **kw)):
            assert r.get("loss_curve") is None
            assert r3.loss_curve[epochs - 1] == pytest.approx(loss(r.network, X, y, kind),
                                                              rel=1e-12)


def test_batch_mean_batched_equals_one_at_a_time_with_dropout():
    X, y = _data(n=50, d=2)
    kw = dict(hidden=4, optimizer="adam", dropout=0.3, epochs=5, batch_size=16,
              loss_curve="batch_mean", progress=False, dtype="float64")
    seeds = [0, 7, 123]
    batched = train_gd_many(X, y, seeds=seeds, **kw)
    for s, rb in zip(seeds, batched):
        alone = train_gd_many(X, y, seeds=[s], **kw)[0]
        np.testing.assert_allclose(rb.loss_curve, alone.loss_curve, rtol=1e-10)
        np.testing.assert_allclose(rb.network.to_flat(), alone.network.to_flat(),
                                   rtol=1e-10, atol=1e-12)
    # dropout is on while the batch losses are recorded: not the full-data curve
    full = train_gd_many(X, y, seeds=seeds[:1], **{**kw, "loss_curve": "full"})[0]
    np.testing.assert_array_equal(full.network.to_flat(), batched[0].network.to_flat())
    assert not np.allclose(full.loss_curve, batched[0].loss_curve)


@pytest.mark.parametrize("bad", ["batch", "Full", "none", 2, 0.5, [True]])
def test_bad_loss_curve_names_the_argument(bad):
    X, y = _data(n=6)
    with pytest.raises(ValueError, match="loss_curve"):
        train_gd_many(X, y, seeds=[0], epochs=1, loss_curve=bad, progress=False)

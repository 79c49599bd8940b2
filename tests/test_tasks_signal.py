import numpy as np
import pytest

from exactfit import tasks


def test_fir_pairs_match_convolution_and_matrix():
    taps = np.array([0.5, -1.0, 2.0])
    t = tasks.fir(taps=taps, length=10, n_samples=7, random_state=0)
    assert t.X.shape == (7, 10) and t.y.shape == (7, 8) and t.hidden == ()
    # independent: direct sum y[i] = sum_j taps[j] x[i + 2 - j]
    x = t.X[0]
    direct = [sum(taps[j] * x[i + 2 - j] for j in range(3)) for i in range(8)]
    np.testing.assert_allclose(t.y[0], direct, atol=1e-12)
    np.testing.assert_allclose(t.X @ t.meta["matrix"], t.y, atol=1e-12)


def test_fir_reproducible_and_default_taps():
    a, b = tasks.fir(random_state=5), tasks.fir(random_state=5)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.meta["taps"], b.meta["taps"])
    assert a.meta["taps"].size == 16 and a.X.shape == (256, 64)


@pytest.mark.parametrize("onesided", [False, True])
def test_dft_pairs(onesided):
    t = tasks.dft(length=8, n_samples=5, onesided=onesided)
    nb = 5 if onesided else 8
    assert t.y.shape == (5, 2 * nb)
    # independent: the DFT sum from its definition
    n = np.arange(8)
    for row, x in zip(t.y, t.X):
        Xk = np.array([np.sum(x * np.exp(-2j * np.pi * k * n / 8)) for k in range(nb)])
        np.testing.assert_allclose(row, np.r_[Xk.real, Xk.imag], atol=1e-12)
    np.testing.assert_allclose(t.X @ t.meta["matrix"], t.y, atol=1e-12)


def test_amplitude_spectrum_task():
    t = tasks.amplitude_spectrum(length=16, n_samples=50, units_per_bin=5)
    assert t.hidden == (45,) and t.y.shape == (50, 9)
    np.testing.assert_allclose(t.y, np.abs(np.fft.fft(t.X, axis=1))[:, :9], atol=1e-12)


def test_lookup_task():
    t = tasks.lookup(10, 20, hidden=8)
    assert t.X.tolist() == [[0.0], [1.0]] and t.y.tolist() == [10.0, 20.0]
    assert t.hidden == (8,)
    with pytest.raises(ValueError, match="t2"):
        tasks.lookup(1, np.nan)


@pytest.mark.parametrize("depth", [1, 4])
def test_identity_task(depth):
    t = tasks.identity("digits", depth=depth)
    assert np.array_equal(t.X, t.y) and t.X.min() >= 0 and t.X.max() <= 16
    assert t.hidden == (64,) * (depth - 1) and t.output == "relu"
    assert t.meta["X_test"].shape[1] == 64
    r = tasks.identity("random", n_samples=30, n_features=7)
    assert r.X.shape == (30, 7) and r.X.max() <= 255 and np.all(r.X == np.round(r.X))


@pytest.mark.parametrize("fn, kwargs, match", [
    (tasks.fir, dict(taps=[]), "taps"),
    (tasks.fir, dict(n_taps=20, length=10), "length"),
    (tasks.fir, dict(mode="circular"), "mode"),
    (tasks.fir, dict(length=0), "length"),
    (tasks.dft, dict(length=0), "length"),
    (tasks.dft, dict(n_samples=0), "n_samples"),
    (tasks.amplitude_spectrum, dict(units_per_bin=0), "units_per_bin"),
    (tasks.identity, dict(data="cifar"), "data"),
])
def test_bad_input(fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(**kwargs)

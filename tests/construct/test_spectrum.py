import numpy as np
import pytest

from exactfit import mse
from exactfit.construct import amplitude_spectrum, dft_matrix, polygon_gain


@pytest.mark.parametrize("n", [1, 2, 7, 16])
@pytest.mark.parametrize("onesided", [True, False])
def test_dft_matrix_matches_numpy_fft(n, onesided):
    x = np.random.RandomState(n).standard_normal((20, n))
    C, S = dft_matrix(n, onesided=onesided)
    F = np.fft.rfft(x, axis=1) if onesided else np.fft.fft(x, axis=1)
    np.testing.assert_allclose(x @ C, F.real, atol=1e-12 * n)
    np.testing.assert_allclose(x @ S, F.imag, atol=1e-12 * n)


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 6, 7, 9])
def test_polygon_gain_against_dense_grid(m):
    gmin, gmax = polygon_gain(m)
    theta = 2 * np.pi * np.arange(m) / m
    phi = np.linspace(0, 2 * np.pi, 200_001)
    g = np.maximum(np.cos(theta[None, :] - phi[:, None]), 0).sum(axis=1)
    # exact extremes bracket every sampled value and are attained to grid resolution
    assert g.min() >= gmin - 1e-12 and g.max() <= gmax + 1e-12
    assert g.min() - gmin < 1e-8 and gmax - g.max() < 1e-8
    if m % 2 == 1 and m > 1:  # a 2m-gon: the ratio is cos(pi / (2m))
        assert gmin / gmax == pytest.approx(np.cos(np.pi / (2 * m)), rel=1e-12)


def _independent_forward(x, m, c_complex, c_real):
    # the construction recomputed from numpy's FFT: bin phasors projected on m directions
    Z = np.fft.rfft(x, axis=1)
    theta = 2 * np.pi * np.arange(m) / m
    h = np.maximum(Z.real[..., None] * np.cos(theta) + Z.imag[..., None] * np.sin(theta), 0)
    c = np.full(Z.shape[1], c_complex)
    c[0] = c_real
    if x.shape[1] % 2 == 0:
        c[-1] = c_real
    return h.sum(axis=2) * c


@pytest.mark.parametrize("n", [8, 15, 16])
@pytest.mark.parametrize("m", [3, 5, 7])
def test_minimax_network_and_error_bound(n, m):
    X = np.random.RandomState(0).standard_normal((2000, n))
    A = np.abs(np.fft.rfft(X, axis=1))
    res = amplitude_spectrum(n, units_per_bin=m, X=X)
    net = res.network
    assert net.layer_sizes == (n, m * (n // 2 + 1), n // 2 + 1)
    gmin, gmax = polygon_gain(m)
    g0 = np.maximum(np.cos(2 * np.pi * np.arange(m) / m), 0).sum()
    P = _independent_forward(X, m, 2 / (gmin + gmax), 1 / g0)
    np.testing.assert_allclose(net.predict(X), P, rtol=1e-10, atol=1e-10)
    bound = np.tan(np.pi / (4 * m)) ** 2
    assert res.error_bound == pytest.approx(bound, rel=1e-10)
    rel = np.abs(net.predict(X) - A) / A
    assert rel.max() <= bound * (1 + 1e-9)
    # many random phases come close to the worst case
    assert rel.max() > 0.9 * bound
    assert res.max_relative_error == pytest.approx(rel.max())
    assert res.relative_error == pytest.approx(np.linalg.norm(net.predict(X) - A)
                                               / np.linalg.norm(A))
    assert res.loss == pytest.approx(np.mean((net.predict(X) - A) ** 2))


def test_error_shrinks_with_more_units_and_even_is_worse():
    bounds = {m: amplitude_spectrum(16, m).error_bound for m in range(2, 10)}
    odd = [bounds[m] for m in (3, 5, 7, 9)]
    assert all(a > b for a, b in zip(odd, odd[1:]))
    assert bounds[4] > bounds[3] and bounds[6] > bounds[5]


def test_lstsq_output_layer_not_worse_than_minimax():
    rs = np.random.RandomState(1)
    X = rs.standard_normal((1500, 16))
    A = np.abs(np.fft.rfft(X, axis=1))
    mm = amplitude_spectrum(16, 3, X=X)
    ls = amplitude_spectrum(16, 3, output_weights="lstsq", X=X)
    # least squares minimises exactly this MSE over the output layer
    assert ls.loss <= mm.loss
    assert ls.loss == pytest.approx(mse(ls.network, X, A))
    np.testing.assert_allclose(ls.network.weights[0], mm.network.weights[0])


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_samples=0), ValueError, "n_samples"),
    (dict(n_samples=8, units_per_bin=0), ValueError, "units_per_bin"),
    (dict(n_samples=8, output_weights="lstsq"), ValueError, "needs the signals X"),
    (dict(n_samples=8, output_weights="magic"), ValueError, "output_weights"),
    (dict(n_samples=8, X=np.ones((3, 5))), ValueError, "samples per signal"),
    (dict(n_samples=2, X=[[np.inf, 1.0]]), ValueError, "X"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        amplitude_spectrum(**kwargs)

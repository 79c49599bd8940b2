import numpy as np
import pytest

from exactfit import mse
from exactfit.construct import linear_lstsq
from exactfit.tasks import dft, fir

# Random Gaussian signals with 4x more samples than unknowns give a design matrix
# of condition number ~3, so least squares recovers a matrix to ~1e-14 per entry.
ATOL = 1e-11


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_fir_taps_recovered_to_machine_precision(mode):
    task = fir(n_taps=16, length=64, mode=mode, random_state=3)
    res = linear_lstsq(task.X, task.y)
    W, b = res.network.weights[0], res.network.biases[0]
    np.testing.assert_allclose(W, task.meta["matrix"], rtol=0, atol=ATOL)
    np.testing.assert_allclose(b, 0, atol=ATOL)
    # the taps themselves: column j of the valid-mode matrix holds the reversed taps
    if mode == "valid":
        np.testing.assert_allclose(W[:16, 0], task.meta["taps"][::-1], atol=ATOL)
    assert res.loss < ATOL ** 2
    assert res.loss == mse(res.network, task.X, task.y)


@pytest.mark.parametrize("onesided", [False, True])
def test_dft_matrix_recovered_to_machine_precision(onesided):
    task = dft(length=64, onesided=onesided, random_state=4)
    res = linear_lstsq(task.X, task.y)
    # the true DFT matrix written independently from its definition exp(-2 pi i k n / N)
    n = np.arange(64)
    k = np.arange(33 if onesided else 64)
    F = np.exp(-2j * np.pi * np.outer(n, k) / 64)
    np.testing.assert_allclose(res.network.weights[0], np.hstack([F.real, F.imag]),
                               rtol=0, atol=ATOL)
    np.testing.assert_allclose(res.network.biases[0], 0, atol=ATOL)
    assert res.evidence == "certified"


def test_underdetermined_gives_minimum_norm_exact_fit():
    rs = np.random.RandomState(0)
    X, Y = rs.standard_normal((5, 12)), rs.standard_normal((5, 2))
    res = linear_lstsq(X, Y, fit_intercept=False)
    W = res.network.weights[0]
    np.testing.assert_allclose(X @ W, Y, atol=1e-12)
    np.testing.assert_allclose(W, np.linalg.pinv(X) @ Y, atol=1e-12)


@pytest.mark.parametrize("X, Y, match", [
    (np.ones((4, 2)), np.ones(3), "different numbers of samples"),
    (np.ones(4), np.ones(4), "2-D"),
    ([[1.0, np.nan]], [1.0], "X"),
    (np.ones((2, 2)), [1.0, np.inf], "Y"),
])
def test_bad_input(X, Y, match):
    with pytest.raises(ValueError, match=match):
        linear_lstsq(X, Y)

"""Exact least squares for linear layers (and the output layer of any net)."""

import time

import numpy as np

from .._validation import check_data
from ..losses import mse
from ..network import Network
from ..result import FitResult

__all__ = ["linear_lstsq", "solve_affine"]


def solve_affine(H, Y, fit_intercept=True):
    """Minimum-norm least-squares ``(W, b)`` minimising ``||H @ W + b - Y||``.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    fit_intercept : bool

    Returns
    -------
    W : ndarray of shape (n_features, n_outputs)
    b : ndarray of shape (n_outputs,)
    """
    if fit_intercept:
        A = np.hstack([H, np.ones((H.shape[0], 1))])
        coef = np.linalg.lstsq(A, Y, rcond=None)[0]
        return coef[:-1], coef[-1]
    return np.linalg.lstsq(H, Y, rcond=None)[0], np.zeros(Y.shape[1])


def linear_lstsq(X, Y, fit_intercept=True):
    """The exact least-squares linear layer ``Y ~ X @ W + b`` (FIR taps, DFT matrix, ...).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    fit_intercept : bool, default=True

    Returns
    -------
    FitResult
        ``network`` is a one-layer linear :class:`~exactfit.Network` whose
        ``weights[0]`` is the recovered matrix (Keras layout, ``n_in x n_out``).
    """
    t0 = time.perf_counter()
    X, Y2 = check_data(X, Y, "X", "Y")
    W, b = solve_affine(X, Y2, fit_intercept)
    net = Network([W], [b], hidden="linear", output="linear")
    return FitResult(network=net, loss=mse(net, X, Y2), method="construct:linear_lstsq",
                     message="least-squares solution (numpy.linalg.lstsq)",
                     evidence="certified", time=time.perf_counter() - t0)

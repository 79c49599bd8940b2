"""Exact least squares for linear layers (and the output layer of any net)."""

import time

import numpy as np

from .._validation import check_bool, check_data, check_memory
from ..losses import mse
from ..network import Network
from ..result import FitResult

__all__ = ["linear_lstsq", "solve_affine", "check_lstsq_size"]


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
    check_lstsq_size(H.shape[0], H.shape[1] + bool(fit_intercept), Y.shape[1],
                     "a least-squares solve")
    if fit_intercept:
        A = np.hstack([H, np.ones((H.shape[0], 1))])
        coef = np.linalg.lstsq(A, Y, rcond=None)[0]
        return coef[:-1], coef[-1]
    return np.linalg.lstsq(H, Y, rcond=None)[0], np.zeros(Y.shape[1])


def check_lstsq_size(n_rows, n_cols, n_rhs, what, hint="Use fewer units or samples."):
    """Refuse a least-squares problem that cannot fit in memory or in LAPACK's 32-bit
    indexing (numpy's ``lstsq`` crashes the process instead of raising then).

    ``numpy.linalg.lstsq`` (gelsd) holds the matrix, a copy, the right-hand side
    and a workspace of a few times the smaller dimension squared.
    """
    small = min(n_rows, n_cols)
    entries = float(n_rows) * n_cols
    n_bytes = 8 * (3 * entries + 2 * float(n_rows) * n_rhs + 4 * small * small)
    check_memory(n_bytes, f"{what} ({n_rows} x {n_cols} matrix)", hint,
                 lapack_entries=int(entries))


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
        ``evidence="certified"`` when the normal equations ``A^T (A coef - Y) = 0``
        hold to rounding (``||A^T r|| <= 1e-8 ||A|| (||A|| ||coef|| + ||r||)``,
        ``stationarity`` holds the left side), else ``"none"``.
    """
    t0 = time.perf_counter()
    X, Y2 = check_data(X, Y, "X", "Y")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    check_lstsq_size(X.shape[0], X.shape[1] + fit_intercept, Y2.shape[1],
                     "linear_lstsq(X, Y)", "Solve on fewer samples or features.")
    W, b = solve_affine(X, Y2, fit_intercept)
    net = Network([W], [b], hidden="linear", output="linear")
    # The certificate of a least-squares optimum: the normal equations A^T r = 0,
    # checked here to a backward-stable solver's rounding.
    A = np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X
    coef = np.vstack([W, b[None, :]]) if fit_intercept else W
    with np.errstate(all="ignore"):  # data near the ends of float64: no claim then
        R = A @ coef - Y2
        normA = np.linalg.norm(A)
        stationarity = float(np.linalg.norm(A.T @ R))
        bound = 1e-8 * normA * (normA * np.linalg.norm(coef) + np.linalg.norm(R))
    ok = bool(stationarity <= bound)  # False when either is NaN
    return FitResult(network=net, loss=mse(net, X, Y2), method="construct:linear_lstsq",
                     message="least-squares solution (numpy.linalg.lstsq); normal equations "
                             + (f"hold to rounding (||A^T r|| = {stationarity:.3g})" if ok else
                                f"violated beyond rounding (||A^T r|| = {stationarity:.3g} > "
                                f"{bound:.3g}): the data are too badly conditioned"),
                     evidence="certified" if ok else "none", stationarity=stationarity,
                     time=time.perf_counter() - t0)

"""Non-negative least squares that never crashes and never returns an unchecked answer.

``scipy.optimize.nnls`` (Lawson & Hanson's active-set method) solves each small
subproblem of the exact certificates in finitely many steps, exactly up to
round-off. Two of its failure modes matter here: with zero columns scipy 1.17
aborts the process ("free(): double free detected"), with zero rows it returns
uninitialised memory, and its reimplementations have returned non-optimal points
(scipy issues #21140, #25389). So :func:`nnls_checked` handles the empty cases
itself, recomputes the residual instead of trusting ``rnorm``, verifies the
Karush-Kuhn-Tucker conditions, and when they fail re-solves with the plain
Lawson-Hanson algorithm below, raising if that fails too.
"""

import math

import numpy as np
from scipy.optimize import nnls

__all__ = ["nnls_checked", "kkt_violation"]

# Relative KKT tolerance: the largest gradient entry that may remain on an inactive
# column (or on either side of an active one), relative to |A_j| times the size of
# the terms the residual is computed from, max(|b|, sum_j |A_j| x_j). Round-off on
# these small problems is ~1e-15 of that; a solver fault is far above. The sum
# matters for nearly parallel columns: a sample of spread 1e-6 around 5 gave
# x_j ~ 6e10 that cancel to |b| ~ 1.5, and the gradient's round-off (8e-6 of |b|,
# 1e-16 of the terms) is no fault.
_KKT_RTOL = 1e-7


def kkt_violation(A, b, x):
    """Largest relative violation of the NNLS optimality conditions at ``x``.

    For ``min |A x - b|^2`` subject to ``x >= 0`` the conditions are: ``x >= 0``,
    ``g = A^T (b - A x) <= 0``, and ``g_j = 0`` where ``x_j > 0``. Each
    violation is measured relative to ``|A_j| max(|b|, sum_i |A_i| |x_i|)`` (or to 1
    when that is 0): the scale of the round-off in the residual.
    """
    if A.shape[1] == 0:
        return 0.0
    r = b - A @ x
    g = A.T @ r
    na = np.sqrt(np.einsum("ij,ij->j", A, A))
    terms = float(na @ np.abs(x)) if np.all(np.isfinite(x)) else 0.0
    nb = max(math.sqrt(float(b @ b)), terms) or 1.0
    scale = nb * np.where(na > 0, na, 1.0)
    viol = np.where(x > 0, np.abs(g), np.maximum(g, 0.0)) / scale
    return float(max(viol.max(), (np.maximum(-x, 0.0) * na).max() / nb))


def nnls_checked(A, b, unit_columns=False, bnorm=None):
    """``argmin |A x - b|`` over ``x >= 0``, with its squared residual.

    Parameters
    ----------
    A : ndarray of shape (m, n)
    b : ndarray of shape (m,)
    unit_columns : bool, default=False
        The columns of A have norm 1 or 0 (skips computing their norms).
    bnorm : float, optional
        ``|b|`` if known (saves a reduction on the hot path).

    Returns
    -------
    x : ndarray of shape (n,)
    sse : float
        ``|A x - b|^2``, recomputed from ``x``.

    Raises
    ------
    RuntimeError
        When neither scipy's solver nor the fallback meets the KKT conditions.
    """
    m, n = A.shape
    if n == 0 or m == 0:
        return np.zeros(n), float(b @ b)
    try:
        x, _ = nnls(A, b)
    except (RuntimeError, ValueError):  # iteration limit or internal failure
        x = np.full(n, np.nan)
    r = b - A @ x
    if unit_columns:
        # Fast path of kkt_violation (same conditions; |A_j| = 1): the gradient
        # g = A^T r must be <= 0 everywhere and 0 where x > 0.
        g = A.T @ r
        worst = np.max(np.where(x > 0, np.abs(g), g))
        size = max(bnorm or math.sqrt(float(b @ b)), float(np.sum(x))) or 1.0
        ok = worst <= _KKT_RTOL * size  # False for NaN
    else:
        ok = np.all(np.isfinite(x)) and kkt_violation(A, b, x) <= _KKT_RTOL
    if not ok:
        x = _lawson_hanson(A, b)
        if kkt_violation(A, b, x) > _KKT_RTOL:
            raise RuntimeError(f"NNLS subproblem ({m} x {n}) could not be solved to the KKT "
                               f"tolerance {_KKT_RTOL} (violation "
                               f"{kkt_violation(A, b, x):.3g}).")
        r = b - A @ x
    return x, float(r @ r)


def _lawson_hanson(A, b):
    """Lawson & Hanson (1974), algorithm NNLS, in numpy: the reference fallback."""
    m, n = A.shape
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    tol = 10 * np.finfo(float).eps * np.abs(A).sum(axis=0).max() * max(m, n)
    w = A.T @ b
    for _ in range(3 * n + 10):
        if passive.all() or np.max(np.where(passive, -np.inf, w)) <= tol:
            break
        passive[int(np.argmax(np.where(passive, -np.inf, w)))] = True
        for _ in range(3 * n + 10):
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(A[:, passive], b, rcond=None)[0]
            if np.all(z[passive] > tol):
                break
            # Step from x towards z until the first passive variable reaches 0.
            hit = passive & (z <= tol)
            alpha = np.min(x[hit] / np.maximum(x[hit] - z[hit], 1e-300))
            x = x + alpha * (z - x)
            passive &= x > tol
            x[~passive] = 0.0
        x = np.where(passive, z, 0.0)
        w = A.T @ (b - A @ x)
    return np.maximum(x, 0.0)


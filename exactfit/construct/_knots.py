"""Free-knot least squares: ReLU units ``relu(s (v . x - t))`` along given directions.

The best-known networks for the curved zoo tasks (``x^2``, ``x1 * x2``). A unit is
fixed by its direction ``v`` (one of a few given), its orientation ``s = +-1`` and its
knot ``t``; for fixed units the output layer is exact least squares, so the loss is
a function of the knots alone (variable projection). Two steps lower it:

1. L-BFGS-B on the knot positions with the exact variable-projection gradient
   (orientations and directions fixed), kept only if it lowers the loss;
2. coordinate search: each unit in turn moves to the best (direction, orientation,
   knot) among every data position and every midpoint between neighbours, the
   others fixed, until a sweep changes nothing (every candidate is scored exactly by
   projecting it against the other units' span);

alternated until neither lowers the loss, once starting with each step.

Every step is accepted only when it lowers the loss, so the result is never worse
than its start; the callers use that to state a bound.
"""

import numpy as np
from scipy.optimize import minimize

from .._parallel import _controller

__all__ = []


def _columns(Z, dirs, knots, signs):
    return np.maximum(signs * (Z[:, dirs] - knots), 0.0)


def _sse(H, y):
    A = np.hstack([H, np.ones((H.shape[0], 1))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    r = A @ coef - y
    return float(r @ r), coef


class _Candidates:
    """Every (direction, orientation, knot) a unit may take, as data columns."""

    def __init__(self, Z):
        dirs, knots, signs = [], [], []
        for d in range(Z.shape[1]):
            u = np.unique(Z[:, d])
            t = np.sort(np.r_[u, (u[:-1] + u[1:]) / 2])
            for s in (1.0, -1.0):
                dirs.append(np.full(t.size, d))
                knots.append(t)
                signs.append(np.full(t.size, s))
        self.dirs = np.concatenate(dirs)
        self.knots = np.concatenate(knots)
        self.signs = np.concatenate(signs)
        self.H = _columns(Z, self.dirs, self.knots, self.signs)
        self.norm2 = np.einsum("ij,ij->j", self.H, self.H)

    def best(self, H_rest, y):
        """Index of the candidate that, added to ``H_rest`` (plus an intercept),
        leaves the smallest residual sum of squares, and that sum."""
        A = np.hstack([H_rest, np.ones((H_rest.shape[0], 1))])
        Q, R = np.linalg.qr(A)
        # drop directions the other units do not span (a repeated or empty unit)
        Q = Q[:, np.abs(np.diag(R)) > 1e-12 * max(1.0, np.abs(R).max())]
        r0 = y - Q @ (Q.T @ y)
        # a candidate h, projected off span(Q): h_perp . r0 = h . r0 (r0 is orthogonal to
        # Q) and |h_perp|^2 = |h|^2 - |Q^T h|^2; adding it removes (h . r0)^2 / |h_perp|^2
        G = Q.T @ self.H
        perp2 = self.norm2 - np.einsum("ij,ij->j", G, G)
        ok = perp2 > 1e-10 * self.norm2  # not (numerically) in the others' span
        gain = np.where(ok, (self.H.T @ r0) ** 2 / np.where(ok, perp2, 1.0), 0.0)
        j = int(np.argmax(gain))
        return j, float(r0 @ r0 - gain[j])


def _coordinate_search(Z, y, cand, dirs, knots, signs, max_sweeps=100):
    dirs, knots, signs = dirs.copy(), knots.copy(), signs.copy()
    sse = _sse(_columns(Z, dirs, knots, signs), y)[0]
    k = dirs.size
    for _ in range(max_sweeps):
        moved = False
        for j in range(k):
            rest = np.delete(np.arange(k), j)
            i, new = cand.best(_columns(Z, dirs[rest], knots[rest], signs[rest]), y)
            if new < sse * (1 - 1e-12) - 1e-300:
                dirs[j], knots[j], signs[j] = cand.dirs[i], cand.knots[i], cand.signs[i]
                # rescore exactly (the projection formula can differ by rounding)
                sse = _sse(_columns(Z, dirs, knots, signs), y)[0]
                moved = True
        if not moved:
            break
    return dirs, knots, signs, sse


def _polish(Z, y, dirs, knots, signs, sse):
    lo, hi = Z.min(axis=0)[dirs], Z.max(axis=0)[dirs]

    def fun(t):
        S = signs * (Z[:, dirs] - t)
        H = np.maximum(S, 0.0)
        value, coef = _sse(H, y)
        r = np.hstack([H, np.ones((H.shape[0], 1))]) @ coef - y
        # envelope theorem: d/dt_j min_c ||H c - y||^2 = 2 r . dH_j/dt_j c_j
        grad = 2.0 * coef[:-1] * ((r[:, None] * (-signs) * (S > 0)).sum(axis=0))
        return value, grad

    res = minimize(fun, knots, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)))
    if res.fun < sse:
        value = _sse(_columns(Z, dirs, res.x, signs), y)[0]
        if value < sse:
            return res.x, value
    return knots, sse


def free_knots(Z, y, starts):
    """The best free-knot network from several starts.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_directions)
        The data projected on each allowed direction.
    y : ndarray of shape (n_samples,)
    starts : list of (dirs, knots, signs)
        Integer direction indices, knots and orientations (+-1) of the units.

    Returns
    -------
    dirs, knots, signs : ndarray
        The units of the best result.
    coef : ndarray
        Output weights, then the output bias (exact least squares).
    sse : float
        Its residual sum of squares.
    start : int
        Index of the start it came from.
    """
    # the matrices are small: a multithreaded BLAS is ~10x slower on them when the
    # cores are busy (measured on the 2-core development machine)
    with _controller().limit(limits=1, user_api="blas"):
        return _free_knots(Z, y, starts)


def _free_knots(Z, y, starts):
    cand = _Candidates(Z)
    best = None
    for i, (d, t, s) in enumerate(starts):
        d, t, s = (np.asarray(d, dtype=int), np.asarray(t, dtype=float),
                   np.asarray(s, dtype=float))
        # alternate the continuous and the discrete step until neither lowers the loss,
        # once starting with each: L-BFGS first keeps the start's basin, the search
        # first may leave it (each wins on some data: 1.204e-4 against 1.230e-4 on the
        # default square task, the other way round elsewhere)
        for polish_first in (True, False):
            dd, tt, ss = d, t, s
            sse = _sse(_columns(Z, dd, tt, ss), y)[0]
            for r in range(20):
                before = sse
                if polish_first or r > 0:
                    tt, sse = _polish(Z, y, dd, tt, ss, sse)
                dd, tt, ss, sse = _coordinate_search(Z, y, cand, dd, tt, ss)
                tt, sse = _polish(Z, y, dd, tt, ss, sse)
                if sse >= before * (1 - 1e-12):
                    break
            if best is None or sse < best[3]:
                best = (dd, tt, ss, sse, i)
    d, t, s, _, i = best
    sse, coef = _sse(_columns(Z, d, t, s), y)
    return d, t, s, coef, sse, i

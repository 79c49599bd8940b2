"""The repulsion penalty: keeps the units of a hidden layer from collapsing onto one."""

import numpy as np

from ..network import unflatten

__all__ = ["repulsion_penalty", "penalised", "MAX_REPULSION_UNITS"]

#: Widest layer the search applies the penalty to (it builds a units x units matrix).
MAX_REPULSION_UNITS = 2000


def repulsion_penalty(theta, sizes):
    """``R = sum_{i<j} max(0, cos(v_i, v_j))^2`` over each hidden layer, and its gradient.

    ``v_i`` is unit i's incoming weights with its bias appended. Two units that
    point the same way (cosine 1) cost 1; orthogonal or opposite ones cost 0.

    Parameters
    ----------
    theta : ndarray
        Flat parameters (see :class:`exactfit.Network`).
    sizes : tuple of int
        Layer sizes.

    Returns
    -------
    value : float
    grad : ndarray, like `theta`

    Notes
    -----
    Costs ``units^2 (n_in + 1)`` operations and ``units^2`` floats per hidden
    layer: 32 MB for 2000 units. :func:`exactfit.fit_global` skips it for layers
    wider than :data:`MAX_REPULSION_UNITS`.
    """
    Ws, bs = unflatten(theta, sizes)
    grad = np.zeros_like(theta)
    gWs, gbs = unflatten(grad, sizes)
    total = 0.0
    for W, b, gW, gb in zip(Ws[:-1], bs[:-1], gWs[:-1], gbs[:-1]):
        V = np.vstack([W, b[None, :]]).T  # (units, n_in + 1)
        norms = np.sqrt(np.sum(V * V, axis=1)) + 1e-12
        Vn = V / norms[:, None]
        P = np.maximum(Vn @ Vn.T, 0.0)
        np.fill_diagonal(P, 0.0)
        total += 0.5 * np.sum(P * P)  # each unordered pair appears twice in P
        G = 2.0 * (P @ Vn)  # dR/dVn
        G = (G - np.sum(G * Vn, axis=1)[:, None] * Vn) / norms[:, None]
        gW += G[:, :-1].T
        gb += G[:, -1]
    return total, grad


def penalised(obj, sizes, lam):
    """``theta -> obj(theta) + lam * repulsion_penalty(theta)`` with its gradient."""
    def fun(theta):
        f, g = obj(theta)
        r, gr = repulsion_penalty(theta, sizes)
        return f + lam * r, g + lam * gr
    return fun

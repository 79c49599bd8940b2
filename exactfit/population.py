"""Closed-form population loss of bias-free two-layer ReLU networks on Gaussian inputs.

For ``x ~ N(0, I_d)`` and two directions ``u, w``, with ``t`` the angle between them,

    E[relu(u . x) relu(w . x)] = |u| |w| (sin t + (pi - t) cos t) / (2 pi)

(Cho & Saul's arc-cosine kernel of degree 1). A student ``f(x) = sum_j a_j relu(w_j
. x)`` and a teacher ``g(x) = sum_i c_i relu(v_i . x)`` therefore have the
population mean squared error

    E[(f - g)^2] = a' K(W, W) a - 2 a' K(W, V) c + c' K(V, V) c,

with ``K(U, W)_ij`` the expectation above: no sampling, no noise. This is the
objective of Safran & Shamir (2018), "Spurious local minima are common in
two-layer ReLU neural networks" (their ``objval.m`` is **half** of it, with unit
output weights), and :func:`exactfit.gd.safran_gd` minimises it.

The gradient with respect to a student direction ``w_j`` uses

    d/dw E[relu(u . x) relu(w . x)] = (|u| sin t  w / |w|  +  (pi - t) u) / (2 pi).

Weights are stored as in :class:`~exactfit.Network`: ``W`` of shape ``(d, n)``, one
column per hidden unit. A unit of zero norm outputs 0 and has no direction; it
is given the angle ``pi / 2`` to everything (kernel 0, gradient finite), a
convention: the loss is not differentiable there.
"""

import numpy as np

from ._validation import check_network

__all__ = ["relu_kernel", "population_mse", "population_mse_and_grad", "teacher_network",
           "network_directions", "teacher_coverage"]


def _as_matrix(W, name):
    try:
        W = np.asarray(W, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of shape (d, units); got "
                        f"{type(W).__name__}.") from None
    if W.ndim == 1:
        W = W[:, None]
    if W.ndim != 2 or W.shape[0] < 1:
        raise ValueError(f"{name} must have shape (d, units) (one column per unit); got "
                         f"shape {W.shape}.")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return W


def _weights(a, n, name):
    if a is None:
        return np.ones(n)
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    if a.shape != (n,):
        raise ValueError(f"{name} must hold one output weight per unit ({n}); got shape "
                         f"{a.shape}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return a


def _angles(U, W):
    """Norms of the columns of U and W and the angles between them (clipped cosines)."""
    nu, nw = np.linalg.norm(U, axis=0), np.linalg.norm(W, axis=0)
    Un = U / np.where(nu > 0, nu, 1.0)
    Wn = W / np.where(nw > 0, nw, 1.0)
    C = np.clip(Un.T @ Wn, -1.0, 1.0)
    # A zero column has no direction: any angle gives kernel 0; pi/2 keeps the
    # gradient formula finite and symmetric.
    C[nu == 0, :] = 0.0
    C[:, nw == 0] = 0.0
    return nu, nw, Wn, np.arccos(C)


def _h(t):
    return np.sin(t) + (np.pi - t) * np.cos(t)


def relu_kernel(U, W):
    """``E[relu(u_i . x) relu(w_j . x)]`` for ``x ~ N(0, I)``, all column pairs.

    Parameters
    ----------
    U : array-like of shape (d, m)
    W : array-like of shape (d, n)

    Returns
    -------
    ndarray of shape (m, n)
    """
    U, W = _as_matrix(U, "U"), _as_matrix(W, "W")
    if U.shape[0] != W.shape[0]:
        raise ValueError(f"U and W must have the same number of rows (input dimension); "
                         f"got {U.shape[0]} and {W.shape[0]}.")
    nu, nw, _, T = _angles(U, W)
    return np.outer(nu, nw) * _h(T) / (2 * np.pi)


def _check_pair(W, V, a, c):
    W = _as_matrix(W, "W")
    V = _as_matrix(V, "V")
    if V.shape[0] != W.shape[0]:
        raise ValueError(f"W and V must have the same number of rows (input dimension); "
                         f"got {W.shape[0]} and {V.shape[0]}.")
    return W, V, _weights(a, W.shape[1], "a"), _weights(c, V.shape[1], "c")


def population_mse(W, V, a=None, c=None):
    """``E[(sum_j a_j relu(w_j . x) - sum_i c_i relu(v_i . x))^2]``, ``x ~ N(0, I_d)``.

    Parameters
    ----------
    W : array-like of shape (d, n)
        Student directions, one column per hidden unit (``Network.weights[0]``).
    V : array-like of shape (d, k)
        Teacher directions.
    a : array-like of shape (n,), optional
        Student output weights (default all 1).
    c : array-like of shape (k,), optional
        Teacher output weights (default all 1).

    Returns
    -------
    float
        The population mean squared error (not halved; Safran & Shamir's
        objective is half of it).
    """
    W, V, a, c = _check_pair(W, V, a, c)
    return _mse(W, V, a, c)


def _mse(W, V, a, c):
    Kww = relu_kernel(W, W)
    Kwv = relu_kernel(W, V)
    Kvv = relu_kernel(V, V)
    val = a @ Kww @ a - 2 * a @ Kwv @ c + c @ Kvv @ c
    return max(float(val), 0.0)  # rounding can leave -1e-17 at the optimum


def population_mse_and_grad(W, V, a=None, c=None):
    """:func:`population_mse` and its gradient with respect to `W` and `a`.

    Returns
    -------
    value : float
    grad_W : ndarray of shape (d, n)
    grad_a : ndarray of shape (n,)
    """
    W, V, a, c = _check_pair(W, V, a, c)
    value = _mse(W, V, a, c)
    nw, _, Wn, T = _angles(W, W)
    nv, _, _, P = _angles(V, W)  # (k, n): angle between v_i and w_j
    # d E[relu(u.x) relu(w_j.x)] / d w_j = (|u| sin t w_j/|w_j| + (pi - t) u) / (2 pi);
    # the loss's W-W term counts each pair twice, which the 2 of the chain rule absorbs.
    coef_ww = a[:, None] * a[None, :]           # (n, n): a_i a_j
    coef_vw = c[:, None] * a[None, :]           # (k, n): c_i a_j
    gW = (Wn * ((nw * np.sin(T).T) @ a * a)[None, :] + W @ ((np.pi - T) * coef_ww)
          - Wn * ((nv[None, :] * np.sin(P).T) @ c * a)[None, :] - V @ ((np.pi - P) * coef_vw))
    gW *= 2.0 / (2 * np.pi)
    ga = 2.0 * (relu_kernel(W, W) @ a - relu_kernel(W, V) @ c)
    return value, gW, ga


def teacher_network(V, c=None):
    """The teacher ``x -> sum_i c_i relu(v_i . x)`` as a :class:`~exactfit.Network`
    (no biases): the exact construction, population loss 0 against itself."""
    from .network import Network

    V = _as_matrix(V, "V")
    c = _weights(c, V.shape[1], "c")
    return Network([V.copy(), c[:, None]], [np.zeros(V.shape[1]), np.zeros(1)])


def network_directions(network):
    """``(W, a)`` of a bias-free two-layer ReLU network with a linear output.

    Raises ValueError when the network has another shape, non-zero biases or
    another activation (the closed form needs all three).
    """
    net = check_network(network)
    if len(net.weights) != 2 or net.n_outputs != 1:
        raise ValueError(f"network must have one hidden layer and one output; got layer "
                         f"sizes {net.layer_sizes}.")
    if net.hidden != "relu" or net.output != "linear":
        raise ValueError(f"network must be relu -> linear; got {net.hidden!r} -> "
                         f"{net.output!r}.")
    if any(np.any(b != 0) for b in net.biases):
        raise ValueError("network has non-zero biases: the closed-form population loss "
                         "covers bias-free networks only (estimate it on fresh samples "
                         "instead).")
    return net.weights[0], net.weights[1][:, 0]


def teacher_coverage(W, V, cosine=0.9):
    """How a student's units sit against the teacher's: which teacher units it has.

    A teacher unit is *covered* by the student units whose direction has cosine
    at least `cosine` with it. At the global minimum every teacher unit is
    covered exactly once (``n = k``) or split between parallel units; the
    spurious minima of Safran & Shamir miss some teacher units, typically with
    one student unit pointing away from a missed unit and the others tilted
    towards it.

    Parameters
    ----------
    W : array-like of shape (d, n)
        Student directions (columns).
    V : array-like of shape (d, k)
        Teacher directions (columns).
    cosine : float, default=0.9

    Returns
    -------
    dict
        ``covered`` (teacher indices covered at least once), ``missed`` (the
        others), ``duplicated`` (covered by two or more student units),
        ``free_units`` (student units covering no teacher unit), ``opposed_units``
        (free units with cosine <= -0.5 to a missed teacher unit), ``cosines``
        (the ``(n, k)`` matrix), ``norms`` (student unit norms).
    """
    W, V = _as_matrix(W, "W"), _as_matrix(V, "V")
    if W.shape[0] != V.shape[0]:
        raise ValueError(f"W and V must have the same number of rows (input dimension); "
                         f"got {W.shape[0]} and {V.shape[0]}.")
    if not 0 < cosine <= 1:
        raise ValueError(f"cosine must be in (0, 1]; got {cosine!r}.")
    nw, _, _, T = _angles(W, V)  # T[j, i]: angle between student j and teacher i
    C = np.cos(T)
    hits = C >= cosine
    per_teacher = hits.sum(axis=0)
    covered = np.flatnonzero(per_teacher >= 1)
    missed = np.flatnonzero(per_teacher == 0)
    free = np.flatnonzero(~hits.any(axis=1))
    opposed = [int(j) for j in free if missed.size and C[j, missed].min() <= -0.5]
    return {"covered": covered.tolist(), "missed": missed.tolist(),
            "duplicated": np.flatnonzero(per_teacher >= 2).tolist(),
            "free_units": free.tolist(), "opposed_units": opposed, "cosines": C,
            "norms": nw}

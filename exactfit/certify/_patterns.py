"""Activation patterns of a ReLU layer on fixed data: exact enumeration and sampling.

A pattern is the 0/1 vector ``1[X @ w + b > 0]`` over the samples. The convex
program of :func:`~exactfit.certify.convex_relu` needs a set of them; when the
set holds every pattern any hyperplane can produce (the regions of the
hyperplane arrangement of the augmented data ``[X, 1]``), its certificate is
global over all networks.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["enumerate_patterns", "sample_patterns", "network_patterns", "augment"]

# Relative tolerance under which a point counts as lying on a hyperplane.
_ON_PLANE_RTOL = 1e-10


def augment(X):
    """``[X, 1]``: the column of ones turns biases into weights."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _as_pattern_matrix(patterns, n):
    """Deduplicated columns, all-zero column dropped, as a bool (n, P) array."""
    P = np.asarray(patterns, dtype=bool).reshape(n, -1)
    P = P[:, P.any(axis=0)]
    # Deduplicate on packed bytes (much faster than np.unique(axis=1) on bools).
    packed = np.packbits(P, axis=0).T
    _, idx = np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(),
                       return_index=True)
    return P[:, np.sort(idx)]


def _planar_signs(A2):
    """Every strict sign vector ``sign(A2 @ d)`` over directions d in the plane.

    A2 : (m, 2) nonzero rows. The lines ``a . d = 0`` cut the circle of
    directions into at most 2m arcs; one direction inside each arc gives its signs.
    """
    phi = np.arctan2(A2[:, 1], A2[:, 0])
    bounds = np.sort(np.mod(np.concatenate([phi + np.pi / 2, phi - np.pi / 2]), 2 * np.pi))
    bounds = bounds[np.concatenate([[True], np.diff(bounds) > 1e-12])]
    mids = (bounds + np.roll(bounds, -1)) / 2
    mids[-1] = (bounds[-1] + bounds[0] + 2 * np.pi) / 2  # the arc across 2*pi
    dirs = np.vstack([np.cos(mids), np.sin(mids)])  # (2, arcs)
    return A2 @ dirs > 0  # (m, arcs)


def enumerate_patterns(X):
    """All activation patterns of one ReLU unit (with bias) on 1-D or 2-D data.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), n_features <= 2

    Returns
    -------
    patterns : ndarray of bool, shape (n_samples, n_patterns)
        Every distinct nonzero vector ``1[X @ w + b > 0]`` over all ``(w, b)``.

    Notes
    -----
    The patterns are the regions of the central arrangement of the hyperplanes
    ``{u : a_i . u = 0}`` for the rows ``a_i`` of ``[X, 1]``. When these rows span
    R^3, every region is a pointed cone, so it touches a ray where two or more
    hyperplanes meet; the ray through rows i and j is ``a_i x a_j``. Around each
    such ray (and its opposite) the regions are the arcs of the planar arrangement
    of the rows lying on it, which :func:`_planar_signs` lists exactly, so no
    perturbation size has to be guessed. Rank 2 (collinear points, or 1-D data)
    is the planar case itself. Patterns ``1[z >= 0]`` add nothing: lowering the
    bias a little turns them into ``1[z > 0]`` patterns of this list. The count
    is ``n^2 - n + 2`` for points in general position.
    """
    Xa = augment(X)
    if Xa.shape[1] > 3:
        raise ValueError(f"exact pattern enumeration is implemented for 1-D and 2-D inputs; "
                         f"got X with {X.shape[1]} features. Use patterns='sample'.")
    A, inverse = np.unique(Xa, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    # Coordinates in the row space: rank 2 (1-D or collinear data) becomes planar.
    _, s, Vt = np.linalg.svd(A, full_matrices=False)
    rank = int(np.sum(s > s[0] * 1e-12))
    B = A @ Vt[:rank].T
    found = []
    if rank == 1:  # one distinct point: on or off
        found.append(np.ones((len(A), 1), dtype=bool))
    elif rank == 2:
        found.append(_planar_signs(B))
    else:
        norms = np.linalg.norm(B, axis=1)
        I, J = np.triu_indices(len(B), k=1)
        U = np.cross(B[I], B[J])
        U /= np.linalg.norm(U, axis=1, keepdims=True)
        Z = B @ U.T  # (points, rays)
        ON = np.abs(Z) <= _ON_PLANE_RTOL * norms[:, None]
        generic = ON.sum(axis=0) == 2
        # A ray through exactly two rows: the two planes cross, all 4 sign pairs occur.
        for sign in (1.0, -1.0):
            base = sign * Z[:, generic] > 0
            cols = np.arange(base.shape[1])
            for si, sj in ((False, False), (False, True), (True, False), (True, True)):
                P = base.copy()
                P[I[generic], cols] = si
                P[J[generic], cols] = sj
                found.append(P)
        seen = set()
        for r in np.flatnonzero(~generic):  # three or more rows on the ray
            on, z = ON[:, r], Z[:, r]
            key = on.tobytes()
            if key in seen:  # the same ray, met through another pair on it
                continue
            seen.add(key)
            # Orthonormal basis of the plane normal to the ray, and the on-ray rows in it.
            E = np.linalg.svd(U[r][None, :])[2][1:]
            local = _planar_signs(B[on] @ E.T)
            # Near -u the on-ray rows take the same local signs (a . u = 0).
            for sign in (1.0, -1.0):
                base = np.repeat((sign * z > 0)[:, None], local.shape[1], axis=1)
                base[on] = local
                found.append(base)
    P = np.hstack(found)
    return _as_pattern_matrix(P[inverse], len(Xa))


def sample_patterns(X, n_patterns, random_state=None):
    """Patterns of random hyperplanes, each through a random sample (deduplicated).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_patterns : int
        Number of gates drawn (fewer distinct patterns may result).
    random_state : int, RandomState or None

    Returns
    -------
    ndarray of bool, shape (n_samples, n_distinct)
    """
    rs = check_random_state(random_state)
    n, d = X.shape
    G = rs.normal(size=(d, n_patterns))
    # Boundaries through data points (jittered) cut the data, unlike random biases.
    anchors = X[rs.randint(n, size=n_patterns)]
    scale = np.std(X @ G, axis=0) + 1e-12
    b = -np.sum(anchors * G.T, axis=1) + 0.01 * scale * rs.normal(size=n_patterns)
    return _as_pattern_matrix(X @ G + b > 0, n)


def network_patterns(networks, X):
    """The first-hidden-layer patterns ``1[X @ W + b > 0]`` of the given networks."""
    cols = []
    for net in networks:
        net = getattr(net, "network", net)  # a FitResult or a Network
        if len(net.weights) != 2 or net.n_inputs != X.shape[1]:
            raise ValueError(f"networks must be two-layer networks with {X.shape[1]} inputs; "
                             f"got {net!r}.")
        cols.append(X @ net.weights[0] + net.biases[0] > 0)
    if not cols:
        return np.zeros((X.shape[0], 0), dtype=bool)
    return _as_pattern_matrix(np.hstack(cols), X.shape[0])

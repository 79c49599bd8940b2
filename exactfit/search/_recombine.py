"""Recombination: the best networks made of units that the search's minima already hold.

A one-hidden-layer ReLU network whose best basin is small is often missed by every
start although each of its units sits in some minimum the starts did reach: the
minima share units, and differ in which ones they combine. With the hyperplanes of
the units fixed, the output layer is a linear least-squares problem, so the best
`k` of a pool of units is a subset-selection problem (Miller 2002, "Subset
selection in regression"). It is solved here approximately by many random
subsets, each improved by exchanges (one unit swapped for the pool unit that most
lowers the residual sum of squares, until no exchange does; Fedorov's exchange
algorithm), all from one Gram matrix of the pool, so that an exchange costs
``O(pool k^2)`` operations whatever the number of samples. This is the crossover
of memetic algorithms (Moscato 1989) done exactly for the part of the network that
is linear.

Measured by hand on a random problem of ``benchmarks/fresh.py`` (seed 9118: a
316-point 2-D simplex sample, 5 units): after default calls had ended 1.6% and
0.13% above the best-known, the best recombinations of their minima's units, settled
by L-BFGS and the unit moves, were within 3e-4 of it, or below it. The check that
stays is ``python benchmarks/fresh.py`` (``--no-recombine`` runs the A/B twin).
"""

import numpy as np

from ..activations import activation
from ..network import n_params
from ._units import _first_layer

# Units in the pool (those of the lowest minima first), rows used to score subsets,
# random subsets improved by exchanges, and recombinations returned.
_POOL_UNITS, _POOL_ROWS, _SUBSETS, _KEEP = 1000, 1000, 200, 4
# Exchange sweeps per subset (each tries every position once); they rarely exceed 5.
_SWEEPS = 20
# Operations of one sweep over all subsets (subsets x k positions x k^2 x pool, the
# solves against the kept units' Gram block) are held to about this many (a fraction of a
# second): wide layers get fewer subsets, and none below _MIN_SUBSETS (a layer of about
# 40 units or more with a full pool: no recombination). Measured on a loaded 2-core
# machine, 1000 pool units: k = 20 with 200 subsets took 15 s.
_SWEEP_OPS, _MIN_SUBSETS = 5e8, 8


def unit_pool(pool, sizes, max_units=_POOL_UNITS):
    """Distinct hidden units of the minima in `pool` (``(theta, loss)`` pairs), lowest
    minima first: columns ``(w, b)`` of shape (d + 1, M) with ``|w| = 1``.

    Two units are the same when their normalised weights agree to 3 decimals (in the
    search's standardised coordinates); dead or zero units are skipped by the subset
    search (their columns vanish on the data).
    """
    cols, seen = [], set()
    for theta, _ in sorted(pool, key=lambda p: p[1]):
        W1, b1, _ = _first_layer(theta, sizes)
        norms = np.linalg.norm(W1, axis=0)
        for u in np.flatnonzero(norms > 0):
            w = np.append(W1[:, u], b1[u]) / norms[u]
            key = tuple(np.round(w, 3))
            if key not in seen:
                seen.add(key)
                cols.append(w)
                if len(cols) == max_units:
                    return np.array(cols).T
    return np.array(cols).T if cols else np.zeros((sizes[0] + 1, 0))


def affordable_subsets(k, pool):
    """Random subsets of `k` of `pool` units whose exchange sweeps stay within
    :data:`_SWEEP_OPS` operations; below :data:`_MIN_SUBSETS` there is no search."""
    return int(_SWEEP_OPS // (k ** 3 * (pool + 1)))


def best_subsets(H, Y, k, rs, n_subsets=_SUBSETS, keep=_KEEP):
    """The `keep` best distinct sets of `k` columns of `H` found by exchange descents.

    Parameters
    ----------
    H : ndarray of shape (n, M)
        Pool of unit outputs on the scoring rows.
    Y : ndarray of shape (n, m)
    k : int
    rs : RandomState
    n_subsets : int
        Random starting subsets, improved together (vectorised over them); fewer when
        a sweep would exceed about :data:`_SWEEP_OPS` operations, none (an empty
        list) when even :data:`_MIN_SUBSETS` would.

    Returns
    -------
    list of (ndarray of int, float)
        Column indices into `H` and the residual sum of squares of the
        least-squares fit of `Y` on those columns and a constant, best first.
    """
    n = len(H)
    norms = np.linalg.norm(H, axis=0)
    usable = np.flatnonzero(norms > 1e-9 * max(float(norms.max(initial=0.0)), 1e-300))
    if len(usable) < k:
        return []
    Hn = H[:, usable] / norms[usable]
    C = len(usable)
    n_subsets = min(n_subsets, affordable_subsets(k, C))
    if n_subsets < _MIN_SUBSETS:
        return []
    A = np.hstack([Hn, np.full((n, 1), 1.0 / np.sqrt(n))])  # the constant is column C
    G = A.T @ A
    c = A.T @ Y  # (C + 1, m)
    yy = float(np.sum(Y * Y))
    gdiag = np.diag(G)
    S = np.array([rs.choice(C, k, replace=False) for _ in range(n_subsets)])
    rss = np.array([_rss(G, c, yy, s, C) for s in S])
    active = np.ones(n_subsets, bool)
    for _ in range(_SWEEPS):
        moved = np.zeros(n_subsets, bool)
        for i in range(k):
            idx = np.flatnonzero(active)
            if not len(idx):
                break
            rest = np.hstack([np.delete(S[idx], i, axis=1), np.full((len(idx), 1), C)])
            Gs = G[rest[:, :, None], rest[:, None, :]]
            Gs += 1e-10 * np.eye(k)[None]
            B = G[rest]  # (R, k, C + 1): Gram rows of the kept columns
            coef = np.linalg.solve(Gs, c[rest])  # (R, k, m)
            X = np.linalg.solve(Gs, B)  # (R, k, C + 1)
            den = gdiag[None, :] - np.einsum("rkj,rkj->rj", B, X)
            num = np.sum((c[None] - np.einsum("rkj,rkm->rjm", B, coef)) ** 2, axis=2)
            base = yy - np.einsum("rkm,rkm->r", c[rest], coef)
            gain = np.where(den > 1e-9, num / np.maximum(den, 1e-300), -1.0)
            gain[:, C] = -1.0
            np.put_along_axis(gain, rest[:, :-1], -1.0, axis=1)
            j = np.argmax(gain, axis=1)
            new = base - gain[np.arange(len(idx)), j]
            better = new < rss[idx] * (1 - 1e-9)
            S[idx[better], i] = j[better]
            rss[idx[better]] = new[better]
            moved[idx[better]] = True
        active &= moved
        if not active.any():
            break
    out, seen = [], set()
    for r in np.argsort(rss):
        key = tuple(sorted(S[r]))
        if key not in seen:
            seen.add(key)
            out.append((usable[np.array(key)], float(rss[r])))
            if len(out) == keep:
                break
    return out


def _rss(G, c, yy, s, C):
    idx = np.append(s, C)
    Gs = G[np.ix_(idx, idx)] + 1e-10 * np.eye(len(idx))
    return yy - float(np.sum(c[idx] * np.linalg.solve(Gs, c[idx])))


def recombined(problem, pool, rs, keep=_KEEP):
    """Starting vectors for `problem` (one hidden ReLU or leaky-ReLU layer, MSE, linear
    output): the `keep` best subsets of the units of the minima in `pool`, output layer
    solved (:func:`best_of_units`)."""
    return best_of_units(problem, unit_pool(pool, problem.sizes), rs, keep)


def best_of_units(problem, W, rs, keep=_KEEP):
    """Starting vectors for `problem` made of the `keep` best subsets of its width `k`
    of the units `W` (columns ``(w, b)``, ``|w| = 1``), output layer solved; empty
    when `W` has no more than `k` units or no subset search is affordable.

    The subsets are scored on at most :data:`_POOL_ROWS` rows (random, from `rs`);
    the caller settles each vector by L-BFGS on the whole search sample.
    """
    k = problem.sizes[1]
    if W.shape[1] <= k:
        return []
    n = problem.n
    rows = np.sort(rs.choice(n, _POOL_ROWS, replace=False)) if n > _POOL_ROWS else slice(None)
    X = problem.X[rows]
    H = activation(problem.act)(X @ W[:-1] + W[-1])
    thetas = []
    for cols, _ in best_subsets(H, problem.Y[rows], k, rs, keep=keep):
        theta = np.zeros(n_params(problem.sizes))
        W1, b1, _ = _first_layer(theta, problem.sizes)
        W1[...], b1[...] = W[:-1, cols], W[-1, cols]
        thetas.append(problem.polish(theta))
    return thetas

"""The best ReLU unit for a residual, and the small unit-level algebra the moves share.

:func:`best_unit` finds the ReLU unit that best explains a residual given the
other units' outputs. Candidates are hyperplanes through data points (in 1-D,
every breakpoint between samples); each is refined by a few Gauss-Newton steps
on its activation pattern (the pattern fixed, the unit's weights are a linear
least-squares problem, as in Breiman's hinge finding), and scored by how much of
the residual it explains after projecting out the other units (exact least
squares for the output layer). With no unit removed this is the "neuron birth"
step of conditional-gradient methods for wide networks (Bach 2017, "Breaking the
curse of dimensionality with convex neural networks"): the direction in which a
new unit lowers the loss fastest.

The rest are views and edits of a one-hidden-layer flat parameter vector:
adding a unit, dropping one, and what the least-squares output layer loses when
a unit goes (:func:`removal_costs`).
"""

import threading

import numpy as np

from ..network import unflatten

# Rows used to score candidate units: ranking them needs no more.
_SCORE_ROWS = 2000
# Candidate units per search (before refinement).
_CANDIDATES = 192
# 1-D: at most this many breakpoints (each in both orientations) are candidates.
_MAX_BREAKPOINTS = 400
# Gauss-Newton refinements of each candidate on its activation pattern.
_REFINE_STEPS = 3
# dense_unit: unrefined candidates, rows that score them, candidates scored at once
# (a block of rows x _DENSE_BLOCK floats: 32 MB at 1000 rows).
_DENSE_CANDIDATES, _DENSE_ROWS, _DENSE_BLOCK = 16000, 1000, 4000
# Floats of per-sample products held at once by the refinement (32 MB).
_BLOCK_FLOATS = 2 ** 22


# Work arrays of the candidate scoring, kept per thread between calls (see _work).
_WORK = threading.local()
# ...up to this many floats each (8 MB); larger ones (dense_unit's blocks) are made fresh.
_WORK_FLOATS = 2 ** 20


def _work(name, shape):
    """A work array of `shape` (contents undefined), kept per thread between calls.

    The scoring's (rows x candidates) arrays are megabytes; made fresh each time,
    their pages are faulted in and zeroed by the kernel on every call, which cost
    more than the arithmetic: on the Euclid benchmark (2000 points, 3 units) a default
    fit_global call took 2.21 s with fresh arrays and 1.54 s with these
    (benchmarks/euclid.py, stop 24; same results to the bit on 10 calls checked by
    hand). Thread-local: fit_global's ladder runs in threads.
    """
    size = int(np.prod(shape))
    if size > _WORK_FLOATS:
        return np.empty(shape)
    store = _WORK.__dict__.setdefault("arrays", {})
    buf = store.get(name)
    if buf is None or buf.size < size:
        buf = store[name] = np.empty(max(size, 1))
    return buf[:size].reshape(shape)


def _orthonormal(B):
    """Orthonormal basis of the column span of B (rank-revealing QR)."""
    Q, R = np.linalg.qr(B)
    diag = np.abs(np.diag(R))
    return Q[:, diag > 1e-10 * max(float(diag.max()), 1e-300)]


def candidate_units(Xa, rs, n_candidates):
    """Hyperplanes through data points, as columns ``(w, b)`` of shape (d + 1, M).

    In 1-D every breakpoint at or between two samples, both orientations (the
    complete set of distinct units on the data, up to where the breakpoint sits
    between neighbours), or :data:`_MAX_BREAKPOINTS` of them evenly spaced in rank
    when there are more; otherwise random directions through random samples.
    """
    n, d1 = Xa.shape
    if d1 == 2:
        u = np.unique(Xa[:, 0])
        t = np.sort(np.concatenate([u, (u[1:] + u[:-1]) / 2]))
        if len(t) > _MAX_BREAKPOINTS:
            # Evenly spaced in rank: the refinement moves each to its local optimum, and
            # scoring all 2n breakpoints costs O(n^2) (1.1 s per call at n = 2000).
            t = t[np.unique(np.linspace(0, len(t) - 1, _MAX_BREAKPOINTS).round().astype(int))]
        one = np.ones_like(t)
        return np.vstack([np.concatenate([one, -one]), np.concatenate([-t, t])])
    D = rs.normal(size=(d1 - 1, n_candidates))
    D /= np.linalg.norm(D, axis=0)
    b = -np.sum(Xa[rs.randint(n, size=n_candidates), :-1] * D.T, axis=1)
    return np.vstack([D, b[None, :]])


def best_unit(X, Y, H_keep, rs, n_candidates=_CANDIDATES, steps=_REFINE_STEPS, leak=0.0):
    """The ReLU unit that best explains ``Y`` together with the kept units' outputs.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (n, m)
    H_keep : ndarray of shape (n, k)
        Outputs of the units that stay (k may be 0).
    rs : RandomState
    leak : float, default=0.0
        Slope of the unit below its kink: 0 for ReLU, the leaky ReLU's slope for a
        leaky unit ``max(z, leak z)`` (the refinement and the scores are then exact
        for it).

    Returns
    -------
    w : ndarray of shape (d + 1,)
        Weights then bias of the unit, direction of norm 1.
    mse : float
        Mean squared error (over the scoring rows and outputs) of the least-squares
        fit of ``Y`` on the kept units, the new unit and a constant: the loss the
        replacement would have before any re-optimisation.
    """
    Xa, Q, R = _residual(X, Y, H_keep, rs, _SCORE_ROWS)
    # Several outputs: refine on the residual's leading direction, score on all.
    r = R[:, 0] if R.shape[1] == 1 else R @ np.linalg.svd(R, full_matrices=False)[2][0]
    W = candidate_units(Xa, rs, n_candidates)
    return _refined_best(Xa, Q, R, r, W, steps, leak)


def dense_unit(X, Y, H_keep, rs, n_candidates=_DENSE_CANDIDATES, leak=0.0):
    """The best of many unrefined candidate units for the residual (see :func:`best_unit`).

    Where :func:`best_unit` refines a few hundred candidates by Gauss-Newton, this
    scores `n_candidates` of them (hyperplanes through data points, random
    directions) as they are. Refinement moves each candidate to the nearest fixed
    point of its activation pattern, which on a sample with a small corner to cut is
    usually the unit the current minimum already has; a dense set of unrefined
    hyperplanes hits the narrow pattern itself. Measured on the triangle problem of
    ``benchmarks/reliability.py`` (2-D, 350 points, 3 units; the unit that leaves its
    1.073x minimum, found by scoring all 122150 lines through two samples): 192
    refined candidates never reached it (5 draws), 4000 unrefined ones predicted
    1.036x to 1.17x, 16000 reached the optimum after L-BFGS in 10 of 10 draws.

    Returns ``(w, mse)`` as :func:`best_unit` does, scored on at most
    :data:`_DENSE_ROWS` rows; `leak` as there.
    """
    Xa, Q, R = _residual(X, Y, H_keep, rs, _DENSE_ROWS)
    W = candidate_units(Xa, rs, n_candidates)
    best_w, best_gain = W[:, 0], -1.0
    for a in range(0, W.shape[1], _DENSE_BLOCK):
        Wb = W[:, a:a + _DENSE_BLOCK]
        gain = _gains(Xa, Q, R, Wb, leak)
        j = int(np.argmax(gain))
        if gain[j] > best_gain:
            best_w, best_gain = Wb[:, j].copy(), float(gain[j])
    return best_w, float(np.sum(R * R) - max(best_gain, 0.0)) / R.size


def _residual(X, Y, H_keep, rs, max_rows):
    """Scoring rows (at most `max_rows`, random) with a constant column, an orthonormal
    basis of the kept units and the constant there, and the residual of Y off it."""
    n = len(X)
    rows = rs.choice(n, max_rows, replace=False) if n > max_rows else slice(None)
    Xa = np.hstack([X[rows], np.ones((len(X[rows]), 1))])
    Q = _orthonormal(np.hstack([H_keep[rows], np.ones((Xa.shape[0], 1))]))
    return Xa, Q, Y[rows] - Q @ (Q.T @ Y[rows])


def _gains(Xa, Q, R, W, leak=0.0):
    """Residual sum of squares each candidate unit (column of W, a unit ``max(z, leak z)``)
    removes, with the kept units (Q) re-fitted; -1 for a candidate that is flat once they
    are projected out."""
    F = np.matmul(Xa, W, out=_work("F", (Xa.shape[0], W.shape[1])))
    if leak:
        np.maximum(F, leak * F, out=F)
    else:
        np.maximum(F, 0.0, out=F)
    F -= np.matmul(Q, Q.T @ F, out=_work("QF", F.shape))
    nn = np.einsum("ij,ij->j", F, F)
    usable = nn > 1e-12 * max(float(nn.max()), 1e-300)
    gain = np.full(W.shape[1], -1.0)
    Fu = F if usable.all() else F[:, usable]
    gain[usable] = np.sum((Fu.T @ R) ** 2, axis=1) / nn[usable]
    return gain


def _refine(Xa, Q, r, W, steps, leak=0.0):
    """Gauss-Newton steps of candidate units `W` (columns (w, b)) on their activation
    patterns: pattern fixed, the unit is ``S Xa w`` (S diagonal, the slope on each
    sample: 1 where active, `leak` elsewhere), a linear model whose least-squares
    `w` against `r` (after projecting out the columns of `Q`) solves a small normal
    system per candidate. The sums over samples are matrix products (BLAS), which
    is what keeps this affordable in d = 20 (a per-sample einsum took seconds). With
    a leak, each sum is its value over the active samples (the product with the 0/1
    pattern) plus the leak's share of its value over all of them: ``s = leak + (1 -
    leak) D`` and ``s^2 = leak^2 + (1 - leak^2) D``."""
    n, d1 = Xa.shape
    q = Q.shape[1]
    # Per sample: x x^T, q x^T and r x side by side, so that one product with the
    # activation pattern gives every sum a step needs (three separate products cost
    # 2.5x as much at 2000 rows and 192 candidates, by hand). Row blocks keep them
    # within _BLOCK_FLOATS, whatever the input dimension.
    width = d1 * d1 + q * d1 + d1
    step = max(1, _BLOCK_FLOATS // width)
    # The per-sample products do not change between steps: when they fit in one block
    # (the usual case), form them once.
    blocks = [(0, _products(Xa, Q, r))] if n <= step else None
    M = W.shape[1]
    Z, D = _work("Z", (n, M)), _work("D", (n, M))
    for _ in range(steps):
        np.greater(np.matmul(Xa, W, out=Z), 0, out=D)  # the activation pattern, as 0/1
        S = np.zeros((width, M))
        total = np.zeros(width)  # each sum over all samples (needed with a leak)
        for a, P in blocks or ((a, _products(Xa[a:a + step], Q[a:a + step], r[a:a + step]))
                               for a in range(0, n, step)):
            S += P.T @ D[a:a + step]
            if leak:
                total += P.sum(axis=0)
        G = S[:d1 * d1].T.reshape(M, d1, d1)
        B = S[d1 * d1:d1 * d1 + q * d1].T.reshape(M, q, d1)
        c = S[d1 * d1 + q * d1:].T
        if leak:
            G = (1 - leak ** 2) * G + leak ** 2 * total[:d1 * d1].reshape(d1, d1)
            B = (1 - leak) * B + leak * total[d1 * d1:d1 * d1 + q * d1].reshape(q, d1)
            c = (1 - leak) * c + leak * total[d1 * d1 + q * d1:]
        G = G - np.matmul(B.transpose(0, 2, 1), B)
        # G is a projected Gram matrix (positive semidefinite); a candidate active on no
        # sample has G = 0: the absolute floor keeps every system solvable (its solution
        # is then 0 and the candidate is left as it was).
        ridge = 1e-9 * np.trace(G, axis1=1, axis2=2) / d1 + 1e-12
        G += ridge[:, None, None] * np.eye(d1)
        W_new = np.linalg.solve(G, c[:, :, None])[:, :, 0].T
        norm = np.linalg.norm(W_new[:-1], axis=0)
        ok = np.isfinite(norm) & (norm > 0)
        W = W.copy()
        W[:, ok] = W_new[:, ok] / norm[ok]
    return W


def _products(Xb, Qb, rb):
    """Per-sample ``x x^T``, ``q x^T`` and ``r x`` of a block of rows, flattened side by
    side: shape (rows, d1^2 + q d1 + d1)."""
    n, d1 = Xb.shape
    return np.hstack([(Xb[:, :, None] * Xb[:, None, :]).reshape(n, d1 * d1),
                      (Qb[:, :, None] * Xb[:, None, :]).reshape(n, Qb.shape[1] * d1),
                      Xb * rb[:, None]])


def _refined_best(Xa, Q, R, r, W, steps, leak=0.0):
    """Refine candidates `W`, then the best by the residual it explains: ``(w, mse)``."""
    W = _refine(Xa, Q, r, W, steps, leak)
    gain = _gains(Xa, Q, R, W, leak)
    j = int(np.argmax(gain))
    return W[:, j].copy(), float(np.sum(R * R) - max(gain[j], 0.0)) / R.size


def _first_layer(theta, sizes):
    """Views (W1 of shape (d, h), b1, W2 of shape (h, m)) of a one-hidden-layer vector."""
    Ws, bs = unflatten(theta, sizes)
    return Ws[0], bs[0], Ws[1]


def _unit_scale(W1):
    norms = np.linalg.norm(W1, axis=0)
    norms = norms[norms > 0]
    return float(np.median(norms)) if norms.size else 1.0


def with_unit(theta, sizes, w, scale):
    """`theta` (one hidden layer, `sizes`) with one more unit ``(w[:-1], w[-1]) * scale`` of
    outgoing weight 0: the same function, one unit wider."""
    d, h, m = sizes
    Ws, bs = unflatten(theta, sizes)
    W1 = np.hstack([Ws[0], (w[:-1] * scale)[:, None]])
    b1 = np.append(bs[0], w[-1] * scale)
    W2 = np.vstack([Ws[1], np.zeros((1, m))])
    return np.concatenate([W1.ravel(), b1, W2.ravel(), bs[1]])


def without_unit(theta, sizes, unit):
    """`theta` (one hidden layer, `sizes`) with hidden unit `unit` removed."""
    Ws, bs = unflatten(theta, sizes)
    return np.concatenate([np.delete(Ws[0], unit, axis=1).ravel(), np.delete(bs[0], unit),
                           np.delete(Ws[1], unit, axis=0).ravel(), bs[1]])


def removal_costs(H, Y):
    """Mean squared error of the least-squares fit of `Y` on ``[H, 1]`` without each column of
    `H` in turn, shape (units,).

    Removing column j of a least-squares design raises the residual sum of squares by
    ``coef_j^2 / (A^T A)^{-1}_jj`` (summed over outputs): one factorisation for all
    units. A unit that another unit (or the constant) duplicates costs ~0.
    """
    n, k = H.shape
    A = np.hstack([H, np.ones((n, 1))])
    scale = np.sqrt(np.sum(A * A, axis=0)) + 1e-300
    A = A / scale
    G = A.T @ A
    G += (1e-12 * np.trace(G) / (k + 1) + 1e-300) * np.eye(k + 1)
    Ginv = np.linalg.inv(G)
    coef = Ginv @ (A.T @ Y)
    rss = float(np.sum((Y - A @ coef) ** 2))
    raise_ = np.sum(coef[:k] ** 2, axis=1) / np.diag(Ginv)[:k]
    return (rss + raise_) / Y.size

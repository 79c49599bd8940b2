"""The engine behind the exact certificates: enumerate activation patterns, bound, solve.

A network ``x -> c + sum_j a_j relu(w_j . x + b_j)`` on 1-D or 2-D data is
searched over all choices of each unit's *activation pattern* (the samples a
line, or in 1-D a threshold, cuts out) and output sign. For fixed choices the
fit is a non-negative least-squares problem over the *ray units* of each
pattern (see :mod:`._exact2d` for the argument); the global optimum is the
smallest of these. This module holds what ``exact_1d`` and ``exact_2d`` share:

- :class:`_Geometry`: the data reduced to distinct points (duplicates become
  weights), row-space coordinates of ``[x, 1]``, the patterns, each pattern's
  cone of unit weights, the ray units that generate it and its faces.
- :func:`_search`: the enumeration, in four layers, each a valid lower bound
  of the next:

  1. *Least-squares bound* of every pattern set (all units free: the sign
     and cone constraints dropped), in vectorised batches (:func:`_pair_sets`).
  2. *Signed bounds* for the sets below the incumbent: for each unit and
     each output sign, the others free, the exact optimum over that unit's
     cone by enumeration of the cone's faces (:func:`_signed_bounds`). A
     sign whose bound reaches the incumbent is never tried, and a set of k
     patterns one of whose units has both signs bounded away is pruned: for
     its last unit as soon as it is bounded (:func:`_unit_bounds`, from the
     least-squares batch's own Gram), for the others unit by unit.
  3. *Branch and bound* over the remaining signs with NNLS solves
     (:func:`_solve_set`); a node whose free units are already single ReLUs
     is closed by solving that configuration.
  4. Exact NNLS of the configurations reached.

  A greedy and one-swap search first finds a good incumbent (any solved
  configuration is a real network, so it is an upper bound).
- :func:`exact_cost`: how many configurations and bounds a problem needs.

Numerical policy. Every exact solve is an NNLS checked against its KKT
conditions (:mod:`._nnls`). A bound comes from factorisations of small Gram
matrices of orthonormalised columns (entries of size at most 1): a pivot below
``_NULL`` is an exact linear dependency seen through round-off (it must carry
no part of the target, else the bound is not used); every other pivot p
costs the bound a round-off allowance ``_ROUNDOFF * |y|^2 / p`` (products of
pivots where eliminations compound). Where a cone problem's feasibility is
too ill-conditioned to decide, the candidate counts as feasible (a larger
gain, so a lower, still valid bound). A set is pruned only when its bound is
at least ``incumbent - tolerance`` with ``tolerance = _TOL * |y - mean(y)|^2``:
the claim is exact up to that tolerance. The tests check each layer against
an independent computation (plain enumeration, cvxpy, exact NNLS).
"""

import itertools
import math
import time

import numpy as np
from tqdm.auto import tqdm

from .._parallel import _controller
from ._nnls import nnls_checked
from ._patterns import enumerate_patterns

__all__ = ["exact_cost", "run_exact"]

# Pivots (of Gram matrices whose diagonal is at most 1) below this are exact
# dependencies: round-off leaves ~1e-16 where exact arithmetic gives 0.
_NULL = 1e-12
# Round-off allowance of a bound: _ROUNDOFF * |y|^2 / (smallest pivot used).
_ROUNDOFF = 1e-13
# A dropped (null) direction may carry at most this fraction of |y| of the target.
_SIGNAL = 1e-10
# Claim tolerance, relative to the centred sum of squares of the target.
_TOL = 1e-9
# Relative tolerance under which a sample lies on a unit's line (as _patterns).
_ON_LINE = 1e-10
# Pattern pairs bounded per vectorised batch (memory: ~ 30 * 8 bytes each). Small enough
# for the batch's arrays to stay in cache: 20000 took 15-20% less CPU than 200000 on
# 20- and 24-point samples with 3 units (stop 31, by hand); 5000 costs numpy's per-call
# overhead again.
_BATCH = 20_000
# Pattern sets kept for exact solving before the buffer is flushed.
_BUFFER = 500_000
# Surviving sets given per-unit signed bounds at once (and last-unit bounds, see
# _bounded_sets).
_CHUNK = 16384


def exact_cost(n_distinct, hidden, n_features=1):
    """Size of the exact enumeration for `n_distinct` points (cheap, no data needed).

    Parameters
    ----------
    n_distinct : int
        Number of distinct input points.
    hidden : int
        Width k of the hidden layer.
    n_features : {1, 2}
        Input dimension.

    Returns
    -------
    dict
        ``n_patterns``: activation patterns (nonempty), exact in 1-D, an upper
        bound in 2-D (``n^2 - n + 1``, reached in general position; collinear
        points give fewer). ``n_options``: (pattern, output sign) choices for one
        unit (the full pattern counts once: with a free intercept both signs give
        every affine function). ``n_configurations``: ``C(n_options, k)``, the
        sign configurations :func:`~exactfit.certify.exact_1d` and
        :func:`~exactfit.certify.exact_2d` consider, an upper bound on their NNLS
        solves. ``n_bounds``: pattern sets bounded by a least-squares relaxation,
        work always done.

    Notes
    -----
    Measured on a 2-core machine (``benchmarks/exact.py``): a bound costs about
    0.3-1 microsecond in 2-D, an NNLS solve 20-40 microseconds; how many sets
    escape the bound depends on the data (few on smooth targets, several percent
    on noise).

    Examples
    --------
    >>> from exactfit.certify import exact_cost
    >>> exact_cost(10, 2, n_features=2)["n_configurations"]
    16290
    """
    n = _check_int(n_distinct, "n_distinct", 1)
    k = _check_int(hidden, "hidden", 1)
    if isinstance(n_features, bool) or n_features not in (1, 2):
        raise ValueError(f"n_features must be 1 or 2; got {n_features!r}.")
    if n_features == 1:
        P = 1 if n == 1 else 2 * (n - 1) + 1
    else:
        P = n * n - n + 1
    n_options = 2 * P - 1
    r = min(k, n_options)
    n_conf = math.comb(n_options, r)
    n_bounds = sum(math.comb(P, s) for s in range(max(1, (k + 1) // 2), min(k, P) + 1))
    return {"n_patterns": P, "n_options": n_options, "n_configurations": n_conf,
            "n_bounds": n_bounds}


def _check_int(value, name, minimum):
    import numbers

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


# ---------------------------------------------------------------------------
# Geometry: distinct points, patterns, cones and their rays.

class _Geometry:
    """Everything the enumeration needs about (standardised) data ``X``, ``y``.

    Attributes
    ----------
    U : (n, d) distinct points; ``counts`` their multiplicities.
    B : (n, r) row-space coordinates of ``[U, 1]`` (``[U, 1] @ V = B``, V orthonormal
        (d + 1, r)); a unit ``relu([x, 1] . V u)`` has data vector ``relu(B u)``.
    patterns : (n, P) bool, every nonempty pattern, the full one at index ``full``.
    rays : (R, r) unit vectors u_t generating the cones; ``pattern_rays[p]`` the
        indices of the rays of pattern p's cone.
    cols : (n, R) the ray units ``relu(B u_t)``, weighted by sqrt(counts),
        centred (the intercept is free) and scaled by ``1 / kappa_t`` to unit norm.
    yc : (n,) the weighted, centred target; ``within`` the sum of squares of the
        samples about their duplicates' mean (no network can remove it).
    """

    def __init__(self, X, y, rank_tol=1e-12):
        U, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
        inverse = np.asarray(inverse).ravel()
        n, d = U.shape
        ybar = np.bincount(inverse, weights=y, minlength=n) / counts
        self.within = float(np.sum((y - ybar[inverse]) ** 2))
        self.U, self.counts, self.n, self.d = U, counts, n, d
        wts = np.sqrt(counts.astype(float))
        e = wts / np.linalg.norm(wts)  # the intercept's direction in weighted space
        self._wts, self._e = wts, e
        yw = wts * ybar
        self.yc = yw - e * (e @ yw)
        self.tot = float(self.yc @ self.yc)
        # Row space of [U, 1]: rank 1 (one point), 2 (1-D or collinear), or 3.
        Xa = np.hstack([U, np.ones((n, 1))])
        _, s, Vt = np.linalg.svd(Xa, full_matrices=False)
        r = int(np.sum(s > s[0] * rank_tol))
        self.V = Vt[:r].T
        self.B = Xa @ self.V
        self.r = r
        P = enumerate_patterns(U)
        if not P.all(axis=0).any():  # the full pattern (w = 0, b > 0) is always realisable
            P = np.hstack([P, np.ones((n, 1), dtype=bool)])
        self.patterns = P
        self.full = int(np.flatnonzero(P.all(axis=0))[0])
        self._rays()
        self._blocks()
        self._prepare_solves()

    def _rays(self):
        """Extreme rays of each pattern's cone ``K(D) = {u : Bu >= 0 on D, <= 0 off D}``.

        B has full column rank r, so K(D) is pointed and is the conic hull of its
        extreme rays; each is cut out by r - 1 independent tight rows. Distinct
        rows of ``[U, 1]`` are never parallel, so the candidates are: r = 3, the
        cross products of two rows (the line through two points, both
        orientations); r = 2, the normals of one row; r = 1, +-1. A candidate is
        a ray of K(D) exactly when it lies in K(D); points within the on-line
        tolerance count as on the line, which can only add near-rays (a slightly
        larger cone, so the computed optimum can only be lower: the claim stays
        safe) and never loses a true one.
        """
        B, r, n = self.B, self.r, self.n
        if r == 1:
            cand = np.array([[1.0], [-1.0]])
        elif r == 2:
            cand = np.column_stack([-B[:, 1], B[:, 0]])
            cand = np.vstack([cand, -cand])
        else:
            I, J = np.triu_indices(n, k=1)
            cand = np.cross(B[I], B[J])
            cand = np.vstack([cand, -cand])
        cand /= np.linalg.norm(cand, axis=1, keepdims=True)
        Z = B @ cand.T  # (n, candidates)
        tol = _ON_LINE * np.linalg.norm(B, axis=1)[:, None]
        pos, neg = Z > tol, Z < -tol
        keep = pos.any(axis=0)  # a unit that is zero on every sample adds nothing
        cand, Z, pos, neg = cand[keep], Z[:, keep], pos[:, keep], neg[:, keep]
        # The same ray reached through several collinear pairs: keep one.
        key = np.ascontiguousarray(np.packbits(np.vstack([pos, neg]), axis=0).T)
        _, idx = np.unique(key.view(np.dtype((np.void, key.shape[1]))).ravel(),
                           return_index=True)
        idx = np.sort(idx)
        cand, Z, pos, neg = cand[idx], Z[:, idx], pos[:, idx], neg[:, idx]
        D = self.patterns.astype(float)
        # A ray lies in K(D) iff no sample is on its positive side outside D or on
        # its negative side inside D.
        viol = pos.T.astype(float) @ (1.0 - D) + neg.T.astype(float) @ D
        member = viol == 0  # (R, P)
        G = self._wts[:, None] * np.maximum(Z, 0.0)
        G -= self._e[:, None] * (self._e @ G)[None, :]
        kappa = np.linalg.norm(G, axis=0)
        # A ray unit constant on the data (one distinct point) is the intercept's.
        live = kappa > 1e-12 * max(kappa.max(initial=0.0), 1e-300)
        self.rays = cand
        self._tight = ~(pos | neg)  # samples on each ray's line
        self.kappa = np.where(live, kappa, 1.0)
        self.cols = G / self.kappa
        self.pattern_rays = [np.flatnonzero(member[:, p] & live) for p in range(D.shape[1])]

    def _blocks(self):
        """Orthonormal bases E_p of each pattern's (centred) column span, and Grams.

        ``Ef[p*r + i] = E_p[:, i]`` (rows), so the Gram entries are
        ``H[p*r + i, q*r + j] = Ef[p*r + i] . Ef[q*r + j]``, computed by block on
        demand (all of them would take (P r)^2 floats); ``h = Ef @ yc``.
        Null directions are zero columns. A block with a singular value in the
        ambiguous band is flagged: bounds of sets holding it are not used.
        """
        P, r, n = self.patterns.shape[1], self.r, self.n
        M = self._wts[None, :, None] * self.patterns.T[:, :, None] * self.B[None]  # (P, n, r)
        M = M - self._e[None, :, None] * np.einsum("n,pnr->pr", self._e, M)[:, None, :]
        u, s, _ = np.linalg.svd(M, full_matrices=False)  # u (P, n, m), m = min(n, r)
        m = s.shape[1]
        rel = (s / np.maximum(s[:, :1], 1e-300)) ** 2
        ok = (rel >= _NULL) & (s[:, :1] > 1e-150)
        self.block_rank = ok.sum(axis=1)
        # Basis vectors of small singular values carry round-off ~ eps / rel.
        self.pmin_pattern = np.where(ok, rel, 1.0).min(axis=1)
        E = np.zeros((P, n, r))
        E[:, :, :m] = u * ok[:, None, :]
        Ef = E.transpose(0, 2, 1).reshape(P * r, n)
        self.Ef = Ef
        self.h = Ef @ self.yc
        self.Hdiag = np.einsum("pni,pnj->pij", E, E)

    # -- options: (pattern, output sign) -------------------------------------
    def options(self):
        """Options as (pattern, sign): sign +1/-1, or 0 for the full pattern
        (one unit, any affine function, since the intercept is free)."""
        out = []
        for p in range(self.patterns.shape[1]):
            out.extend([(p, 0)] if p == self.full else [(p, 1), (p, -1)])
        return out

    def _prepare_solves(self):
        """Index arrays into the signed column bank ``[cols, -cols]``, and per
        pattern the map from its ray coefficients to unit values on the data."""
        R = self.cols.shape[1]
        self._bank = np.hstack([self.cols, -self.cols])
        self._ynorm = math.sqrt(self.tot) or 1.0
        self._index = {}
        self._unit_map = []
        self._signed_map = []
        for p, idx in enumerate(self.pattern_rays):
            self._index[p, 1] = idx
            self._index[p, -1] = idx + R
            self._index[p, 0] = np.concatenate([idx, idx + R])
            Rp = self.rays[idx] / self.kappa[idx, None]
            self._unit_map.append((Rp, self.B @ Rp.T))
            # Unit values times +1 on the pattern, -1 off it: all >= 0 for a +ReLU.
            self._signed_map.append(np.where(self.patterns[:, p], 1.0, -1.0)[:, None]
                                    * (self.B @ Rp.T))
        self._faces()

    def _faces(self):
        """Each pattern's cone in the coordinates of its basis E_p, for the signed
        bounds (:func:`_cone_gain`): its rays (``ray_coords`` (P, r, m), padded,
        ``ray_mask``), the pairs of rays spanning its 2-D faces (``pair_idx``
        (P, f, 2), ``pair_mask``) and the faces' inward normals (``normals``
        (P, f, r)); ``interior[p]``: the cone is 3-D, so a maximiser inside it is
        tested with the normals.

        Two extreme rays of a 3-D cone K(D) span a 2-D face exactly when they lie
        on a common constraint plane (a sample on both lines): a point of K with
        two independent tight constraints is on an edge, so a supporting plane
        holding two distinct rays meets K in the 2-D cone between them. The map
        u -> coordinates is linear and injective on a rank-3 block, so faces map
        to faces. Lower-rank cones use every pair of rays instead (a maximiser
        needs at most rank <= 2 rays).
        """
        P, r = len(self.pattern_rays), self.r
        m_max = max(1, max(len(idx) for idx in self.pattern_rays))
        self.ray_coords = np.zeros((P, r, m_max))
        self.ray_mask = np.zeros((P, m_max), dtype=bool)
        pairs, normals, self.interior = [], [], np.zeros(P, dtype=bool)
        for p, idx in enumerate(self.pattern_rays):
            C = self.Ef[p * r:(p + 1) * r] @ self.cols[:, idx]
            self.ray_coords[p, :, :len(idx)] = C
            self.ray_mask[p, :len(idx)] = True
            three = r == 3 and self.block_rank[p] == 3 and len(idx) >= 3
            pp, nn = [], []
            for a, b in itertools.combinations(range(len(idx)), 2):
                if not three:
                    pp.append((a, b))
                elif np.any(self._tight[:, idx[a]] & self._tight[:, idx[b]]):
                    nrm = np.cross(C[:, a], C[:, b])
                    if nrm @ C.sum(axis=1) < 0:  # inward: the rays' sum is inside
                        nrm = -nrm
                    pp.append((a, b))
                    nn.append(nrm / max(np.linalg.norm(nrm), 1e-300))
            self.interior[p] = three
            pairs.append(pp)
            normals.append(nn)
        f_max = max(1, max(len(pp) for pp in pairs))
        self.pair_idx = np.zeros((P, f_max, 2), dtype=int)
        self.pair_mask = np.zeros((P, f_max), dtype=bool)
        self.normals = np.zeros((P, f_max, r))
        # Per pattern, the padded widths it needs (the padding is at the end):
        # _cone_gain works on groups of one width, since a few low-rank cones
        # with many rays (every pair of rays is a face) pad the rest by 10x.
        self.n_rays = np.maximum(self.ray_mask.sum(axis=1), 1)
        self.n_faces = np.maximum(np.array([len(pp) for pp in pairs]), 1)
        for p in range(P):
            if pairs[p]:
                self.pair_idx[p, :len(pairs[p])] = pairs[p]
                self.pair_mask[p, :len(pairs[p])] = True
            if normals[p]:
                self.normals[p, :len(normals[p])] = normals[p]

    def matrix(self, config):
        """NNLS columns of a configuration (a sequence of options)."""
        if not config:
            return np.zeros((self.n, 0))
        idx = np.concatenate([self._index[o] for o in config])
        return self._bank[:, idx]

    def solve(self, config):
        """Exact optimum of one configuration: (sse, coefficients)."""
        x, sse = nnls_checked(self.matrix(config), self.yc, unit_columns=True,
                              bnorm=self._ynorm)
        return sse, x

    def units(self, config, x):
        """Units ``(v, sign, affine)`` in row-space coordinates from NNLS coefficients.

        An option ``(p, +-1)`` gives the unit ``sign * relu(B v)`` with ``v = sum_t
        x_t u_t / kappa_t`` over the rays of p. A free option ``(p, 0)`` has the
        columns of both signs: for the full pattern it is the affine function
        ``B (v+ - v-)`` (one unit, see exact_2d's argument), otherwise the two
        units ``+relu(B v+)`` and ``-relu(B v-)``.
        """
        out, i = [], 0
        for p, s in config:
            idx = self.pattern_rays[p]
            R = self._unit_map[p][0]
            if s == 0:
                xp, xm = x[i:i + len(idx)] @ R, x[i + len(idx):i + 2 * len(idx)] @ R
                if p == self.full:
                    out.append((xp - xm, 1.0, True))
                else:
                    out.extend([(xp, 1.0, False), (xm, -1.0, False)])
                i += 2 * len(idx)
            else:
                out.append((x[i:i + len(idx)] @ R, float(s), False))
                i += len(idx)
        return out

    def free_sign(self, config, x, j):
        """The sign under which free option j's net unit ``B (v+ - v-)`` is one ReLU
        of its pattern (+1 or -1), or None: for sign +1 its values must be >= 0 on
        the pattern and <= 0 off it (round-off aside)."""
        i = 0
        for p, s in config[:j]:
            i += len(self.pattern_rays[p]) * (2 if s == 0 else 1)
        p = config[j][0]
        m = len(self.pattern_rays[p])
        sz = self._signed_map[p] @ (x[i:i + m] - x[i + m:i + 2 * m])
        lo, hi = sz.min(), sz.max()
        tol = 1e-12 * max(-lo, hi, 1e-300)
        if lo >= -tol:
            return 1
        if hi <= tol:
            return -1
        return None


# ---------------------------------------------------------------------------
# Bounds.

class _Acc:
    """Per-element state of a batched factorisation: the smallest pivot used
    (round-off in a bound grows like 1 / that pivot) and where a null pivot
    carried target signal (the bound is then unusable)."""

    def __init__(self, shape, ynorm):
        self.bad = np.zeros(shape, dtype=bool)
        self.pmin = np.ones(shape)
        self.ynorm = ynorm

    def pivot(self, p, alive, v):
        """Mask of the elements where pivot p is used (alive and not null).

        A pivot below _NULL is an exact dependency seen through round-off: the
        elimination stops there and the remaining target part ``v`` must vanish.
        """
        null = alive & (p < _NULL)
        self.bad |= null & (np.abs(v) > _SIGNAL * self.ynorm)
        alive = alive & ~null
        self.pmin = np.where(alive, np.minimum(self.pmin, p), self.pmin)
        return alive


def _quad2(a, b, c, u, w, acc, alive):
    """``[u w] [[a c] [c b]]^+ [u w]^T`` with symmetric pivoting (arrays)."""
    swap = b > a
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    u, w = np.where(swap, w, u), np.where(swap, u, w)
    alive = acc.pivot(a, alive, np.maximum(np.abs(u), np.abs(w)))
    ia = np.where(alive, 1.0 / np.where(alive, a, 1.0), 0.0)
    q = u * u * ia
    b2 = b - c * c * ia
    w2 = w - c * u * ia
    alive = acc.pivot(b2, alive, w2)
    q += np.where(alive, w2 * w2 / np.where(alive, b2, 1.0), 0.0)
    return q


def _psd_quad(S, v, acc):
    """``v^T S^+ v`` for many small PSD matrices (r = 1, 2, 3), by pivoted LDL^T.

    S : dict ``(j, k) -> array`` (j <= k) of the entries, v : list of r arrays, all
    of one shape; `acc` (:class:`_Acc`) collects the smallest pivots and the
    unusable elements. The largest diagonal entry is eliminated first (complete
    pivoting for PSD matrices), so a tiny pivot means the rest is tiny.
    """
    r = len(v)
    alive = np.ones(v[0].shape, dtype=bool)
    if r == 1:
        alive = acc.pivot(S[0, 0], alive, v[0])
        return np.where(alive, v[0] ** 2 / np.where(alive, S[0, 0], 1.0), 0.0)
    if r == 2:
        return _quad2(S[0, 0], S[1, 1], S[0, 1], v[0], v[1], acc, alive)
    a, b, c = S[0, 0], S[1, 1], S[2, 2]
    d, e, f = S[0, 1], S[0, 2], S[1, 2]
    i0 = (a >= b) & (a >= c)
    i1 = ~i0 & (b >= c)

    def pick(x0, x1, x2):
        return np.where(i0, x0, np.where(i1, x1, x2))

    piv = pick(a, b, c)
    sij, sik = pick(d, d, e), pick(e, f, f)
    sjj, skk, sjk = pick(b, a, a), pick(c, c, b), pick(f, e, d)
    vi, vj, vk = pick(v[0], v[1], v[2]), pick(v[1], v[0], v[0]), pick(v[2], v[2], v[1])
    rest = np.maximum(np.abs(vi), np.maximum(np.abs(vj), np.abs(vk)))
    alive = acc.pivot(piv, alive, rest)
    ip = np.where(alive, 1.0 / np.where(alive, piv, 1.0), 0.0)
    q = vi * vi * ip
    q += _quad2(sjj - sij * sij * ip, skk - sik * sik * ip, sjk - sij * sik * ip,
                vj - sij * vi * ip, vk - sik * vi * ip, acc, alive)
    return q


def _quad3(S, v, acc):
    """:func:`_psd_quad` for r = 3, by the adjugate where S is well conditioned.

    With diag(S) <= 1 (S is a Gram of projected orthonormal columns), its
    eigenvalues are <= 3, so ``lambda_min >= det / 9``: that stands for the
    smallest pivot in the round-off allowance. Where det is small, the pivoted
    factorisation decides (exact dependencies, signal checks).
    """
    a, b, c = S[0, 0], S[1, 1], S[2, 2]
    d, e, f = S[0, 1], S[0, 2], S[1, 2]
    c00, c11, c22 = b * c - f * f, a * c - e * e, a * b - d * d
    c01, c02, c12 = e * f - d * c, d * f - e * b, d * e - a * f
    det = a * c00 + d * c01 + e * c02
    u, w, x = v
    num = (c00 * u * u + c11 * w * w + c22 * x * x
           + 2.0 * (c01 * u * w + c02 * u * x + c12 * w * x))
    good = det > 1e-6
    q = num / np.where(good, det, 1.0)
    acc.pmin = np.where(good, np.minimum(acc.pmin, det / 9.0), acc.pmin)
    if not good.all():
        idx = np.nonzero(~good)
        sub = _Acc(idx[0].shape, acc.ynorm)
        q[idx] = _psd_quad({key: val[idx] for key, val in S.items()}, [t[idx] for t in v], sub)
        acc.pmin[idx] = sub.pmin
        acc.bad[idx] = sub.bad
    return q


def _whiten(G, rhs, ynorm):
    """For a stack of r x r PSD Grams: W with ``W^T G W = diag(0/1)`` (range only).

    Returns ``W (m, r, r)``, ``bad (m,)`` (a null direction carrying target
    signal ``rhs``) and ``pmin (m,)``, the smallest eigenvalue kept.
    """
    w, Q = np.linalg.eigh(G)
    ok = w >= _NULL
    sig = np.abs(np.einsum("mij,mi->mj", Q, rhs))
    bad = (~ok & (sig > _SIGNAL * ynorm)).any(axis=1)
    W = Q * np.where(ok, 1.0 / np.sqrt(np.where(ok, w, 1.0)), 0.0)[:, None, :]
    pmin = np.where(ok, w, 1.0).min(axis=1)
    return W, bad, pmin


def _safe(bound, tot, scale, bad):
    """Lower the computed bounds by their round-off allowance (0 where unusable).

    Gram entries are O(1) with absolute errors of at most ~1e-14 (a few ulps per
    operation over a few dozen operations). Whitening with eigenvalue w scales
    them by up to 1/w, and an elimination pivot p by 1/p, in terms of size at
    most ``tot`` (projections of the target). ``scale`` is the product of the
    smallest such w and p; ``_ROUNDOFF * tot / scale`` covers the error.
    """
    out = bound - _ROUNDOFF * tot / scale
    out[bad] = 0.0
    return np.maximum(out, 0.0)


def _singles(geo):
    """Bound of every one-pattern set: the residual of its orthonormal block."""
    P, r = geo.patterns.shape[1], geo.r
    h = geo.h.reshape(P, r)
    return _safe(geo.tot - np.sum(h * h, axis=1), geo.tot, geo.pmin_pattern,
                 np.zeros(P, dtype=bool))


def _pair_sets(geo, K, c, pmin_prefix, bad_prefix, lo, threshold, full_in_prefix,
               signed_last=False):
    """Bounds of the sets ``prefix + (p, q)``, ``lo <= p < q``, in batches.

    ``K`` (rA, P*r) holds the coefficients ``Q_A^T E_q`` of every block on an
    orthonormal basis Q_A of the prefix's span, ``c = Q_A^T yc``. For each p the
    block is orthogonalised against Q_A and whitened (``Z_p``), then for each q:
    ``S = E_q^T (I - Q_Ap Q_Ap^T) E_q`` and ``v = E_q^T (I - Q_Ap Q_Ap^T) yc``, and the
    relaxation's residual is ``tot - |c|^2 - |c_p|^2 - v^T S^+ v``.

    Yields ``(p, q, bound, n_bounded, n_pruned, n_pruned_full, unit)``: the pairs
    whose bound is below ``threshold()`` (the others are pruned; counted, with
    how many of them hold the full pattern). With `signed_last`, ``unit`` holds
    what the last unit q's signed bounds need (:func:`_unit_bounds`): S and v
    above are its Gram and target off the other units' span, ``projp`` the
    target's part in that span, and that projection's ``pmin`` and ``bad``.
    """
    P, r = geo.patterns.shape[1], geo.r
    Ef, h = geo.Ef, geo.h
    ynorm = math.sqrt(max(geo.tot, 1e-300))
    base = float(c @ c)
    m = P - lo
    if m < 2:
        return
    sl = slice(lo * r, P * r)
    Kr = K[:, sl]  # (rA, m*r)
    diag = geo.Hdiag[lo:]  # (m, r, r)
    Kb = Kr.reshape(-1, m, r).transpose(1, 0, 2)  # (m, rA, r)
    S0 = diag - np.einsum("mai,maj->mij", Kb, Kb)  # Gram of each block off span(A)
    v0 = h[sl].reshape(m, r) - np.einsum("mai,a->mi", Kb, c)
    Z, badp, pminp = _whiten(S0, v0, ynorm)
    cp = np.einsum("mij,mi->mj", Z, v0)  # the p block's new target coordinates
    projp = base + np.sum(cp * cp, axis=1)
    badp |= bad_prefix
    pminp = pminp * pmin_prefix * geo.pmin_pattern[lo:]
    # Row blocks of at most m/4 rows: the rectangle p in [a, b), q > a wastes only
    # its diagonal block (q <= p), about rows/m of the work; small problems take
    # one block (the fixed cost of a batch dominates there).
    rows = max(1, min(_BATCH // m, max((m + 3) // 4, 40_000 // m)))
    for a in range(0, m - 1, rows):
        b = min(m - 1, a + rows)
        q0 = a + 1  # pairs need q > p >= a
        mq = m - q0
        # Cross Grams off span(A), H_pq - K_p^T K_q, for p in [a, b), q >= q0, and
        # M = Z_p^T (...) laid out [i, j, p, q] so every entry is one 2-D array.
        Hpq = (Ef[(lo + a) * r:(lo + b) * r] @ Ef[(lo + q0) * r:P * r].T
               - Kr[:, a * r:b * r].T @ Kr[:, q0 * r:])
        M = np.matmul(Z[a:b].transpose(0, 2, 1), Hpq.reshape(b - a, r, mq * r))
        M = np.ascontiguousarray(M.reshape(b - a, r, mq, r).transpose(1, 3, 0, 2))
        S = {}
        for j in range(r):
            for kk in range(j, r):
                s_ = S0[None, q0:, j, kk] - M[0, j] * M[0, kk]
                for i in range(1, r):
                    s_ -= M[i, j] * M[i, kk]
                S[j, kk] = s_
        v = []
        for j in range(r):
            v_ = v0[None, q0:, j] - M[0, j] * cp[a:b, 0, None]
            for i in range(1, r):
                v_ -= M[i, j] * cp[a:b, i, None]
            v.append(v_)
        acc = _Acc((b - a, mq), ynorm)
        q = _quad3(S, v, acc) if r == 3 else _psd_quad(S, v, acc)
        scale = acc.pmin * pminp[a:b, None] * geo.pmin_pattern[None, lo + q0:]
        bad = acc.bad | badp[a:b, None] | badp[None, q0:]
        bound = _safe(geo.tot - projp[a:b, None] - q, geo.tot, scale, bad)
        valid = np.arange(q0, m)[None, :] > np.arange(a, b)[:, None]
        keep = valid & (bound < threshold())
        pruned = valid & ~keep
        n_pruned = int(np.count_nonzero(pruned))
        if full_in_prefix:
            n_full = n_pruned
        else:
            f = geo.full - lo  # the full pattern's local index, as p (row) or q (column)
            n_full = (int(np.count_nonzero(pruned[f - a])) if a <= f < b else 0) + \
                (int(np.count_nonzero(pruned[:, f - q0])) if f >= q0 else 0)
        pi, qi = np.nonzero(keep)
        unit = None
        if signed_last:
            Sq = np.empty((len(pi), r, r))
            for (j, kk), s_ in S.items():
                Sq[:, j, kk] = Sq[:, kk, j] = s_[pi, qi]
            unit = (Sq, np.stack([v_[pi, qi] for v_ in v], axis=1), projp[a + pi],
                    pminp[a + pi], badp[a + pi])
        yield (lo + a + pi, lo + q0 + qi, bound[pi, qi], int(np.count_nonzero(valid)),
               n_pruned, n_full, unit)


def _unit_bounds(geo, p, S, v, base, pmin, bad, ynorm):
    """Signed bounds ``(M, 2)`` (sign +1, -1) of one unit of pattern p per set, from
    its Gram S and target v off the other units' span, the target's part in that span
    (``base``), and that projection's smallest pivot ``pmin`` and unusable elements
    ``bad``: ``tot - base - cone gain - round-off allowance`` (0 where unusable, and
    for the full pattern, which has no sign). Shared by :func:`_signed_bounds` (which
    gets S and v by elimination) and the pair batches of :func:`_bounded_sets`."""
    gp, gm = _cone_gain(geo, p, S, v, ynorm, geo.tot)
    allowance = _ROUNDOFF * geo.tot / (pmin * geo.pmin_pattern[p])
    lb = geo.tot - base[:, None] - np.stack([gp, gm], axis=1) - allowance[:, None]
    lb[bad] = 0.0
    lb[p == geo.full] = 0.0
    return np.maximum(lb, 0.0)


def _extend_prefix(geo, K, c, a):
    """Add block a to the prefix's orthonormal basis: new rows of K, entries of c,
    the smallest eigenvalue used (times the block's own) and whether the bounds
    below are unusable."""
    r = geo.r
    ynorm = math.sqrt(max(geo.tot, 1e-300))
    Ka = K[:, a * r:(a + 1) * r]
    Ea = geo.Ef[a * r:(a + 1) * r]
    G = geo.Hdiag[a] - Ka.T @ Ka
    rhs = geo.h[a * r:(a + 1) * r] - Ka.T @ c
    Z, bad, pmin = _whiten(G[None], rhs[None], ynorm)
    Z = Z[0]
    Z = Z[:, np.any(Z != 0, axis=0)]
    rows = Z.T @ (Ea @ geo.Ef.T - Ka.T @ K)
    return (np.vstack([K, rows]), np.concatenate([c, Z.T @ rhs]),
            float(pmin[0]) * float(geo.pmin_pattern[a]), bool(bad[0]))


def _bounded_sets(geo, size, threshold, signed_last=False):
    """Pattern sets of `size` whose least-squares bound is below ``threshold()``.

    Yields ``(sets (M, size) int, bounds (M,), n_bounded, n_pruned,
    n_pruned_full)`` (see :func:`_pair_sets`; `signed_last` for sets of k).
    """
    P = geo.patterns.shape[1]
    if size == 1:
        bounds = _singles(geo)
        keep = bounds < threshold()
        yield (np.flatnonzero(keep)[:, None], bounds[keep], P, int(np.sum(~keep)),
               int(not keep[geo.full]))
        return
    r = geo.r

    ynorm = math.sqrt(max(geo.tot, 1e-300))
    # With signed_last, the sets below the threshold are gathered over prefixes
    # into batches of about _CHUNK, whose last unit is bounded with its sign
    # (:func:`_unit_bounds`): a set whose both signs reach the threshold is
    # pruned. On noisy samples about one set in ten passes the least-squares
    # bound and nearly all of them die here, at a fraction of the cost of
    # :func:`_signed_bounds`; batching keeps numpy's per-call cost small.
    buf = []
    n_buf = 0

    def flush():
        """The buffered sets whose last unit can still be below the threshold,
        and the count of those pruned (and of those holding the full pattern)."""
        sets = np.vstack([b_[0] for b_ in buf])
        bounds = np.concatenate([b_[1] for b_ in buf])
        unit = [np.concatenate([b_[2][i] for b_ in buf]) for i in range(5)]
        buf.clear()
        lb = _unit_bounds(geo, sets[:, -1], *unit, ynorm)
        dead = lb.min(axis=1) >= threshold()
        n_full = int(np.count_nonzero(dead & np.any(sets == geo.full, axis=1)))
        return sets[~dead], bounds[~dead], 0, int(np.count_nonzero(dead)), n_full

    def rec(prefix, K, c, pmin, bad):
        nonlocal n_buf
        if len(prefix) == size - 2:
            lo = prefix[-1] + 1 if prefix else 0
            for p, q, bound, nb, npr, nf, unit in _pair_sets(
                    geo, K, c, pmin, bad, lo, threshold, geo.full in prefix, signed_last):
                sets = np.empty((len(p), size), dtype=np.int32)
                sets[:, :size - 2] = prefix
                sets[:, size - 2], sets[:, size - 1] = p, q
                if not signed_last:
                    yield sets, bound, nb, npr, nf
                    continue
                # The counts now (progress, time checks), the sets when bounded.
                yield sets[:0], bound[:0], nb, npr, nf
                if len(bound):
                    buf.append((sets, bound, unit))
                    n_buf += len(bound)
                if n_buf >= _CHUNK:
                    n_buf = 0
                    yield flush()
            return
        start = prefix[-1] + 1 if prefix else 0
        for a in range(start, P - (size - len(prefix)) + 1):
            K2, c2, pmin2, bad2 = _extend_prefix(geo, K, c, a)
            yield from rec(prefix + (a,), K2, c2, pmin * pmin2, bad or bad2)

    yield from rec((), np.zeros((0, P * r)), np.zeros(0), 1.0, False)
    if buf:
        yield flush()


def _inverse3(S):
    """Adjugate and determinant of a stack of 3 x 3 matrices, and det / prod(diag)."""
    g = S
    c00 = g[..., 1, 1] * g[..., 2, 2] - g[..., 1, 2] * g[..., 2, 1]
    c01 = g[..., 0, 2] * g[..., 2, 1] - g[..., 0, 1] * g[..., 2, 2]
    c02 = g[..., 0, 1] * g[..., 1, 2] - g[..., 0, 2] * g[..., 1, 1]
    c11 = g[..., 0, 0] * g[..., 2, 2] - g[..., 0, 2] * g[..., 2, 0]
    c12 = g[..., 0, 2] * g[..., 1, 0] - g[..., 0, 0] * g[..., 1, 2]
    c22 = g[..., 0, 0] * g[..., 1, 1] - g[..., 0, 1] * g[..., 1, 0]
    det = g[..., 0, 0] * c00 + g[..., 0, 1] * c01 + g[..., 0, 2] * c02
    adj = np.stack([np.stack([c00, c01, c02], -1), np.stack([c01, c11, c12], -1),
                    np.stack([c02, c12, c22], -1)], -2)
    diag = g[..., 0, 0] * g[..., 1, 1] * g[..., 2, 2]
    ndet = np.where(diag > 0, det / np.where(diag > 0, diag, 1.0), 0.0)
    return adj, det, ndet


def _line_meets_cone(S, v, N, mask):
    """For nearly singular 3 x 3 PSD S: whether the line of maximisers
    ``a0 + t n`` meets the cone ``{a : N_f . a >= 0}`` (sign +1) or its negative.

    n is the normalised largest cross product of two rows of S (its null vector
    when S has rank 2), ``a0`` solves ``(S + s n n^T) a = v`` (orthogonal to n).
    A line meets the cone iff the intervals of t allowed by each face overlap.
    Returns ``(plus, minus, ok)``; ``ok`` is False where S has rank below 2.
    """
    crosses = [np.cross(S[:, 0], S[:, 1]), np.cross(S[:, 0], S[:, 2]),
               np.cross(S[:, 1], S[:, 2])]
    norms = np.stack([np.linalg.norm(c, axis=1) for c in crosses], axis=1)
    pick = np.argmax(norms, axis=1)
    n = np.stack(crosses, axis=1)[np.arange(len(S)), pick]
    nn = norms[np.arange(len(S)), pick]
    scale = np.trace(S, axis1=1, axis2=2)
    ok = nn > 1e-8 * np.maximum(scale, 1e-300) ** 2
    n = n / np.where(ok, nn, 1.0)[:, None]
    adj, det, _ = _inverse3(S + scale[:, None, None] * n[:, :, None] * n[:, None, :])
    a0 = np.einsum("mij,mj->mi", adj, v) / np.where(ok & (det != 0), det, 1.0)[:, None]
    out = []
    for sg in (1.0, -1.0):
        num = sg * np.einsum("mfi,mi->mf", N, a0)  # need num + t den >= 0 on each face
        den = sg * np.einsum("mfi,mi->mf", N, n)
        slack = 1e-9 * np.maximum(np.abs(a0).max(axis=1), 1e-300)[:, None]
        flat = np.abs(den) <= 1e-12
        lo = np.where(mask & (den > 1e-12), -num / np.where(den > 1e-12, den, 1.0), -np.inf)
        hi = np.where(mask & (den < -1e-12), -num / np.where(den < -1e-12, den, 1.0), np.inf)
        flat_ok = np.all(~(mask & flat) | (num >= -slack), axis=1)
        width = hi.min(axis=1) - lo.max(axis=1)
        out.append(flat_ok & (width >= -1e-9 * (1.0 + np.abs(lo.max(axis=1)))))
    return out[0], out[1], ok


def _cone_gain(geo, p, S, v, ynorm, tot):
    """Upper bounds on ``max over lam >= 0 of 2 sigma lam.C^T v - lam.C^T S C lam``.

    The most a unit of pattern ``p`` (ray coordinates C on its basis E_p) can
    remove from a residual whose Gram and target coordinates on E_p, the other
    units projected out, are S and v, with output sign sigma = +1 and -1. The
    maximiser lies in the relative interior of one face of the cone: the apex
    (gain 0), an extreme ray, a 2-D face (the least squares over its two rays,
    feasible when both coefficients are >= 0), or the inside (the unconstrained
    least squares, when its solution lies in the cone). All are enumerated
    (:meth:`_Geometry._faces`), so the maximum is exact; every gain carries its
    round-off allowance, and where feasibility is too ill-conditioned to judge
    the candidate counts as feasible (a larger gain: the bound stays safe).

    Returns ``(gain_plus, gain_minus)``, each (M,); ``inf`` where unusable.
    """
    # Elements are taken in groups of patterns with the same number of faces,
    # their arrays cut to that group's widths.
    plus, minus = np.empty(len(p)), np.empty(len(p))
    nf = geo.n_faces[p]
    for fw in np.unique(nf):
        g = np.flatnonzero(nf == fw)
        mw = int(geo.n_rays[p[g]].max())
        plus[g], minus[g] = _cone_gain_group(geo, p[g], S[g], v[g], ynorm, tot, mw, int(fw))
    return plus, minus


def _cone_gain_group(geo, p, S, v, ynorm, tot, mw, fw):
    """:func:`_cone_gain` for patterns of at most `mw` rays and `fw` faces."""
    M = len(p)
    C = geo.ray_coords[p, :, :mw]  # (M, r, m)
    SC = np.einsum("mij,mjt->mit", S, C)
    f = np.einsum("mit,mi->mt", C, v)
    Gd = np.einsum("mit,mit->mt", C, SC)
    mask = geo.ray_mask[p, :mw]
    # Extreme rays.
    acc = _Acc(f.shape, ynorm)
    alive = acc.pivot(Gd, np.ones(f.shape, dtype=bool), f)
    g1 = np.where(alive, f * f / np.where(alive, Gd, 1.0), 0.0) + _ROUNDOFF * tot / acc.pmin
    bad = np.any(mask & acc.bad, axis=1)
    plus = np.max(np.where(mask & (f >= 0), g1, 0.0), axis=1)
    minus = np.max(np.where(mask & (f <= 0), g1, 0.0), axis=1)
    # Pairs of rays (2-D faces, or every pair for a cone of rank <= 2).
    t1, t2 = geo.pair_idx[p, :fw, 0], geo.pair_idx[p, :fw, 1]  # (M, f)
    pm = geo.pair_mask[p, :fw]
    rows = np.arange(M)[:, None]
    a, b = Gd[rows, t1], Gd[rows, t2]
    c = np.einsum("mif,mif->mf", np.take_along_axis(C, t1[:, None, :], axis=2),
                  np.take_along_axis(SC, t2[:, None, :], axis=2))
    f1, f2 = f[rows, t1], f[rows, t2]
    acc = _Acc(a.shape, ynorm)
    g2 = _quad2(a, b, c, f1, f2, acc, np.ones(a.shape, dtype=bool)) + _ROUNDOFF * tot / acc.pmin
    bad |= np.any(pm & acc.bad, axis=1)
    # Feasibility from the coefficients z = G^-1 f (computed as det * z): their
    # relative error is about 1e-16 / ndet, so signs within that of 0 count as
    # feasible. Below ndet = 1e-13 the two columns are parallel to round-off:
    # the pair adds nothing when one is null (the other's ray covers it); two
    # opposite columns span a line (either sign feasible); two columns pointing
    # the same way act as one ray of sign sign(f).
    det = a * b - c * c
    ab = a * b
    ndet = np.where(ab > 0, det / np.where(ab > 0, ab, 1.0), 0.0)
    sure = ndet > 1e-13
    z1, z2 = b * f1 - c * f2, a * f2 - c * f1  # det * coefficients
    slack = np.maximum(1e-9, 1e-15 / np.where(sure, ndet, 1.0)) * np.maximum(np.abs(z1),
                                                                             np.abs(z2))
    null = np.minimum(a, b) < _NULL
    line = ~sure & ~null & (c < 0)
    ray = ~sure & ~null & (c >= 0)
    ok_p = np.where(sure, (z1 >= -slack) & (z2 >= -slack), line | (ray & ((f1 >= 0) | (f2 >= 0))))
    ok_m = np.where(sure, (z1 <= slack) & (z2 <= slack), line | (ray & ((f1 <= 0) | (f2 <= 0))))
    plus = np.maximum(plus, np.max(np.where(pm & ok_p, g2, 0.0), axis=1))
    minus = np.maximum(minus, np.max(np.where(pm & ok_m, g2, 0.0), axis=1))
    # Inside a 3-D cone: the unconstrained maximiser, if the cone holds it.
    # Only the elements whose cone is 3-D are looked at, and the line test only
    # where S is nearly singular.
    inner = np.flatnonzero(geo.interior[p])
    if len(inner):
        Si, vi = S[inner], v[inner]
        acc = _Acc(len(inner), ynorm)
        Sd = {(i, j): Si[:, i, j] for i in range(3) for j in range(i, 3)}
        g3 = _psd_quad(Sd, [vi[:, i] for i in range(3)], acc) + _ROUNDOFF * tot / acc.pmin
        adj, det3, ndet = _inverse3(Si)
        astar = np.einsum("mij,mj->mi", adj, vi) * np.sign(det3)[:, None]
        N = geo.normals[p[inner], :fw]
        pmi = pm[inner]
        side = np.einsum("mfi,mi->mf", N, astar)
        slack = 1e-9 * np.abs(astar).max(axis=1, keepdims=True)
        sure = ndet > 1e-8
        in_p = np.all(~pmi | (side >= -slack), axis=1)
        in_m = np.all(~pmi | (side <= slack), axis=1)
        # S (nearly) singular: the maximiser is any point of the line
        # a0 + t n (n spanning the smallest eigen-direction, a0 the solution
        # orthogonal to it); inside when the line meets the cone.
        # Rank 1 or 0: the objective sees a only along one direction, where the
        # rays alone reach every value the cone reaches: no inside candidate.
        weak = np.flatnonzero(~sure)
        if len(weak):
            line_p, line_m, line_ok = _line_meets_cone(Si[weak], vi[weak], N[weak], pmi[weak])
            in_p[weak] = line_ok & line_p
            in_m[weak] = line_ok & line_m
        plus[inner] = np.where(in_p, np.maximum(plus[inner], g3), plus[inner])
        minus[inner] = np.where(in_m, np.maximum(minus[inner], g3), minus[inner])
        bad[inner] |= acc.bad
    plus[bad] = np.inf
    minus[bad] = np.inf
    return plus, minus


def _eliminate(A, b, order, ynorm):
    """Pivoted Gaussian elimination of the coordinates `order` from stacks of PSD
    systems.

    Returns the updated ``A``, ``b`` (their other rows and columns are the Schur
    complement and the reduced target: the part of the other columns and of the
    target orthogonal to the eliminated ones), ``base`` (the eliminated part of
    the target's squared norm), ``pmin`` (smallest pivot used) and ``bad``. Each
    step eliminates the largest remaining diagonal entry of `order` (complete
    pivoting for PSD matrices), so when it falls below _NULL everything left in
    `order` is an exact dependency (padding, shared directions): its rows vanish
    up to round-off, and it must carry no target signal.
    """
    A = A.copy()
    b = b.copy()
    M = len(b)
    rows = np.arange(M)
    order = np.asarray(order, dtype=int)
    base, pmin, bad = np.zeros(M), np.ones(M), np.zeros(M, dtype=bool)
    alive = np.ones(M, dtype=bool)
    left = np.ones((M, len(order)), dtype=bool)
    for _ in range(len(order)):
        diag = np.where(left, A[:, order, order], -np.inf)
        k = np.argmax(diag, axis=1)
        i = order[k]
        piv = diag[rows, k]
        stop = alive & (piv < _NULL)
        if stop.any():
            rest = np.where(left, np.abs(b[:, order]), 0.0).max(axis=1)
            bad |= stop & (rest > _SIGNAL * ynorm)
            alive &= ~stop
        if not alive.any():
            break
        f = np.where(alive, 1.0 / np.where(alive, piv, 1.0), 0.0)
        col = A[rows, :, i]  # (M, d) copy
        bi = b[rows, i]
        base += bi * bi * f
        A -= col[:, :, None] * col[:, None, :] * f[:, None, None]
        b -= col * (bi * f)[:, None]
        pmin = np.where(alive, np.minimum(pmin, piv), pmin)
        left[rows, k] = False
    return A, b, base, pmin, bad


def _signed_bounds(geo, sets, threshold=None):
    """Lower bounds for each unit of each set with its output sign fixed.

    ``out[m, j, 0]`` (sign +1) and ``out[m, j, 1]`` (sign -1) bound every
    configuration of set m in which pattern ``sets[m, j]`` is used once with that
    sign: the other patterns are left free (their whole spans), and the signed
    unit's cone problem is solved over subsets of its rays (:func:`_cone_gain`).
    The full pattern (no sign) gets 0.

    With `threshold` (sets of k patterns, no doubled one): a set is dead once one
    of its units has both signs bounded at or above it, and its later units are
    not bounded (``inf``): most sets that pass the least-squares bound die at
    their first unit, so this saves most of the work.
    """
    M, s = sets.shape
    r = geo.r
    ynorm = math.sqrt(max(geo.tot, 1e-300))
    rows = (sets[:, :, None] * r + np.arange(r)).reshape(M, s * r)
    E = geo.Ef[rows]  # (M, s r, n)
    Gam = np.einsum("man,mbn->mab", E, E)
    h = E @ geo.yc
    out = np.full((M, s, 2), np.inf)
    live = np.arange(M)
    for j in range(s):
        jj = np.arange(j * r, (j + 1) * r)
        oo = [i for i in range(s * r) if i // r != j]
        A, b, base, pmin, bad = _eliminate(Gam[live], h[live], oo, ynorm)
        Sj, vj = A[:, jj][:, :, jj], b[:, jj]
        lbs = _unit_bounds(geo, sets[live, j], Sj, vj, base, pmin, bad, ynorm)
        out[live, j] = lbs
        if threshold is not None:
            live = live[lbs.min(axis=1) < threshold]
            if not len(live):
                break
    return out


# ---------------------------------------------------------------------------
# Configurations of a pattern set and the search.

def _n_set_configs(size, k, has_full):
    """Sign configurations of k units whose patterns are exactly a set of `size`.

    A pattern is used once (sign +1 or -1; the full pattern: once, any affine
    function) or, if not full, twice with opposite signs (free: the two units
    span the pattern's whole column space). ``k - size`` patterns are doubled.
    """
    nf = size - int(has_full)
    n_double = k - size
    if n_double < 0 or n_double > nf:
        return 0
    return math.comb(nf, n_double) * 2 ** (nf - n_double)


class _Tracker:
    """The incumbent, the pruning threshold and the counts of one search."""

    def __init__(self, geo, k, incumbent_sse):
        self.geo, self.k = geo, k
        self.tol = _TOL * geo.tot
        self.incumbent_sse = incumbent_sse
        # The constant fit (no unit) is a network too.
        self.sse, self.config, self.x = geo.tot, [], np.zeros(0)
        self.n_solved = self.n_local = self.n_bounds = self.n_pruned = 0
        self.n_leaves = 0

    def threshold(self):
        # Prune when a lower bound is at least this. Against our own best: nothing
        # below can beat it by more than tol, so the best stays within tol of the
        # optimum. Against a caller's incumbent (a loss we may hold no network
        # for) only with +tol of slack, so an optimal configuration is never
        # pruned by it and is found.
        return min(self.sse - self.tol, self.incumbent_sse + self.tol)

    def solve(self, conf, local=False, network=True):
        """Solve a configuration; it becomes the incumbent if it is a `network`
        (not a relaxation with free units standing for one unit each) and better."""
        sse, x = self.geo.solve(conf)
        if local:
            self.n_local += 1
        else:
            self.n_solved += 1
        if network and sse < self.sse:
            self.sse, self.config, self.x = sse, list(conf), x
        return sse, x


def _solve_set(track, S, lbs):
    """Exact minimum over the sign configurations of pattern set S (branch and bound).

    ``lbs[j, 0]`` / ``lbs[j, 1]``: lower bounds of the configurations in which
    pattern ``S[j]`` is one unit of sign +1 / -1 (:func:`_signed_bounds`); a sign
    whose bound reaches the threshold is not tried. For each choice of doubled
    patterns, the root problem leaves every single unit *free* (columns of both
    signs: its pattern's whole span), a relaxation of all its sign choices
    (equal to the set's least-squares bound, so it is not solved again). A node
    fixes the signs of some units. Its NNLS value bounds every configuration
    below it: below the threshold it is branched on a unit whose free part is
    not one ReLU, and when every free part already is (the node's solution is a
    configuration's), that configuration is solved and closes the node.
    """
    geo, k = track.geo, track.k
    full = geo.full
    S = [int(p) for p in S]
    cand = [p for p in S if p != full]
    n_double = k - len(S)
    if n_double < 0 or n_double > len(cand):
        return
    thr = track.threshold()
    allowed = {p: [sg for sg, col in ((1, 0), (-1, 1)) if lbs[j, col] < thr]
               for j, p in enumerate(S)}
    for doubled in itertools.combinations(cand, n_double):
        fixed = [(p, 0) for p in doubled] + ([(full, 0)] if full in S else [])
        singles = [p for p in S if p not in doubled and p != full]
        n_all = 2 ** len(singles)
        n_left = int(np.prod([len(allowed[p]) for p in singles])) if singles else 1
        track.n_pruned += n_all - n_left
        if n_left == 0:
            continue
        signed = [(p, allowed[p][0]) for p in singles if len(allowed[p]) == 1]
        free = [p for p in singles if len(allowed[p]) == 2]
        if signed or not free:
            _branch(track, fixed, free, signed)
            continue
        # The root (every single unit free) spans the same columns as the set's
        # least-squares bound, which is already known to be below the threshold:
        # skip its solve and branch on the first unit's sign at once.
        for sg in (1, -1):
            _branch(track, fixed, free[1:], [(free[0], sg)])


def _branch(track, fixed, free, signed):
    geo = track.geo
    n_below = 2 ** len(free)
    if track.threshold() <= 0:  # the incumbent is an exact fit (to tolerance)
        track.n_pruned += n_below
        return
    conf = fixed + signed + [(p, 0) for p in free]
    sse, x = track.solve(conf, network=not free)
    if not free:
        track.n_leaves += 1
        return
    if sse >= track.threshold():
        track.n_pruned += n_below
        return
    base = len(fixed) + len(signed)
    signs = [geo.free_sign(conf, x, base + j) for j in range(len(free))]
    if all(sg is not None for sg in signs):
        leaf = fixed + signed + list(zip(free, signs))
        leaf_sse, _ = track.solve(leaf)
        track.n_leaves += 1
        if leaf_sse <= sse + track.tol:
            # Every configuration below is >= sse, and this one reaches it.
            track.n_pruned += n_below - 1
            return
        # Round-off made the node look feasible: branch as usual (the leaf is
        # then met again; it is counted once as solved above).
        track.n_leaves -= 1
        track.n_solved -= 1
    j = next((j for j, sg in enumerate(signs) if sg is None), 0)
    rest = free[:j] + free[j + 1:]
    for sg in (1, -1):
        _branch(track, fixed, rest, signed + [(free[j], sg)])


def _local_search(track, options):
    """Greedy then one-swap search over configurations: a good incumbent, cheaply.

    Every configuration it solves is a real network, so its loss is a valid
    upper bound; it decides nothing about optimality.
    """
    k = track.k
    conf = []
    for _ in range(k):
        scores = [track.solve(conf + [o], local=True)[0] if o not in conf else np.inf
                  for o in options]
        conf = conf + [options[int(np.argmin(scores))]]
    if k == 1:  # the greedy step tried every option
        return
    cur = track.solve(conf, local=True)[0]
    for j in range(len(conf)):  # one sweep of single swaps
        for o in options:
            if o in conf:
                continue
            trial = conf[:j] + [o] + conf[j + 1:]
            sse = track.solve(trial, local=True)[0]
            if sse < cur * (1 - 1e-12):
                conf, cur = trial, sse


class _OutOfTime(Exception):
    """The enumeration's `max_time` ran out (raised and caught inside :func:`_search`)."""


def _search(geo, k, incumbent_sse=np.inf, progress=False, desc="exact", deadline=None):
    """Global optimum over every configuration of k units.

    Returns the :class:`_Tracker` (best ``sse``, ``config``, ``x``, counts, and
    ``timed_out``) and whether the enumeration completed (False when interrupted or
    past `deadline`, a ``time.perf_counter()`` value: then the best is not certified).
    """
    def check_time():
        if deadline is not None and time.perf_counter() > deadline:
            raise _OutOfTime

    track = _Tracker(geo, k, incumbent_sse)
    track.timed_out = False
    options = geo.options()
    P = geo.patterns.shape[1]
    n_opt = len(options)
    if n_opt <= k:  # every option at once covers every network (unused ones at 0)
        track.n_configurations = 1
        track.solve(options)
        track.n_leaves = 1
        return track, True
    track.n_configurations = math.comb(n_opt, k)
    if track.threshold() <= 0:  # constant target
        track.n_pruned = track.n_configurations
        return track, True
    bar = None
    try:
        if track.n_configurations > 20 * n_opt:  # small problems: the bounds suffice
            _local_search(track, options)

        def solve_sets(sets, bounds):
            order = np.argsort(bounds, kind="stable")
            sets, bounds = sets[order], bounds[order]
            for a in range(0, len(sets), _CHUNK):
                check_time()
                chunk, cb = sets[a:a + _CHUNK], bounds[a:a + _CHUNK]
                live = cb < track.threshold()
                for i in np.flatnonzero(~live):
                    track.n_pruned += _n_set_configs(chunk.shape[1], k, geo.full in chunk[i])
                if not live.any():
                    continue
                chunk, cb = chunk[live], cb[live]
                # Per-unit signed bounds for the chunk, against the current
                # threshold (it only falls, so later use stays safe).
                full_size = chunk.shape[1] == k
                lbs = _signed_bounds(geo, chunk, track.threshold() if full_size else None)
                if full_size:
                    # No doubled pattern: a set is done when some unit has both
                    # signs bounded away (the full pattern has no sign: lbs 0).
                    dead = np.any(lbs.min(axis=2) >= track.threshold(), axis=1)
                    if dead.any():
                        has_full = np.any(chunk[dead] == geo.full, axis=1)
                        track.n_pruned += int(np.sum(np.where(
                            has_full, _n_set_configs(k, k, True), _n_set_configs(k, k, False))))
                        chunk, cb, lbs = chunk[~dead], cb[~dead], lbs[~dead]
                for i in range(len(chunk)):
                    if cb[i] >= track.threshold():
                        track.n_pruned += _n_set_configs(chunk.shape[1], k,
                                                         geo.full in chunk[i])
                    else:
                        _solve_set(track, chunk[i], lbs[i])

        sizes = list(range(max(1, (k + 1) // 2), min(k, P) + 1))
        bar = tqdm(total=sum(math.comb(P, s) for s in sizes), desc=desc, unit="set",
                   disable=None if progress else True, leave=False)
        for size in sizes:
            per_set = np.array([_n_set_configs(size, k, False), _n_set_configs(size, k, True)])
            buf_sets, buf_bounds, n_buf = [], [], 0
            for sets, bounds, nb, npr, nf in _bounded_sets(geo, size, track.threshold,
                                                           signed_last=size == k):
                track.n_bounds += nb
                track.n_pruned += int((npr - nf) * per_set[0] + nf * per_set[1])
                if len(bounds):
                    buf_sets.append(sets)
                    buf_bounds.append(bounds)
                    n_buf += len(bounds)
                if n_buf > _BUFFER:
                    solve_sets(np.vstack(buf_sets), np.concatenate(buf_bounds))
                    buf_sets, buf_bounds, n_buf = [], [], 0
                bar.update(nb)
                check_time()
            if n_buf:
                solve_sets(np.vstack(buf_sets), np.concatenate(buf_bounds))
        complete = True
    except (KeyboardInterrupt, _OutOfTime) as stop:
        complete = False
        track.timed_out = isinstance(stop, _OutOfTime)
    finally:
        if bar is not None:
            bar.close()
    return track, complete


# ---------------------------------------------------------------------------
# The public entry points' shared body: validate, scale, search, build, report.

def _check_inputs(X, y, n_features, X_name, y_name, func):
    """Validated ``(X (n, d), y (n,))`` float arrays for `func` (exact_1d / exact_2d)."""
    from .._validation import check_data

    X_arr = np.asarray(X) if not hasattr(X, "iloc") else X
    if n_features == 1 and getattr(X_arr, "ndim", 2) == 1:
        X_arr = np.asarray(X_arr).reshape(-1, 1)
    if getattr(X_arr, "ndim", 2) > 2:
        raise ValueError(f"{X_name} must be of shape (n_samples, {n_features})"
                         f"{' or (n_samples,)' if n_features == 1 else ''}; got shape "
                         f"{np.shape(X_arr)}.")
    with np.errstate(over="ignore", invalid="ignore"):  # sums of huge values in the check
        Xc, Y = check_data(X_arr, y, X_name, y_name)
    if Xc.shape[1] != n_features:
        other = ("exact_1d" if Xc.shape[1] == 1 else "exact_2d" if Xc.shape[1] == 2
                 else "exactfit.fit_global or certify.convex_relu")
        what = "1-D inputs (one feature)" if n_features == 1 else "2-D inputs (two features)"
        raise ValueError(f"{func} needs {what}; got {X_name} with shape {Xc.shape}. "
                         f"Use {other}.")
    if Y.shape[1] != 1:
        raise ValueError(f"{func} handles one output; got {y_name} with {Y.shape[1]} outputs "
                         f"(units shared across outputs make the subproblems non-convex).")
    return Xc, Y[:, 0]


def _scale(values, name):
    """(centre, scale) with finite spread, so that round-off is relative to O(1) data."""
    with np.errstate(over="ignore", invalid="ignore"):
        centre = np.mean(values, axis=0)
        spread = np.max(np.abs(values - centre), axis=0)
    if not np.all(np.isfinite(centre)) or not np.all(np.isfinite(spread)):
        raise ValueError(f"{name} is too large to handle in float64 (its spread overflows); "
                         f"rescale it.")
    spread = np.where(spread > 0, spread, 1.0)
    return centre, spread


def _network(geo, config, x, k, Xs, xc, xs, yc, ys, X, y):
    """The k-unit network of a solved configuration, in original units."""
    from ..network import Network

    d = geo.d
    W1, b1, w2 = np.zeros((d, k)), np.zeros(k), np.zeros(k)
    for j, (v, sign, affine) in enumerate(geo.units(config, x)):
        full = geo.V @ v
        ws, bs = full[:d], full[d]
        if not np.any(full):
            continue
        if affine:
            # One unit active on every sample (margin 1 in scaled units) carries the
            # affine function; the shift goes into the intercept below.
            bs = bs - np.min(Xs @ ws + bs) + 1.0
        w = ws / xs
        b = bs - w @ xc
        nrm = float(np.sqrt(w @ w + b * b))
        W1[:, j], b1[j], w2[j] = w / nrm, b / nrm, sign * ys * nrm
    Hh = np.maximum(X @ W1 + b1, 0.0)
    c = float(np.mean(y - Hh @ w2))
    return Network([W1, w2[:, None]], [b1, np.array([c])], "relu", "linear")


def _incumbent_loss(incumbent, X, y, d):
    """The MSE of `incumbent` (a number or a network) on the data."""
    import numbers

    from .._validation import check_network
    from ..losses import mse

    if incumbent is None:
        return np.inf, None
    if isinstance(incumbent, numbers.Real) and not isinstance(incumbent, (bool, np.bool_)):
        val = float(incumbent)
        if not np.isfinite(val) or val < 0:
            raise ValueError(f"incumbent must be a finite loss >= 0 or a network; got {val}.")
        return val, None
    try:
        net = check_network(incumbent, "incumbent")
    except TypeError:
        raise TypeError(f"incumbent must be None, a loss (float) or a Network/FitResult; got "
                        f"{type(incumbent).__name__}.") from None
    if net.n_inputs != d or net.n_outputs != 1:
        raise ValueError(f"incumbent must be a network with {d} input(s) and 1 output; got "
                         f"{net!r}.")
    with np.errstate(over="ignore", invalid="ignore"):
        return float(mse(net, X, y)), net


def run_exact(X, y, hidden, incumbent, max_configurations, progress, n_features, name,
              X_name, y_name, max_time=None):
    """Body of exact_1d / exact_2d: see their docstrings."""
    from .._validation import check_positive, check_positive_int

    t0 = time.perf_counter()
    if max_time is not None:
        max_time = check_positive(max_time, "max_time")
    X, y = _check_inputs(X, y, n_features, X_name, y_name, name)
    k = check_positive_int(hidden, "hidden")
    max_configurations = check_positive_int(max_configurations, "max_configurations")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool; got {progress!r}.")
    N = len(y)
    if N * k > 50_000_000:
        raise ValueError(f"hidden={k} with {N} samples needs a {N} x {k} hidden layer "
                         f"({N * k * 8 / 1e9:.1f} GB per evaluation); use fewer units "
                         f"(more than 2 n^2 units never help).")
    inc_loss, inc_net = _incumbent_loss(incumbent, X, y, n_features)
    xc, xs = _scale(X, X_name)
    yc_, ys = _scale(y, y_name)
    Xs = (X - xc) / xs
    ysd = (y - yc_) / ys
    n_distinct = len(np.unique(Xs, axis=0))
    cost = exact_cost(n_distinct, k, n_features)
    if cost["n_configurations"] > max_configurations and (n_features == 1 or n_distinct > 200):
        raise ValueError(_too_big(name, cost, n_distinct, k, max_configurations))
    # One BLAS thread: the products here are small, and OpenBLAS threads spinning
    # on a busy second core cost about 4x in CPU and 3x in wall time (measured).
    with _controller().limit(limits=1, user_api="blas"):
        return _run(name, X, y, Xs, ysd, xc, xs, yc_, ys, k, n_features, n_distinct, cost,
                    max_configurations, inc_loss, inc_net, incumbent, progress, t0,
                    None if max_time is None else t0 + max_time)


def _run(name, X, y, Xs, ysd, xc, xs, yc_, ys, k, n_features, n_distinct, cost,
         max_configurations, inc_loss, inc_net, incumbent, progress, t0, deadline=None):
    from ..losses import mse
    from ..result import FitResult

    N = len(y)
    geo = _Geometry(Xs, ysd)
    P = geo.patterns.shape[1]
    n_opt = 2 * P - 1
    n_conf = math.comb(n_opt, min(k, n_opt))
    if n_conf > max_configurations:
        cost = dict(cost, n_patterns=P, n_options=n_opt, n_configurations=n_conf)
        raise ValueError(_too_big(name, cost, n_distinct, k, max_configurations))
    inc_sse = np.inf if not np.isfinite(inc_loss) else inc_loss * N / ys ** 2 - geo.within
    track, complete = _search(geo, k, inc_sse, progress=progress, desc=name,
                              deadline=deadline)
    if complete and track.sse > inc_sse + 2 * track.tol:
        # A stated loss that no network reaches may have pruned the optimum: the
        # search is only a proof with incumbents that are achieved.
        import warnings

        warnings.warn(f"{name}: no network reaches incumbent={incumbent!r}; searching again "
                      f"without it.", RuntimeWarning, stacklevel=4)
        track, complete = _search(geo, k, np.inf, progress=progress, desc=name,
                                  deadline=deadline)
    net = _network(geo, track.config, track.x, k, Xs, xc, xs, yc_, ys, X, y)
    with np.errstate(over="ignore", invalid="ignore"):  # sklearn's finiteness check on huge X
        loss = float(mse(net, X, y))
    optimum = float((track.sse + geo.within) * ys ** 2 / N)
    tolerance = float(_TOL * geo.tot * ys ** 2 / N)
    fragile = complete and loss > optimum + 2 * tolerance + 1e-9 * optimum
    if fragile:
        net, loss = _sturdier(geo, Xs, ysd, xc, xs, yc_, ys, X, y, k, net, loss, name)
    if complete and inc_net is not None and inc_loss < optimum - tolerance - 1e-12 * optimum:
        raise RuntimeError(f"{name}: the incumbent network has MSE {inc_loss!r}, below the "
                           f"certified optimum {optimum!r}: the enumeration missed a network. "
                           f"This is a bug; please report it with the data.")
    counts = {key: int(getattr(track, key)) for key in (
        "n_configurations", "n_solved", "n_pruned", "n_leaves", "n_bounds", "n_local")}
    arch = f"{n_features} -> {k} ReLU -> 1"
    common = dict(network=net, loss=loss, method=f"certify:{name}",
                  time=time.perf_counter() - t0, nit=counts["n_solved"] + counts["n_local"],
                  n_patterns=P, n_distinct=n_distinct, tolerance=tolerance, **counts)
    if not complete:
        import warnings

        why = (f"stopped at max_time ({deadline - t0:g} s)" if track.timed_out
               else "interrupted (KeyboardInterrupt)")
        warnings.warn(f"{name} {why}: the network returned is the best found so far, NOT "
                      f"certified.", RuntimeWarning, stacklevel=4)
        return FitResult(evidence="search", success=False, optimum=None, certificate=None,
                         message=f"{why}: best network found so far, not certified",
                         timed_out=bool(track.timed_out), **common)
    cert = (f"no {arch} network has MSE below {optimum:.10g} - {tolerance:.2g} on these {N} "
            f"samples ({n_distinct} distinct inputs, {P} activation patterns): every network's "
            f"fit lies in one of {counts['n_configurations']} sign configurations; "
            f"{counts['n_leaves']} were solved exactly (NNLS, KKT-checked) and "
            f"{counts['n_pruned']} excluded by lower bounds (least squares without sign "
            f"constraints, or with fewer).")
    message = "exact global optimum by enumeration of activation patterns"
    if fragile:
        message += (f"; the network attaining it needs weights so large that float64 cannot "
                    f"evaluate it on these inputs (nearly collinear or nearly coincident "
                    f"after scaling): the network returned, the best of it and of the "
                    f"enumeration with such near-degeneracies taken as exact, has MSE "
                    f"{loss:.6g}")
    return FitResult(evidence="certified", success=True, optimum=optimum, certificate=cert,
                     message=message, **common)


def _sturdier(geo, Xs, ysd, xc, xs, yc, ys, X, y, k, net, loss, name):
    """A network as good as float64 allows when the optimum's is not evaluable.

    On inputs that are collinear up to round-off (an affine image of collinear
    points, shrunk to 1e-6 of their offset), the enumeration can reach the optimum
    with a unit across the line whose slope is ~1e13: exact on the standardised data,
    off by rounding on the caller's. Taking near-degeneracies as exact (singular
    values of the inputs below 1e-8 of the largest dropped) gives networks along
    the line; the better of the two on the caller's data is returned. The stated
    optimum stays the first enumeration's (the certificate is about that data).
    """
    from ..losses import mse

    coarse = _Geometry(Xs, ysd, rank_tol=1e-8)
    if coarse.r >= geo.r:
        return net, loss
    track, complete = _search(coarse, k, np.inf, progress=False, desc=name)
    if not complete:
        return net, loss
    other = _network(coarse, track.config, track.x, k, Xs, xc, xs, yc, ys, X, y)
    with np.errstate(over="ignore", invalid="ignore"):
        other_loss = float(mse(other, X, y))
    return (other, other_loss) if other_loss < loss else (net, loss)


def _too_big(name, cost, n_distinct, k, limit):
    return (f"{name} would consider {cost['n_configurations']} configurations "
            f"({cost['n_patterns']} activation patterns for {n_distinct} distinct inputs, "
            f"hidden={k}; {cost['n_bounds']} pattern sets to bound), more than "
            f"max_configurations={limit}. Use fewer points or units, or raise "
            f"max_configurations (see exactfit.certify.exact_cost and benchmarks/exact.py "
            f"for the time it takes).")

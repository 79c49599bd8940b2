"""The polish ladder: a subsampled search's best minima polished on ever larger samples."""

import numpy as np

from .._parallel import run_trials
from .._validation import check_random_state
from ._canonical import canonical
from ._local import Problem
from ._search import _HOP_PATIENCE, _RTOL

# Each rung multiplies the rows by _LADDER_FACTOR, but a rung after the first that is
# below all the data holds at most _LADDER_LAST of it: at 200000 rows the old rungs
# 16000, 128000, 200000 spent most of the polish on the 128000-row rung, which costs
# nearly what all the rows cost; 16000, 50000, 200000 needs 30% fewer row-evaluations (5
# calls on a Euclid square, same losses). Rungs below all the data only rank the
# candidates, at L-BFGS tolerance _LADDER_TOL. Not the last: loose there too took 25%
# fewer evaluations on the Euclid square, but on a 60000-point Gaussian sample (4 units,
# |x1 - 0.2| + tanh(2 x2)) it ranked a candidate 3.2e-4 above the full-data optimum
# first, where the normal tolerance ranks the optimum first (by hand).
_LADDER_FACTOR, _LADDER_LAST, _LADDER_TOL = 8, 0.25, "loose"
# Candidates carried from a subsampled search to the full-data polish, and the band
# (relative to the best on the search sample) they are taken from.
_CARRY, _CARRY_BAND = 8, 0.02


def polish_ladder(pool, best, Xs, Ys, rows, opts, n_search, mats, rs, n_jobs, floor):
    """Polish the best minima of a subsampled search on ever larger samples.

    Candidates: the distinct minima within ``_CARRY_BAND`` of the best on the
    search sample (the best's symmetric copies included), at most ``_CARRY``.
    Each rung multiplies the sample by 8 (the search rows first, so each rung's
    sample contains the last) until all rows are used, a later rung below all of
    them holding at most a quarter of the rows (:func:`next_rung`); rungs below all
    the data run L-BFGS at the loose tolerance (they only rank), all the data at the
    normal one (the winner's tight run comes after the ladder); after each rung the
    distinct candidates within ``_CARRY_BAND`` of the rung's best go on (at most
    ``_CARRY``), except those behind it by more than three standard errors of
    the per-sample loss difference (:func:`may_overtake`). On a 200000-point
    Euclid square, two minima 5e-4 apart (copies under the square's symmetry)
    swap ranks between 16000 rows and all of them: carrying only the best 3
    within 0.5% ended in the worse one in 2 of 4 calls, carrying the
    statistically undecided ones in 0 of 3 (measured by hand once; the check
    that stays is benchmarks/scaling.py against a full-data search).

    On the first rung the best is also canonicalised (copies, basin hopping):
    the search sample's ranking of nearby minima need not hold on more data (on
    a 1500-row sample of a 6000-row Euclid square, the best basin of the sample
    was 5e-4 above the best of all the data), and walking the funnel again on
    8 times the rows costs far less than on all of them; the kink minima left
    by the larger sample are about 1/(8 n_search) apart.

    Returns ``(theta, iterations, improved_by_symmetry)``.
    """
    pool = sorted(pool, key=lambda p: p[1])
    cands = []
    for theta, f in pool:
        if f > best * (1 + _CARRY_BAND) or len(cands) == _CARRY:
            break
        if all(abs(f - g) > _RTOL * g for _, g in cands):
            cands.append((theta, f))
    n = len(Xs)
    outside = np.ones(n, bool)
    outside[rows] = False
    rest = check_random_state(len(rows)).permutation(np.flatnonzero(outside))
    order = np.concatenate([rows, rest])
    size, nit, by_sym, first = n_search, 0, False, True
    while True:
        size = next_rung(size, n, first)
        idx = order[:size]
        problem = Problem(Xs[idx], Ys[idx], opts["sizes"], opts["act"], opts["output"],
                          opts["loss"], opts["maxiter"])
        tol = "normal" if size == n else _LADDER_TOL
        # Threads: the rungs' runs are numpy passes over up to all the rows (the GIL is
        # released there), and threads share the rows where worker processes would each
        # get a copy (megabytes per candidate). By hand, 3 calls at 200000 points with
        # n_jobs=2: the ladder took 2% to 15% less time than in one process.
        # (partial=False: a Ctrl-C goes on to fit_global, which keeps the best so far)
        runs = run_trials(Problem.local, [(problem, t, tol) for t, _ in cands],
                          n_jobs=n_jobs, prefer="threads", partial=False)
        runs = sorted((r for r in runs if np.isfinite(r[1])), key=lambda r: r[1])
        if not runs:
            return cands[0][0], nit, by_sym
        nit += sum(r[2] for r in runs)
        if first and runs[0][1] > floor:  # (an exact fit has nothing to canonicalise)
            first = False
            theta, f, _, found, it, by_sym = canonical(problem, runs[0][0], runs[0][1], mats,
                                                       rs, _HOP_PATIENCE, _RTOL, n_jobs)
            nit += it
            runs = sorted(runs + [(t, g, 0) for t, g in found] + [(theta, f, 0)],
                          key=lambda r: r[1])
        top = runs[0][1]
        if size == n:
            return runs[0][0], nit, by_sym
        cands = []
        for t, g, _ in runs:
            if g > top * (1 + _CARRY_BAND) or len(cands) == _CARRY:
                break
            if all(abs(g - h) > _RTOL * h for _, h in cands) and (
                    not cands or may_overtake(problem, t, cands[0][0])):
                cands.append((t, g))


def next_rung(size, n, first=False):
    """Rows of the polish ladder's rung after one of `size` rows, of `n` (see _LADDER_*).

    The `first` rung (where the best is canonicalised again) is always `_LADDER_FACTOR`
    times the search sample: capped at a quarter of 20000 rows (5000), it ended one of
    5 Euclid calls 0.2% above the optimum that 16000 rows reach (benchmarks/scaling.py).
    """
    nxt = _LADDER_FACTOR * size
    if nxt >= n:
        return n
    if first or nxt <= _LADDER_LAST * n:
        return nxt
    return int(_LADDER_LAST * n) if size < _LADDER_LAST * n else n


def may_overtake(problem, theta, theta_best, z=3.0):
    """Whether `theta` could still beat `theta_best` on more data.

    On the rung's sample, the mean of the per-sample loss differences must be
    within `z` standard errors of 0 (it is the estimate of the difference on the
    data the rows are drawn from); a candidate behind by more is dropped, which
    spares its L-BFGS runs on every larger rung (200000 rows: about a second each).
    """
    diff = per_sample_loss(problem, theta) - per_sample_loss(problem, theta_best)
    return diff.mean() <= z * diff.std() / np.sqrt(len(diff))


def per_sample_loss(problem, theta):
    err = problem.obj.forward(theta)[1][1][-1] - problem.Y
    return np.mean(err ** 2 if problem.loss == "mse" else np.abs(err), axis=1)

"""From a start's local minimum to the bottom of its basin, copies included.

Two starts that end in the same basin of the same minimum should report the
same loss, or the stopping rule cannot see that they agree. Two things stand in
the way on a finite sample:

- symmetric copies: on a (nearly) symmetric sample every minimum has copies,
  one per symmetry of the data's bounding box, with losses up to ~1% apart;
- kinks: each sample that crosses a unit's boundary makes a kink in the loss,
  so a basin holds many nearby minima (about 1/n apart in relative loss; on 500
  points a basin's minima spread over ~2%).

A promising start (its loss within :data:`BAND` of the incumbent's and not
already matching it) is therefore *canonicalised*: its symmetric copies are
re-optimised and the best kept (:mod:`._symmetry`), then monotonic basin hopping
walks down the funnel of nearby minima (:func:`._moves.basin_hop`), and the
copies of the result are re-optimised too. Their losses form the minimum's
*orbit*: a later start whose local minimum has one of these losses (within the
stopping rule's tolerance) has reached the same minimum without any more work.

Canonicalising costs a dozen or more L-BFGS runs, and most starts near the best
on a large sample are in its funnel already: the same arrangement of unit
boundaries, a few samples on the other side of one of them (a kink minimum),
or a copy. :func:`same_arrangement` recognises those from the units'
activation patterns on the sample, at the cost of one forward pass, so they
count as reaching the best without being canonicalised.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment

from .._parallel import run_trials
from ..network import unflatten
from ._moves import basin_hop
from ._symmetry import image

#: Rounds of copies and basin hopping in :func:`canonical` (a round follows only when the
#: last hop found a lower minimum, whose copies have not been tried; with no symmetries
#: there is one round).
_ROUNDS = 3
#: A start within this fraction of the incumbent's loss may be in its basin (a copy, or a
#: nearby minimum of a kinked loss) and is canonicalised.
BAND = 0.05
#: Two networks have the same arrangement when their units can be matched so that every
#: matched pair's activation patterns differ on at most this fraction of the samples (and
#: their outgoing weights point the same way). Kink minima of one funnel differ by a few
#: samples (each about 1/n apart in loss); distinct minima move boundaries across far more
#: (a 6-unit pyramid turned by 30 degrees: about 1/6 of the samples per unit).
PATTERN_FRAC = 0.02
# A unit counts (is part of the arrangement) when its output's contribution, |outgoing
# weight| x RMS of its activation, is at least this fraction of the largest unit's.
_UNIT_FLOOR = 1e-3


def copies(problem, theta, mats, n_jobs):
    """Re-optimised symmetric images of `theta`: list of ``(theta, f, iterations)``.

    Every image is re-optimised: on a finite sample an image can fit several times
    worse before re-optimisation (500 points: up to 3.5x) and still settle into a
    copy of the minimum.
    """
    images = [problem.polish(image(theta, problem.sizes, P)) for P in mats]
    # (partial=False: a Ctrl-C reaches fit_global, which then stops; with the copies cut
    # short, the canonicalisation would pass for done)
    runs = run_trials(_local_run, [(problem, t) for t in images], n_jobs=n_jobs, partial=False)
    return [r for r in runs if np.isfinite(r[1])]


def canonical(problem, theta, f, mats, rs, patience, rtol, n_jobs):
    """The bottom of the basin of `theta`: best copy, basin hopping, and again from the
    hop's minimum (its copies, another hop) while hopping finds lower, up to _ROUNDS.

    Returns
    -------
    theta, f : the lowest network found and its loss
    orbit : list of float
        Losses of the result and of its re-optimised copies.
    found : list of (theta, f)
        Every minimum met (candidates for the final polish).
    nit : int
        L-BFGS iterations spent.
    improved_by_symmetry : bool
    """
    nit, found, by_symmetry, runs = 0, [], False, []
    for _ in range(_ROUNDS if mats else 1):  # (without copies, one hop as before)
        runs = copies(problem, theta, mats, n_jobs) if mats else []
        for t, g, it in runs:
            nit += it
            found.append((t, g))
            if g < f:
                theta, f, by_symmetry = t, g, True
        if not patience:
            break
        t, g, it = basin_hop(problem, theta, f, rs, patience)
        nit += it
        if not g < f:
            break  # the copies just made are the result's
        found.append((t, g))
        theta, f = t, g
        # The hop left for another minimum: its own copies can be lower still. On the
        # suite's 6-unit x1 x2 annulus, a call ended at 1.0044x the best-known, a minimum
        # reached by hopping from a copy; that minimum's own copies (never tried) settle
        # at 1.0014x, and hopping from there at 1.0004x.
    # The orbit: the result and the images that settled within BAND of it (copies). After
    # the last round's hop improved, they are the previous minimum's copies (_ROUNDS
    # bounds the cost).
    orbit = [f] + [g for _, g, _ in runs if g <= f * (1 + BAND)]
    return theta, f, orbit, found, nit, by_symmetry


def arrangement(problem, theta):
    """The active units' activation patterns and outgoing weights: ``(P, A)``.

    `P` is a boolean array (n_samples, units), `A` the outgoing weights (units,
    n_outputs); units that contribute next to nothing (dead ones included) are
    left out. None when the network has more than one hidden layer.
    """
    if len(problem.sizes) != 3:
        return None
    H = problem.hidden(theta)
    W2 = unflatten(theta, problem.sizes)[0][1]
    contrib = np.linalg.norm(W2, axis=1) * np.sqrt(np.mean(H ** 2, axis=0))
    keep = contrib >= _UNIT_FLOOR * max(float(contrib.max()), 1e-300)
    return H[:, keep] > 0, W2[keep]


def same_arrangement(a, b, frac=PATTERN_FRAC):
    """Whether two arrangements (from :func:`arrangement`) are the same up to `frac`."""
    if a is None or b is None:
        return False
    (Pa, Aa), (Pb, Bb) = a, b
    if Pa.shape != Pb.shape or Pa.shape[1] == 0:
        return False
    Pa, Pb = Pa.astype(float), Pb.astype(float)
    # Hamming distances between every pair of units' patterns, as fractions of the samples.
    cost = (Pa.T @ (1 - Pb) + (1 - Pa).T @ Pb) / len(Pa)
    cost[Aa @ Bb.T <= 0] = np.inf  # outgoing weights opposed: not the same unit
    rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 2.0))
    return bool(np.all(cost[rows, cols] <= frac))


def _local_run(problem, theta):
    return problem.local(theta)

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
"""

import numpy as np

from .._parallel import run_trials
from ._moves import basin_hop
from ._symmetry import image

#: A start within this fraction of the incumbent's loss may be in its basin (a copy, or a
#: nearby minimum of a kinked loss) and is canonicalised.
BAND = 0.05


def copies(problem, theta, mats, n_jobs):
    """Re-optimised symmetric images of `theta`: list of ``(theta, f, iterations)``.

    Every image is re-optimised: on a finite sample an image can fit several times
    worse before re-optimisation (500 points: up to 3.5x) and still settle into a
    copy of the minimum.
    """
    images = [problem.polish(image(theta, problem.sizes, P)) for P in mats]
    runs = run_trials(_local_run, [(problem, t) for t in images], n_jobs=n_jobs)
    return [r for r in runs if np.isfinite(r[1])]


def canonical(problem, theta, f, mats, rs, patience, rtol, n_jobs):
    """The bottom of the basin of `theta`: best copy, basin hopping, copies again.

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
    nit, found = 0, []
    runs = copies(problem, theta, mats, n_jobs) if mats else []
    by_symmetry = False
    for t, g, it in runs:
        nit += it
        found.append((t, g))
        if g < f:
            theta, f, by_symmetry = t, g, True
    if patience:
        t, g, it = basin_hop(problem, theta, f, rs, patience)
        nit += it
        if g < f:
            found.append((t, g))
            theta, f = t, g
    # The orbit: the result and the images that settled within BAND of it (copies).
    orbit = [f] + [g for _, g, _ in runs if g <= f * (1 + BAND)]
    return theta, f, orbit, found, nit, by_symmetry


def _local_run(problem, theta):
    return problem.local(theta)

"""Symmetric images of a network under the symmetries of the data's bounding box.

A symmetric domain (the Euclid square) has several copies of each minimum, one
per symmetry of the domain; on a finite sample their losses differ (up to ~1% on
2000 points), and L-BFGS from one copy never reaches another. The search
therefore re-optimises the images of its best network, and counts a start that
ends in another copy of the best as having reached the best (see
:mod:`._stopping`).

The search runs on standardised data (each feature centred, unit variance), so
the symmetries are the signed permutations ``P`` of the coordinates: ``d! 2^d``
of them, 8 in 2-D, 48 in 3-D, 384 in 4-D. The image of a network ``f`` is
``x -> f(P x)``: first-layer weights ``W -> P^T W``, everything else unchanged.
"""

import itertools
import math

import numpy as np
from sklearn.utils import check_random_state

from ..network import unflatten

#: Most inputs for which symmetric images are computed (``symmetries=True``): 4 inputs
#: already give 383 images, each an L-BFGS run.
MAX_SYMMETRY_INPUTS = 4
# Rows the invariance test of a sample uses at most (a random subset, fixed seed).
_INVARIANCE_ROWS = 4000


def n_images(d):
    """Number of images other than the network itself: ``d! 2^d - 1``."""
    return math.factorial(d) * 2 ** d - 1


def box_symmetries(d):
    """Signed permutation matrices of R^d except the identity (``d! 2^d - 1`` of them)."""
    mats = []
    for perm in itertools.permutations(range(d)):
        for signs in itertools.product((1.0, -1.0), repeat=d):
            P = np.eye(d)[list(perm)] * np.array(signs)[:, None]
            if not np.array_equal(P, np.eye(d)):
                mats.append(P)
    return mats


def image(theta, sizes, P):
    """Flat parameters of ``x -> f(P x)`` for the network ``f`` of `theta` (centred inputs)."""
    theta = theta.copy()
    W = unflatten(theta, sizes)[0][0]
    W[...] = P.T @ W
    return theta


def invariant(X, mats, n_splits=8):
    """The matrices of `mats` under which the sample `X` (standardised) looks invariant.

    A sample whose distribution is not symmetric under ``P`` (a skewed, clustered or
    triangular sample) has no copy of a minimum at its image: re-optimising the
    image is then one more local run, not a copy, and in 3-D the 47 images took
    more than half of a call (a 1492-point, 3-cluster sample, 4 units: 26 of 47 s).
    The test compares the sample with its image ``X P^T`` along the coordinate axes
    and the diagonals ``(e_i +- e_j) / sqrt 2`` (a set the signed permutations map
    onto itself): the largest 1-D Wasserstein distance between the projections must
    be at most twice the one between two random halves of the sample (the sampling
    noise, mean of `n_splits` splits with a fixed seed, so the choice depends on the
    sample alone; at most 4000 of its rows, drawn with that seed). Uniform samples
    of a square, disc, annulus or rectangle and Gaussian samples keep every image
    from 300 points on; an exponential or triangular sample keeps 1 or 3 of 7.
    """
    if not mats:
        return []
    rs = check_random_state(0)
    if len(X) > _INVARIANCE_ROWS:  # (a full-data search on 200000 rows: seconds of sorting)
        X = X[rs.choice(len(X), _INVARIANCE_ROWS, replace=False)]
    n, d = X.shape
    if n < 4:
        return list(mats)
    dirs = [np.eye(d)[i] for i in range(d)]
    for i, j in itertools.combinations(range(d), 2):
        for sign in (1.0, -1.0):
            v = np.zeros(d)
            v[i], v[j] = 1.0, sign
            dirs.append(v / np.sqrt(2))
    U = np.array(dirs).T
    # For two samples of equal size the 1-D Wasserstein distance is the mean gap between
    # their sorted values (scipy.stats.wasserstein_distance gives the same, one
    # direction and one pair at a time): all directions at once here.
    proj = np.sort(X @ U, axis=0)
    half = n // 2
    noise = 0.0
    for _ in range(n_splits):
        idx = rs.permutation(n)
        a, b = np.sort(X[idx[:half]] @ U, axis=0), np.sort(X[idx[half:2 * half]] @ U, axis=0)
        noise += float(np.max(np.mean(np.abs(a - b), axis=0))) / n_splits
    keep = []
    for P in mats:
        dist = float(np.max(np.mean(np.abs(proj - np.sort(X @ P.T @ U, axis=0)), axis=0)))
        if dist <= 2.0 * noise:
            keep.append(P)
    return keep

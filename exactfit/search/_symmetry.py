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

from ..network import unflatten

#: Most inputs for which symmetric images are computed (``symmetries=True``): 4 inputs
#: already give 383 images, each an L-BFGS run.
MAX_SYMMETRY_INPUTS = 4


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

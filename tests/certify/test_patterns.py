import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from exactfit.certify import enumerate_patterns, network_patterns, sample_patterns
from exactfit.certify._patterns import augment
from exactfit import Network


def _realisable(Xa, signs):
    """Independent LP: is there u with s_i * (Xa u)_i >= 1 for all i?"""
    A = -(signs[:, None] * Xa)
    res = linprog(np.zeros(Xa.shape[1]), A_ub=A, b_ub=-np.ones(len(Xa)),
                  bounds=[(None, None)] * Xa.shape[1], method="highs")
    return res.status == 0


@pytest.mark.parametrize("d,n", [(1, 6), (2, 6), (2, 7)])
def test_enumeration_equals_brute_force(d, n, rng):
    X = rng.normal(size=(n, d))
    if n == 7:  # degenerate: three collinear points and a duplicate
        X[2] = 0.5 * (X[0] + X[1])
        X[6] = X[3]
    P = enumerate_patterns(X)
    Xa = augment(X)
    got = {tuple(c) for c in P.T}
    brute = set()
    for bits in itertools.product([False, True], repeat=n):
        if any(bits) and _realisable(Xa, np.where(bits, 1.0, -1.0)):
            brute.add(bits)
    assert got == brute


@pytest.mark.parametrize("n", [4, 9, 15])
def test_general_position_count(n, rng):
    # Central arrangement of n generic planes in R^3: n^2 - n + 2 regions (one all-zero).
    P = enumerate_patterns(rng.uniform(-1, 1, size=(n, 2)))
    assert P.shape[1] == n * n - n + 1


def test_samples_are_subset_of_enumeration(rng):
    X = rng.normal(size=(12, 2))
    full = {c.tobytes() for c in enumerate_patterns(X).T}
    S = sample_patterns(X, 500, random_state=0)
    assert S.shape[1] > 10
    assert all(c.tobytes() in full for c in S.T)
    # Deduplicated, no all-zero column.
    assert len({c.tobytes() for c in S.T}) == S.shape[1] and S.any(axis=0).all()


def test_network_patterns(rng):
    X = rng.normal(size=(10, 2))
    net = Network([rng.normal(size=(2, 3)), np.ones((3, 1))], [rng.normal(size=3), [0.0]])
    P = network_patterns([net], X)
    expected = {c.tobytes() for c in (X @ net.weights[0] + net.biases[0] > 0).T if c.any()}
    assert {c.tobytes() for c in P.T} == expected


def test_enumeration_rejects_3d():
    with pytest.raises(ValueError, match="1-D and 2-D"):
        enumerate_patterns(np.zeros((5, 3)))

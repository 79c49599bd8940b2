"""Screening of redundant orthant constraints in convex_relu: same cones, same optimum."""

import numpy as np
import pytest
from scipy.optimize import linprog

from exactfit.certify import convex_relu, enumerate_patterns, sample_patterns
from exactfit.certify._patterns import augment, orthant_facets


def _data(d, n, seed):
    rs = np.random.RandomState(seed)
    X = rs.uniform(-1, 1, size=(n, d))
    return X, np.sqrt(np.sum(X ** 2, axis=1)) + 0.1 * np.sin(3 * X[:, 0])


def _patterns(X, seed=0):
    return enumerate_patterns(X) if X.shape[1] <= 2 else sample_patterns(X, 40, seed)


def _degenerate_2d():
    X, y = _data(2, 12, 5)
    X[2] = 0.5 * (X[0] + X[1])  # three collinear points
    X[3] = 0.25 * X[0] + 0.75 * X[1]
    X[6] = X[4]  # a duplicate
    return X, y


CASES = {"1-D": _data(1, 15, 0), "2-D": _data(2, 25, 1), "3-D": _data(3, 40, 2),
         "2-D degenerate": _degenerate_2d()}


def _some(P, k=25):
    """At most k patterns, spread over the set (LP checks are per row and pattern)."""
    return P[:, np.unique(np.linspace(0, P.shape[1] - 1, k).astype(int))]


@pytest.mark.parametrize("case", list(CASES))
def test_kept_rows_define_the_same_cone(case):
    """Every dropped constraint is implied by the kept ones (an LP per dropped row)."""
    X, _ = CASES[case]
    Xa = augment(X)
    P = _some(_patterns(X))
    keep = orthant_facets(Xa, P)
    assert len(keep) == P.shape[1]
    n, m = Xa.shape
    n_dropped = 0
    for i, k in enumerate(keep):
        A = (2.0 * P[:, i] - 1.0)[:, None] * Xa
        assert np.all(np.diff(k) > 0) and k.min() >= 0 and k.max() < n
        for j in np.setdiff1d(np.arange(n), k):
            # min a_j . u over the kept cone, in the box |u| <= 1: 0 iff a_j . u >= 0 is implied.
            res = linprog(A[j], A_ub=-A[k], b_ub=np.zeros(len(k)), bounds=[(-1, 1)] * m,
                          method="highs")
            assert res.status == 0
            assert res.fun >= -1e-9 * np.linalg.norm(A[j])
            n_dropped += 1
    assert n_dropped > 0.5 * n * P.shape[1]  # screening removes most rows


@pytest.mark.parametrize("case", list(CASES))
def test_points_of_the_screened_cone_satisfy_every_constraint(case):
    """Vertices of (screened cone ∩ box) and random points of the screened cone."""
    X, _ = CASES[case]
    Xa = augment(X)
    P = _some(_patterns(X))
    keep = orthant_facets(Xa, P)
    rs = np.random.RandomState(0)
    m = Xa.shape[1]
    for i, k in enumerate(keep):
        A = (2.0 * P[:, i] - 1.0)[:, None] * Xa
        scale = np.linalg.norm(A, axis=1)
        for _ in range(5):  # extreme points of the screened cone in the box
            res = linprog(rs.normal(size=m), A_ub=-A[k], b_ub=np.zeros(len(k)),
                          bounds=[(-1, 1)] * m, method="highs")
            assert res.status == 0
            assert np.all(A @ res.x >= -1e-9 * scale)
        # Random points around a strictly feasible direction, kept if screened-feasible.
        # The deepest direction: max t with a_j . g >= t |a_j| for all j, |g| <= 1, so
        # the ball of radius t about g lies in the cone; sample up to 10 t around it.
        c = np.zeros(m + 1)
        c[-1] = -1.0
        sol = linprog(c, A_ub=np.hstack([-A, scale[:, None]]), b_ub=np.zeros(len(A)),
                      bounds=[(-1, 1)] * m + [(None, None)], method="highs").x
        g, t = sol[:m], sol[m]
        assert t > 0
        spread = t * np.logspace(-2, 1, 2000)[:, None] / np.sqrt(m)
        U = g[None, :] + spread * rs.normal(size=(2000, m))
        inside = np.all(U @ A[k].T >= 0, axis=1)
        assert inside.sum() > 10
        assert np.all(U[inside] @ A.T >= -1e-9 * np.linalg.norm(U[inside], axis=1)[:, None]
                      * scale[None, :])


@pytest.mark.parametrize("case", list(CASES))
def test_screened_and_full_programs_agree(case):
    X, y = CASES[case]
    P = _patterns(X)
    beta = 1e-2 * len(y) * np.var(y)
    on = convex_relu(X, y, beta, patterns=P)
    off = convex_relu(X, y, beta, patterns=P, screen=False)
    assert off.n_constraints == len(y) * P.shape[1]
    assert on.n_constraints < 0.5 * off.n_constraints
    assert on.objective == pytest.approx(off.objective, rel=1e-6)
    assert on.network_objective == pytest.approx(off.network_objective, rel=1e-6)
    # Each one's lower bound is below the other's attained value: the same program.
    assert on.dual_bound <= off.network_objective * (1 + 1e-9)
    assert off.dual_bound <= on.network_objective * (1 + 1e-9)


@pytest.mark.parametrize("case", list(CASES))
def test_certificate_holds_with_screening(case):
    """Gap, feasibility (checked on all rows, dropped ones included) and complementarity."""
    X, y = CASES[case]
    P = _patterns(X)
    beta = 1e-2 * len(y) * np.var(y)
    res = convex_relu(X, y, beta, patterns=P)
    assert res.success
    assert res.primal_infeasibility < 1e-7
    assert res.dual_infeasibility < 1e-6
    assert res.complementarity < 1e-6
    assert res.dual_bound <= res.network_objective + 1e-12
    assert res.duality_gap < 1e-6 * res.objective
    # Each recovered unit, scaled back to v = |a| u, satisfies every original orthant
    # constraint (dropped rows included) of some pattern of the set, to 1e-7.
    Z = augment(X) @ np.vstack([res.network.weights[0], res.network.biases[0]])
    Zv = Z * np.abs(res.network.weights[1][:, 0])
    S = 2.0 * P - 1.0
    worst = np.min(S[:, :, None] * Zv[:, None, :], axis=0)  # (patterns, units)
    assert np.all(worst.max(axis=0) >= -1e-7)


def test_multi_output_screened():
    X, y = CASES["2-D"]
    Y = np.column_stack([y, X[:, 0] ** 2])
    on = convex_relu(X, Y, beta=0.05)
    off = convex_relu(X, Y, beta=0.05, screen=False)
    assert on.objective == pytest.approx(off.objective, rel=1e-6)
    assert on.duality_gap < 1e-6 * on.objective


def test_unrealisable_pattern_keeps_every_row():
    """Pattern on, off, on along a line: its cone has no interior, nothing is dropped."""
    X = np.array([[-1.0], [0.0], [1.0], [2.0]])
    P = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], dtype=bool).T
    keep = orthant_facets(augment(X), P)
    np.testing.assert_array_equal(keep[0], np.arange(4))
    np.testing.assert_array_equal(keep[1], [2, 3])  # 1[x <= 1.5]: its two boundary rows


def test_wide_data_keeps_every_row():
    X, _ = _data(4, 20, 3)
    P = sample_patterns(X, 5, 0)
    for k in orthant_facets(augment(X), P):
        np.testing.assert_array_equal(k, np.arange(20))

import numpy as np
import pytest
from scipy.optimize import nnls

from exactfit.certify._nnls import _lawson_hanson, kkt_violation, nnls_checked


@pytest.mark.parametrize("seed", range(20))
def test_random_problems_meet_kkt_and_match_scipy(seed):
    rs = np.random.RandomState(seed)
    m, n = rs.randint(1, 12), rs.randint(1, 12)
    A, b = rs.normal(size=(m, n)), rs.normal(size=m)
    x, sse = nnls_checked(A, b)
    assert np.all(x >= 0)
    assert sse == pytest.approx(float(np.sum((A @ x - b) ** 2)), rel=1e-12, abs=1e-15)
    assert kkt_violation(A, b, x) <= 1e-7
    ref = nnls(A, b)[0]
    assert sse == pytest.approx(float(np.sum((A @ ref - b) ** 2)), rel=1e-9, abs=1e-12)
    assert kkt_violation(A, b, _lawson_hanson(A, b)) <= 1e-7


def test_empty_problems():
    x, sse = nnls_checked(np.zeros((3, 0)), np.array([1.0, 2.0, 2.0]))
    assert x.shape == (0,) and sse == 9.0
    x, sse = nnls_checked(np.zeros((0, 2)), np.zeros(0))
    assert np.array_equal(x, np.zeros(2)) and sse == 0.0


def test_nearly_parallel_columns_are_no_solver_fault():
    """Columns parallel to 1e-9 (an exact_2d subproblem of a sample of spread 1e-6
    around 5, found by hypothesis): the solution has entries ~1e10 that cancel, and the
    gradient's round-off is ~1e-16 of those terms, not of |b|; it must be accepted, not
    raised as a fault, and its residual must still be the least one."""
    rs = np.random.RandomState(0)
    u, w = rs.normal(size=6), rs.normal(size=(6, 5))
    A = u[:, None] + 1e-9 * w
    A = np.hstack([A, -A[:, :2], rs.normal(size=(6, 3))])
    A /= np.linalg.norm(A, axis=0)
    b = rs.normal(size=6)
    x, sse = nnls_checked(A, b, unit_columns=True)
    assert np.all(x >= 0) and np.isfinite(sse)
    assert np.sum(x) > 1e6  # the cancelling case this test is about
    assert kkt_violation(A, b, x) <= 1e-7
    # The reference solver agrees up to the residual's round-off, which scales with the
    # cancelling terms (eps * sum x_j) times |r| <= |b|.
    lh = _lawson_hanson(A, b)
    assert kkt_violation(A, b, lh) <= 1e-7
    slack = 10 * np.finfo(float).eps * np.sum(x) * np.linalg.norm(b)
    assert abs(sse - float(np.sum((A @ lh - b) ** 2))) <= slack

"""search/_local.py: the Problem every start goes through."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from exactfit.network import n_params
from exactfit.search._local import PIECEWISE_LINEAR, Problem


def _problem(act, n=40, d=2, k=3, m=2, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.normal(size=(n, d))
    Y = np.column_stack([np.abs(X[:, 0]) - X[:, 1], np.sin(X[:, 1])])[:, :m]
    return Problem(X, Y, (d, k, m), act, "linear", "mse", 100), rs


@pytest.mark.parametrize("act", PIECEWISE_LINEAR)
def test_levenberg_marquardt_residuals_and_jacobian_are_the_objective(act):
    # the near-zero finish (Levenberg-Marquardt) works on these residuals: their mean
    # square must be the loss of the network with this activation, their Jacobian theirs
    problem, rs = _problem(act)
    for _ in range(3):
        theta = rs.normal(size=n_params(problem.sizes))
        r = problem._residuals(theta)
        assert np.mean(r ** 2) == pytest.approx(problem.value(theta), rel=1e-12)
        J = problem._jacobian(theta)
        for i in rs.choice(len(r), 6, replace=False):
            num = approx_fprime(theta, lambda t: problem._residuals(t)[i], 1e-7)
            np.testing.assert_allclose(J[i], num, atol=1e-5)


def test_unit_moves_for_piecewise_linear_hidden_layers_only():
    assert _problem("relu")[0].unit_moves and _problem("leaky_relu")[0].unit_moves
    for act in ("tanh", "elu", "softplus"):
        assert not _problem(act)[0].unit_moves
    X = np.zeros((5, 1))
    assert not Problem(X, X, (1, 2, 2, 1), "leaky_relu", "linear", "mse", 10).unit_moves
    assert not Problem(X, X, (1, 2, 1), "leaky_relu", "linear", "mae", 10).unit_moves

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import minimize

import exactfit
from exactfit import Network
from exactfit.certify import convex_relu, regularized_objective
from exactfit.certify._patterns import augment


@pytest.fixture(scope="module")
def data2d():
    rs = np.random.RandomState(3)
    X = rs.uniform(-1, 1, size=(14, 2))
    return X, np.sqrt(np.sum(X ** 2, axis=1))


@pytest.fixture(scope="module")
def solved(data2d):
    X, y = data2d
    return convex_relu(X, y, beta=0.05)


def test_certificate_conditions(data2d, solved):
    """Primal feasibility, dual signs, complementarity and a closed gap, recomputed here."""
    X, y = data2d
    res = solved
    assert res.status == cp.OPTIMAL and res.complete and res.evidence == "certified"
    # Primal feasibility of the recovered network: every unit's pattern is in the set.
    net = res.network
    have = {c.tobytes() for c in res.patterns.T}
    Z = X @ net.weights[0] + net.biases[0]
    for j in range(Z.shape[1]):
        # On the boundary (|z| tiny) either side is the same ReLU value.
        pat = Z[:, j] > 1e-7 * np.abs(Z).max()
        assert pat.tobytes() in have or (Z[:, j] > -1e-7).tobytes() in have
    assert res.primal_infeasibility < 1e-7
    assert res.dual_infeasibility < 1e-6
    assert res.complementarity < 1e-6
    # Objective equality: network's regularised objective, computed from scratch.
    n = len(y)
    W1, W2 = net.weights
    direct = 0.5 * np.sum((net.predict(X) - y) ** 2) + 0.025 * (
        np.sum(W1 ** 2) + np.sum(net.biases[0] ** 2) + np.sum(W2 ** 2))
    assert direct == pytest.approx(res.objective, rel=1e-6)
    assert res.network_objective == pytest.approx(direct, rel=1e-12)
    assert res.dual_bound <= res.network_objective + 1e-9
    assert res.duality_gap / res.objective < 1e-6
    assert res.loss == pytest.approx(np.mean((net.predict(X) - y) ** 2) * n / n, rel=1e-12)


def test_dual_values_have_the_right_sign(data2d):
    # Same program written plainly, to read cvxpy's raw multipliers.
    X, y = data2d
    Xa = augment(X)
    P = exactfit.certify.enumerate_patterns(X)
    D = P.astype(float)
    p = D.shape[1]
    V = cp.Variable((p, 3))
    W = cp.Variable((p, 3))
    pred = cp.sum(cp.multiply(D, Xa @ (V - W).T), axis=1)
    cons = [cp.multiply(2 * D - 1, Xa @ V.T) >= 0, cp.multiply(2 * D - 1, Xa @ W.T) >= 0]
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(pred - y) + 0.05 * (
        cp.sum(cp.norm(V, 2, axis=1)) + cp.sum(cp.norm(W, 2, axis=1)))), cons)
    prob.solve(solver="CLARABEL")
    assert prob.status == cp.OPTIMAL
    for c in cons:
        assert c.dual_value.min() >= -1e-7  # dual domain of >= constraints
    res = convex_relu(X, y, beta=0.05, patterns=P)
    assert res.objective == pytest.approx(prob.value, rel=1e-6)


def test_global_over_random_networks(data2d, solved):
    """Locally optimised networks of random widths never beat the certified bound."""
    X, y = data2d
    n = len(y)
    rs = np.random.RandomState(0)
    for trial in range(12):
        k = rs.randint(1, 8)
        sizes = (2, k, 1)
        obj = exactfit.losses.Objective(X, y[:, None], sizes)
        theta0 = Network([rs.normal(size=(2, k)), rs.normal(size=(k, 1))],
                         [rs.normal(size=k), [0.0]]).to_flat()

        def f(t):  # t: every parameter but the output bias (held at 0)
            full = np.append(t, 0.0)
            m, g = obj(full)
            return 0.5 * n * m + 0.025 * t @ t, 0.5 * n * g[:-1] + 0.05 * t
        out = minimize(f, theta0[:-1], jac=True, method="L-BFGS-B")
        net = Network.from_flat(np.append(out.x, 0.0), sizes)
        assert regularized_objective(net, X, y, 0.05) == pytest.approx(out.fun, rel=1e-9)
        assert out.fun >= solved.dual_bound - 1e-9


def test_incomplete_set_with_networks(data2d):
    X, y = data2d
    fg = exactfit.fit_global(X, y, hidden=3, n_restarts=2, random_state=0)
    res = convex_relu(X, y, beta=0.05, patterns="sample", n_patterns=5, networks=[fg],
                      random_state=0)
    assert not res.complete
    have = {c.tobytes() for c in res.patterns.T}
    for c in (X @ fg.network.weights[0] + fg.network.biases[0] > 0).T:
        assert not c.any() or c.tobytes() in have
    # The complete program's optimum is at most the restricted one's.
    full = convex_relu(X, y, beta=0.05)
    assert full.objective <= res.objective * (1 + 1e-7)


def test_multi_output_is_sum_of_single_outputs(data2d):
    X, y = data2d
    Y = np.column_stack([y, X[:, 0] ** 2])
    both = convex_relu(X, Y, beta=0.05)
    one = [convex_relu(X, Y[:, k], beta=0.05).objective for k in range(2)]
    assert both.objective == pytest.approx(sum(one), rel=1e-7)
    assert both.network.n_outputs == 2


def test_one_dimensional_complete():
    x = np.linspace(-1, 1, 9)[:, None]
    res = convex_relu(x, np.abs(x[:, 0]), beta=1e-3)
    assert res.complete and res.n_patterns == 2 * 9 - 1
    assert res.duality_gap <= 1e-6 * res.objective


@pytest.mark.parametrize("kwargs,match", [
    (dict(beta=-1.0), "beta"),
    (dict(beta=0.1, patterns=np.zeros((14, 0))), "patterns"),
    (dict(beta=0.1, patterns=np.zeros((14, 3))), "empty"),
    (dict(beta=0.1, patterns="grid"), "patterns"),
    (dict(beta=0.1, solver="NOPE"), "installed solvers"),
])
def test_bad_input(data2d, kwargs, match):
    X, y = data2d
    with pytest.raises(ValueError, match=match):
        convex_relu(X, y, **kwargs)


def test_screen_must_be_bool(data2d):
    X, y = data2d
    with pytest.raises(TypeError, match="screen"):
        convex_relu(X, y, beta=0.1, screen="no")


def test_solver_failure_names_solver(data2d):
    X, y = data2d
    # OSQP handles no second-order cones: cvxpy refuses, and the error names it.
    with pytest.raises(cp.error.SolverError, match="OSQP"):
        convex_relu(X, y, beta=0.1, solver="OSQP")


def test_inaccurate_status_warns(data2d):
    X, y = data2d
    with pytest.warns(Warning, match="optimal_inaccurate"):
        convex_relu(X, y, beta=0.1, solver="SCS", solver_kwargs={"max_iters": 5})


def test_regularized_objective_rejects_output_bias():
    net = Network([np.ones((1, 1)), np.ones((1, 1))], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="output bias"):
        regularized_objective(net, [[0.0]], [0.0], 0.1)


def test_beta_path_between_exact_optimum_and_fit_global():
    from exactfit.certify import beta_path, exact_1d

    rs = np.random.RandomState(0)
    x = np.sort(rs.uniform(-1, 1, 10))[:, None]
    y = np.abs(x[:, 0]) + 0.3 * np.sin(5 * x[:, 0])
    res = beta_path(x, y, hidden=3, betas=[0.01, 0.1, 1.0], random_state=0,
                    fit_global_kwargs={"n_restarts": 2})
    assert res.evidence == "search" and res.network.layer_sizes == (1, 3, 1)
    assert res.loss <= res.fit_global_loss
    assert res.loss == pytest.approx(exactfit.mse(res.network, x, y), rel=1e-12)
    # The exact 1-D optimum is a lower bound no search can beat.
    assert res.loss >= exact_1d(x, y, hidden=3).loss * (1 - 1e-9)
    widths = [row["n_neurons"] for row in res.path]
    assert widths == sorted(widths, reverse=True)  # more decay, fewer neurons

import numpy as np
import pytest
from scipy.optimize import minimize

import exactfit
from exactfit import Network
from exactfit.certify import local
from exactfit.losses import Objective


@pytest.fixture(scope="module")
def data():
    rs = np.random.RandomState(0)
    X = rs.uniform(-1, 1, size=(40, 1))
    return X, np.sin(3 * X[:, 0])


def test_linear_least_squares_is_strict_minimum_with_true_hessian(rng):
    X = rng.normal(size=(30, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3 * rng.normal(size=30)
    A = np.column_stack([X, np.ones(30)])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    net = Network([coef[:3, None]], [coef[3:]], output="linear")
    res = local(net, X, y)
    assert res.verdict == "strict local minimum" and res.evidence == "local"
    # The Hessian of mean((A c - y)^2) is 2/n A^T A, exactly.
    true = np.linalg.eigvalsh(2 / 30 * A.T @ A)
    np.testing.assert_allclose(res.eigenvalues, true, rtol=1e-6)


@pytest.mark.parametrize("act", ["linear", "tanh"])
def test_planted_saddle(data, act):
    # All weights zero and the output bias at mean(y): stationary, and the cross term
    # between the first and second layer weights gives negative curvature.
    X, y = data
    net = Network([np.zeros((1, 2)), np.zeros((2, 1))], [np.zeros(2), [y.mean()]], act)
    res = local(net, X, y)
    assert res.grad_norm < 1e-12
    assert res.verdict == "saddle" and res.evidence == "none"
    # Independent check: moving along the reported direction lowers the loss.
    d = res.descent_direction
    for eps in (1e-2, 1e-3):
        assert exactfit.mse(net.with_flat(net.to_flat() + eps * d), X, y) < res.loss


def _student(X, act, teacher, rs):
    """A teacher's noisy targets and the student converged from the teacher's weights."""
    y = teacher.predict(X) + 0.05 * rs.normal(size=len(X))
    obj = Objective(X, y[:, None], teacher.layer_sizes, act)
    out = minimize(obj, teacher.to_flat(), jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "ftol": 1e-16, "gtol": 1e-12})
    return Network.from_flat(out.x, teacher.layer_sizes, act), y


@pytest.mark.parametrize("act,k", [("tanh", 2), ("relu", 3)])
def test_true_minimum_accepted_and_random_perturbations_increase_loss(data, act, k):
    X, _ = data
    rs = np.random.RandomState(0)
    teacher = Network([[[2.0, -1.5, 1.0][:k]], [[1.0], [-0.8], [0.5]][:k]],
                      [[0.5, 0.3, -0.5][:k], [0.1]], act)
    n_sym = k if act == "relu" else 0
    net, y = _student(X, act, teacher, rs)
    res = local(net, X, y)
    assert res.verdict == "strict local minimum", res.message
    assert res.n_symmetries == n_sym and res.kinks == []
    theta = net.to_flat()
    for _ in range(200):
        d = rs.normal(size=theta.size)
        d *= 1e-3 / np.linalg.norm(d)
        assert exactfit.mse(net.with_flat(theta + d), X, y) >= res.loss
    if act == "relu":
        # Rescaling a unit leaves the loss unchanged: those directions really are flat.
        c = np.array([2.0, 1.0, 1.0])
        scaled = Network([net.weights[0] * c, net.weights[1] / c[:, None]],
                         [net.biases[0] * c, net.biases[1]])
        assert exactfit.mse(scaled, X, y) == pytest.approx(res.loss, rel=1e-12)


def test_kink_on_a_data_point_is_reported(data):
    X, y = data
    x0 = X[5, 0]
    net = Network([np.array([[1.0]]), np.array([[0.5]])], [np.array([-x0]), [0.0]])
    res = local(net, X, y)
    assert any(k[:2] == (0, 0) and 5 in k[2] for k in res.kinks)


def test_not_stationary(data, rng):
    X, y = data
    net = Network([rng.normal(size=(1, 3)), rng.normal(size=(3, 1))],
                  [rng.normal(size=3), [0.0]], "tanh")
    res = local(net, X, y)
    assert res.verdict == "not stationary"
    g = exactfit.loss_and_grad(net, X, y)[1]
    assert res.grad_norm == pytest.approx(np.linalg.norm(g))


def test_dead_unit_is_degenerate(data):
    X, _ = data
    teacher = Network([[[2.0, -1.5]], [[1.0], [-0.8]]], [[0.5, 0.3], [0.1]])
    net, y = _student(X, "relu", teacher, np.random.RandomState(3))
    W1 = np.hstack([net.weights[0], [[1.0]]])
    b1 = np.append(net.biases[0], -10.0)  # never active on [-1, 1]
    W2 = np.vstack([net.weights[1], [[0.3]]])
    res = local(Network([W1, W2], [b1, net.biases[1]]), X, y)
    assert res.dead_units == [(0, 2)]
    assert res.verdict == "degenerate"


def test_bad_input(data):
    X, y = data
    with pytest.raises(TypeError, match="Network"):
        local("net", X, y)
    net = Network([np.zeros((2, 1))], [np.zeros(1)])
    with pytest.raises(ValueError, match="features"):
        local(net, X, y)

"""The closed-form Gaussian population loss against Monte Carlo and finite differences."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize

import exactfit
from exactfit.population import (network_directions, population_mse, population_mse_and_grad,
                                 relu_kernel, teacher_network)


def _monte_carlo(f, d, n=1_000_000, seed=0):
    """Mean and standard error of f(X) over Gaussian X, in chunks."""
    rs = np.random.RandomState(seed)
    vals = np.concatenate([f(rs.standard_normal((100_000, d))) for _ in range(n // 100_000)])
    return vals.mean(), vals.std() / math.sqrt(vals.size)


@pytest.mark.parametrize("cos", [-1.0, -0.6, 0.0, 0.3, 0.95, 1.0])
def test_kernel_matches_monte_carlo(cos):
    rs = np.random.RandomState(1)
    d = 4
    u = rs.randn(d)
    # w at the requested angle to u, with another norm
    e = rs.randn(d)
    e -= (e @ u) / (u @ u) * u
    w = 1.7 * (cos * u / np.linalg.norm(u) + math.sqrt(max(0.0, 1 - cos ** 2)) * e
               / np.linalg.norm(e))
    K = relu_kernel(u[:, None], w[:, None])[0, 0]
    mean, se = _monte_carlo(lambda X: np.maximum(X @ u, 0) * np.maximum(X @ w, 0), d)
    assert abs(K - mean) < 5 * se + 1e-12  # + rounding: at cos = -1 both are 0


def test_kernel_by_quadrature_in_two_dimensions():
    # E[relu(u.x) relu(w.x)] as a double integral against the 2-D Gaussian density
    u, w = np.array([1.0, 0.2]), np.array([-0.3, 0.8])
    dens = lambda y, x: math.exp(-(x * x + y * y) / 2) / (2 * math.pi)  # noqa: E731
    f = lambda y, x: max(u @ (x, y), 0) * max(w @ (x, y), 0) * dens(y, x)  # noqa: E731
    val, err = integrate.dblquad(f, -9, 9, -9, 9, epsabs=1e-10)
    assert relu_kernel(u, w)[0, 0] == pytest.approx(val, abs=1e-7)


def test_known_values():
    e = np.eye(3)
    # same direction: E[relu(x1)^2] = 1/2; orthogonal: E[relu(x1)] E[relu(x2)] = 1/(2 pi);
    # opposite: 0
    assert relu_kernel(e[:, [0]], e[:, [0]])[0, 0] == pytest.approx(0.5, abs=1e-15)
    assert relu_kernel(e[:, [0]], e[:, [1]])[0, 0] == pytest.approx(1 / (2 * math.pi),
                                                                    abs=1e-15)
    assert relu_kernel(e[:, [0]], -e[:, [0]])[0, 0] == pytest.approx(0.0, abs=1e-15)
    # scaling: homogeneous of degree 1 in each argument
    assert relu_kernel(3 * e[:, [0]], 2 * e[:, [1]])[0, 0] == pytest.approx(
        6 / (2 * math.pi), abs=1e-14)


def test_population_mse_matches_monte_carlo():
    rs = np.random.RandomState(2)
    d, n, k = 5, 4, 3
    W, V, a, c = rs.randn(d, n), rs.randn(d, k), rs.randn(n), rs.randn(k)
    mean, se = _monte_carlo(
        lambda X: (np.maximum(X @ W, 0) @ a - np.maximum(X @ V, 0) @ c) ** 2, d, seed=3)
    assert abs(population_mse(W, V, a, c) - mean) < 5 * se


def test_sampled_teacher_student_task_estimates_it():
    # the sampled Task's MSE of a student is a Monte Carlo estimate of this loss
    task = exactfit.tasks.teacher_student(6, 6, n_samples=200_000, random_state=4)
    rs = np.random.RandomState(5)
    W = task.meta["teacher"] + 0.3 * rs.randn(6, 6)
    net = exactfit.Network([W, np.ones((6, 1))], [np.zeros(6), np.zeros(1)])
    r = net.predict(task.X) - task.y
    se = (r ** 2).std() / math.sqrt(r.size)
    assert abs(exactfit.mse(net, task.X, task.y) - population_mse(W, task.meta["teacher"])) \
        < 5 * se


@pytest.mark.parametrize("shape", [(4, 3, 2), (6, 6, 6), (3, 7, 2)])
def test_gradient_matches_finite_differences(shape):
    d, n, k = shape
    rs = np.random.RandomState(sum(shape))
    W, V, a, c = rs.randn(d, n), rs.randn(d, k), rs.randn(n), rs.randn(k)
    _, gW, ga = population_mse_and_grad(W, V, a, c)

    def f(theta):
        return population_mse(theta[:d * n].reshape(d, n), V, theta[d * n:], c)

    theta = np.r_[W.ravel(), a]
    # central differences
    h = 1e-6
    fd = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    np.testing.assert_allclose(np.r_[gW.ravel(), ga], fd, rtol=1e-6, atol=1e-7)
    assert optimize.check_grad(f, lambda t: np.r_[population_mse_and_grad(
        t[:d * n].reshape(d, n), V, t[d * n:], c)[1].ravel(), population_mse_and_grad(
        t[:d * n].reshape(d, n), V, t[d * n:], c)[2]], theta) < 1e-5


def test_teacher_is_a_zero_of_loss_and_gradient():
    V = np.linalg.qr(np.random.RandomState(6).randn(7, 7))[0][:, :5]
    val, gW, ga = population_mse_and_grad(V, V)
    assert val == pytest.approx(0.0, abs=1e-14)
    assert np.abs(gW).max() < 1e-13 and np.abs(ga).max() < 1e-13
    # and any permutation of its units
    val, gW, _ = population_mse_and_grad(V[:, ::-1], V)
    assert val < 1e-14 and np.abs(gW).max() < 1e-13


def test_teacher_network_and_directions_round_trip():
    V = np.eye(4)[:, :3]
    net = teacher_network(V)
    W, a = network_directions(net)
    assert np.array_equal(W, V) and np.array_equal(a, np.ones(3))
    X = np.random.RandomState(7).randn(50, 4)
    np.testing.assert_allclose(net.predict(X), np.maximum(X[:, :3], 0).sum(1))


def test_zero_unit_contributes_nothing_and_has_a_finite_gradient():
    V = np.eye(3)[:, :2]
    W = np.c_[np.eye(3)[:, :2], np.zeros(3)]
    val, gW, ga = population_mse_and_grad(W, V)
    assert val == pytest.approx(0.0, abs=1e-14)
    assert np.all(np.isfinite(gW))


@pytest.mark.parametrize("call,match", [
    (lambda: population_mse(np.ones((3, 2)), np.ones((4, 2))), "same number of rows"),
    (lambda: population_mse(np.ones((3, 2)), np.ones((3, 2)), a=[1.0]), "one output weight"),
    (lambda: population_mse(np.array([[np.nan]]), np.ones((1, 1))), "NaN"),
    (lambda: population_mse(np.ones((2, 2, 2)), np.ones((2, 2))), "shape"),
    (lambda: relu_kernel(np.ones((3, 2)), np.ones((2, 2))), "same number of rows"),
    (lambda: network_directions(exactfit.Network([np.ones((2, 2)), np.ones((2, 1))],
                                                 [np.ones(2), np.zeros(1)])), "biases"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@settings(max_examples=40, deadline=None)
@given(d=st.integers(1, 6), n=st.integers(1, 5), k=st.integers(1, 5),
       seed=st.integers(0, 2 ** 31 - 1))
def test_properties(d, n, k, seed):
    rs = np.random.RandomState(seed)
    W, V = rs.randn(d, n), rs.randn(d, k)
    val = population_mse(W, V)
    assert val >= 0 and np.isfinite(val)
    # symmetric in swapping student and teacher (unit output weights)
    assert val == pytest.approx(population_mse(V, W), rel=1e-10, abs=1e-12)
    # a kernel matrix is a Gram matrix: symmetric positive semi-definite
    Kww = relu_kernel(W, W)
    np.testing.assert_allclose(Kww, Kww.T, atol=1e-12)
    assert np.linalg.eigvalsh(Kww).min() > -1e-10


def test_teacher_coverage_of_the_optimum_and_of_a_spurious_minimum():
    from exactfit.population import teacher_coverage

    V = np.eye(4)
    cov = teacher_coverage(V[:, [2, 0, 3, 1]] * 1.5, V)
    assert cov["covered"] == [0, 1, 2, 3] and cov["missed"] == [] and cov["free_units"] == []
    # units 0..2 on teachers 0..2, unit 3 opposite teacher 3, unit 4 a second copy of teacher 0
    W = np.c_[V[:, :3], -V[:, 3] + 0.1, V[:, 0]]
    cov = teacher_coverage(W, V)
    assert cov["covered"] == [0, 1, 2] and cov["missed"] == [3]
    assert cov["duplicated"] == [0] and cov["free_units"] == [3] and cov["opposed_units"] == [3]
    assert cov["cosines"].shape == (5, 4)
    with pytest.raises(ValueError, match="cosine"):
        teacher_coverage(W, V, cosine=0.0)

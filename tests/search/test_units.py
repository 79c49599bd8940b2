import numpy as np
import pytest

from exactfit.search._units import best_unit, removal_costs, with_unit, without_unit


def test_removal_costs_equal_refitting_without_each_unit(rng):
    H = np.maximum(rng.normal(size=(300, 5)), 0.0)
    H[:, 4] = H[:, 1]  # a duplicate: removing either costs nothing
    Y = rng.normal(size=(300, 2))
    costs = removal_costs(H, Y)
    for u in range(5):
        A = np.hstack([np.delete(H, u, axis=1), np.ones((300, 1))])
        coef = np.linalg.lstsq(A, Y, rcond=None)[0]
        assert costs[u] == pytest.approx(np.mean((A @ coef - Y) ** 2), rel=1e-6)
    A = np.hstack([H, np.ones((300, 1))])
    full = np.mean((A @ np.linalg.lstsq(A, Y, rcond=None)[0] - Y) ** 2)
    assert costs[1] == pytest.approx(full, rel=1e-6)


def test_with_and_without_unit_are_inverse(rng):
    sizes = (3, 4, 2)
    theta = rng.normal(size=3 * 4 + 4 + 4 * 2 + 2)
    wider = with_unit(theta, sizes, rng.normal(size=4), 2.0)
    assert np.array_equal(without_unit(wider, (3, 5, 2), 4), theta)


def test_best_unit_finds_a_planted_missing_unit_in_d10(rng):
    # Four orthonormal ReLU units in 10-D; three kept: the best unit for the residual
    # is the fourth (the neuron-birth direction), found from random candidates.
    X = rng.normal(size=(2000, 10))
    V = np.linalg.qr(rng.normal(size=(10, 10)))[0][:, :4]
    H = np.maximum(X @ V, 0.0)
    y = H.sum(axis=1, keepdims=True)
    w, mse = best_unit(X, y, H[:, :3], rng)
    assert mse < 1e-12 * np.var(y)
    direction = w[:-1] / np.linalg.norm(w[:-1])
    assert direction @ V[:, 3] > 1 - 1e-8
    assert abs(w[-1]) < 1e-6


def test_1d_candidates_are_capped_and_the_best_unit_barely_moves(monkeypatch):
    # 2000 samples give ~8000 breakpoint candidates (O(n^2) to score); the capped set,
    # evenly spaced in rank and refined, finds a unit as good to within 1e-3.
    from exactfit.search import _units

    rs = np.random.RandomState(3)
    X = rs.rand(2000, 1) ** 1.5
    Y = np.sin(9 * (X - 0.4)) + 0.05 * rs.randn(2000, 1)
    H = np.maximum(X - 0.7, 0.0)
    Xa = np.hstack([X, np.ones_like(X)])
    assert _units.candidate_units(Xa, rs, 192).shape[1] <= 2 * _units._MAX_BREAKPOINTS
    _, capped = _units.best_unit(X, Y, H, np.random.RandomState(0))
    monkeypatch.setattr(_units, "_MAX_BREAKPOINTS", 10 ** 9)
    assert _units.candidate_units(Xa, rs, 192).shape[1] > 7000
    _, full = _units.best_unit(X, Y, H, np.random.RandomState(0))
    assert full <= capped <= full * (1 + 1e-3)


def _triangle(n, rs):
    u, v = rs.uniform(size=(2, n))
    m = u + v > 1
    u[m], v[m] = 1 - u[m], 1 - v[m]
    A, B, C = np.array([-1.0, -1.0]), np.array([1.0, -1.0]), np.array([0.0, 0.8])
    return A + u[:, None] * (B - A) + v[:, None] * (C - A)


def test_dense_unit_predicts_its_own_least_squares_fit_and_cuts_a_small_corner():
    # A unit that cuts 8 of 300 samples off a corner: the dense unrefined candidates find
    # it (the residual is explained almost entirely), and the loss they state is that of
    # the least-squares output layer with the unit they return.
    from exactfit.search._units import dense_unit

    rs = np.random.RandomState(0)
    X = _triangle(300, rs)
    H = np.maximum(np.c_[X[:, 0] - 0.3, -X[:, 1] - 0.1], 0.0)
    g = X @ np.array([0.3, -1.0]) + 0.6
    assert 0 < np.sum(g <= 0) < 15
    Y = (H @ [1.0, 0.8] + 0.6 * np.maximum(g, 0.0))[:, None]
    w, mse = dense_unit(X, Y, H, np.random.RandomState(1))
    A = np.hstack([H, np.maximum(X @ w[:-1] + w[-1], 0.0)[:, None], np.ones((300, 1))])
    assert mse == pytest.approx(np.mean((A @ np.linalg.lstsq(A, Y, rcond=None)[0] - Y) ** 2),
                                rel=1e-8)
    A0 = np.hstack([H, np.ones((300, 1))])
    without = np.mean((A0 @ np.linalg.lstsq(A0, Y, rcond=None)[0] - Y) ** 2)
    assert mse < 0.05 * without


def test_best_unit_does_not_depend_on_the_work_arrays_of_earlier_calls():
    # The scoring keeps its (rows x candidates) arrays between calls (_units._work): a
    # call must give the same unit whatever ran before it, in any shape, in any thread.
    import threading

    def problem(n, d, seed):
        rs = np.random.RandomState(seed)
        X = rs.uniform(-1, 1, size=(n, d))
        H = np.maximum(X @ rs.normal(size=(d, 2)), 0.0)
        return X, np.sqrt(np.sum(X ** 2, axis=1, keepdims=True)), H

    def unit(args, seed=0):
        return best_unit(*args, np.random.RandomState(seed))

    small, large = problem(300, 2, 1), problem(1500, 3, 2)
    first = unit(small)
    unit(large, 1)  # larger arrays in between
    again = unit(small)
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]
    out = []
    t = threading.Thread(target=lambda: out.append(unit(small)))
    t.start()
    t.join()
    assert np.array_equal(first[0], out[0][0]) and first[1] == out[0][1]


def test_refine_step_is_the_least_squares_unit_on_its_pattern_in_row_blocks_or_not(
        monkeypatch):
    # One step: pattern fixed, the unit D Xa w with the kept units (Q) projected out is a
    # linear least-squares fit of r; checked against lstsq per candidate. Row blocks (a
    # tiny _BLOCK_FLOATS) give the same units as one block.
    from exactfit.search import _units

    rs = np.random.RandomState(5)
    X = rs.normal(size=(400, 3))
    H = np.maximum(X @ rs.normal(size=(3, 2)) + 0.2, 0.0)
    Xa, Q, R = _units._residual(X, rs.normal(size=(400, 1)), H, rs, 2000)
    r = R[:, 0]
    # Random hyperplanes, not candidate_units' (through a sample, whose side of it is
    # round-off): the pattern must be the same in both computations.
    W = rs.normal(size=(4, 12)) * np.array([1.0, 1.0, 1.0, 0.1])[:, None]
    W1 = _units._refine(Xa, Q, r, W, 1)
    for j in range(W.shape[1]):
        A = Xa * (Xa @ W[:, j] > 0)[:, None]
        A -= Q @ (Q.T @ A)
        w = np.linalg.lstsq(A, r, rcond=None)[0]
        # _refine's ridge (1e-9 of the Gram's mean eigenvalue) moves the unit by about
        # 1e-9 x the condition number (2 to 4 here): 2e-9 at most, measured.
        assert np.allclose(W1[:, j], w / np.linalg.norm(w[:-1]), rtol=0, atol=1e-7)
    W3 = _units._refine(Xa, Q, r, W, 3)
    monkeypatch.setattr(_units, "_BLOCK_FLOATS", 50 * 30)
    assert np.allclose(_units._refine(Xa, Q, r, W, 3), W3, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("blocks", [False, True])
def test_refine_step_with_a_leak_is_the_least_squares_leaky_unit(monkeypatch, blocks):
    # Leaky ReLU, max(z, a z): pattern fixed, the unit is S Xa w with slope 1 on active
    # samples and a elsewhere; one step is the least-squares fit of r by it (row blocks
    # or not), and the gains score the leaky unit's own least-squares fit
    from exactfit.activations import LEAKY_SLOPE as a
    from exactfit.search import _units

    rs = np.random.RandomState(6)
    X = rs.normal(size=(400, 3))
    H = np.maximum(X @ rs.normal(size=(3, 2)) + 0.2, 0.0)
    Y = rs.normal(size=(400, 1))
    Xa, Q, R = _units._residual(X, Y, H, rs, 2000)
    W = rs.normal(size=(4, 12)) * np.array([1.0, 1.0, 1.0, 0.1])[:, None]
    if blocks:
        monkeypatch.setattr(_units, "_BLOCK_FLOATS", 50 * 30)
    W1 = _units._refine(Xa, Q, R[:, 0], W, 1, leak=a)
    gains = _units._gains(Xa, Q, R, W, leak=a)
    for j in range(W.shape[1]):
        A = Xa * np.where(Xa @ W[:, j] > 0, 1.0, a)[:, None]
        A -= Q @ (Q.T @ A)
        w = np.linalg.lstsq(A, R[:, 0], rcond=None)[0]
        assert np.allclose(W1[:, j], w / np.linalg.norm(w[:-1]), rtol=0, atol=1e-7)
        f = A @ W[:, j]  # the leaky unit's outputs, kept units projected out
        assert gains[j] == pytest.approx(float(f @ R[:, 0]) ** 2 / float(f @ f), rel=1e-9)


def test_best_unit_with_a_leak_finds_a_planted_leaky_unit():
    # three leaky units, two kept: with the leak the third is found (the fit is exact to
    # ~1e-12 after the three refinement steps); scored as a ReLU unit, 3e-5 of var(y) stay
    from exactfit.activations import LEAKY_SLOPE as a

    rs = np.random.RandomState(7)
    X = rs.normal(size=(1500, 3))
    Z = X @ np.linalg.qr(rs.normal(size=(3, 3)))[0] + np.array([0.3, -0.2, 0.1])
    H = np.maximum(Z, a * Z)
    y = (H @ [1.0, -0.7, 1.3])[:, None]
    _, leaky = best_unit(X, y, H[:, :2], np.random.RandomState(0), leak=a)
    _, plain = best_unit(X, y, H[:, :2], np.random.RandomState(0))
    assert leaky < 1e-10 * np.var(y) and plain > 1e-6 * np.var(y)

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

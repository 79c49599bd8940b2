import numpy as np
import pytest
from scipy.optimize import approx_fprime

import exactfit
from exactfit import Network
from exactfit.search import repulsion_penalty
from exactfit.search._local import Problem
from exactfit.search._moves import (basin_hop, best_unit, grown, inserted, redrawn, revive,
                                    split, wasted_units)
from exactfit.search._starts import initial, padded
from exactfit.search._units import _first_layer


def _problem(X, y, k):
    return Problem(X, y.reshape(len(X), -1), (X.shape[1], k, 1), "relu", "linear", "mse", 3000)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_best_unit_recovers_a_planted_unit(rng, d):
    X = rng.normal(size=(300, d))
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    y = 2.0 * np.maximum(X @ w - 0.3, 0.0)
    unit, sse = best_unit(X, y[:, None], np.zeros((300, 0)), rng)
    assert sse < 1e-12 * np.sum((y - y.mean()) ** 2)
    assert unit[:-1] @ w == pytest.approx(1.0, abs=1e-8)  # same direction
    assert -unit[-1] == pytest.approx(0.3, abs=1e-8)  # same offset


def test_best_unit_explains_what_the_kept_units_leave(rng):
    X = rng.uniform(-1, 1, size=(400, 2))
    keep = np.maximum(X[:, :1], 0.0)
    y = keep[:, 0] + np.maximum(X[:, 1] + 0.2, 0.0)
    _, sse = best_unit(X, y[:, None], keep, rng)
    assert sse < 1e-12


def test_inserted_and_split_widen_without_losing(rng, euclid_small):
    X, y = euclid_small.X, euclid_small.y
    narrow = exactfit.fit_global(X, y, hidden=2, n_restarts=1, max_restarts=1, symmetries=False,
                                 random_state=0).network
    small = narrow.layer_sizes
    p3 = _problem(X, y, 3)
    theta = narrow.to_flat()
    f_small = exactfit.mse(narrow, X, y)
    assert p3.value(inserted(p3, theta, small, rng)) <= f_small * (1 + 1e-12)
    # a split keeps the function to first order: the loss moves little
    f_split = p3.value(p3.polish(split(p3, theta, small, 0, rng)))
    assert f_split <= f_small * 1.5


def test_revive_replaces_a_dead_unit_and_never_loses(rng, euclid_small):
    X, y = euclid_small.X, euclid_small.y
    p = _problem(X, y, 3)
    net = exactfit.fit_global(X, y, hidden=3, n_restarts=1, max_restarts=1, symmetries=False,
                              random_state=0).network
    theta = net.to_flat()
    theta[2] = theta[5] = 0.0  # unit 2: weights 0 ...
    theta[8] = -1.0  # ... and bias -1: dead
    theta = p.polish(theta)
    f = p.value(theta)
    assert 2 in wasted_units(p, theta)
    out, f_out, _ = revive(p, theta, f, rng, rounds=1)
    assert f_out < f and 2 not in wasted_units(p, out)


def test_basin_hop_and_growth_never_lose(rng, euclid_small):
    X, y = euclid_small.X, euclid_small.y
    p = _problem(X, y, 3)
    theta, f, _ = p.local(p.polish(rng.normal(size=13)))
    _, f_hop, _ = basin_hop(p, theta, f, rng, patience=2)
    assert f_hop <= f
    problems = {w: _problem(X, y, w) for w in (1, 2, 3)}
    theta, f, _ = grown(problems, rng)
    assert np.isfinite(f) and f < np.var(y)


def test_padded_warm_start_keeps_the_function(euclid_small, rng):
    X = euclid_small.X
    narrow = exactfit.fit_global(X, euclid_small.y, hidden=2, n_restarts=1, max_restarts=1,
                                 random_state=0).network
    p5 = _problem(X, euclid_small.y, 5)
    wide = Network.from_flat(padded(p5, narrow.to_flat(), (2, 2, 1), rng), (2, 5, 1))
    np.testing.assert_allclose(wide.predict(X), narrow.predict(X), rtol=1e-13)
    # new units get a boundary through a sample (so they are neither dead nor linear)
    Z = wide.hidden_preactivations(X)[0][:, 2:]
    assert np.all((Z > 0).any(axis=0)) and np.all((Z <= 0).any(axis=0))


def test_repulsion_penalty_gradient(rng):
    sizes = (2, 4, 3, 1)
    theta = rng.normal(size=exactfit.network.n_params(sizes))
    r, g = repulsion_penalty(theta, sizes)
    num = approx_fprime(theta, lambda t: repulsion_penalty(t, sizes)[0], 1e-7)
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-7)
    # Two identical units give the largest penalty of the pair: cos = 1.
    W = np.array([[1.0, 1.0], [0.0, 0.0]])
    th = np.concatenate([W.ravel(), [0.0, 0.0], [1.0, 1.0], [0.0]])
    assert repulsion_penalty(th, (2, 2, 1))[0] == pytest.approx(1.0)


@pytest.mark.parametrize("d,k", [(1, 2), (2, 3), (4, 5)])
def test_redrawn_changes_one_unit_and_puts_its_boundary_through_a_sample(rng, d, k):
    X = rng.normal(size=(200, d))
    y = np.sin(X @ rng.normal(size=d))
    problem = _problem(X, y, k)
    theta = problem.local(initial(problem, "random", np.random.RandomState(1)))[0]
    starts = redrawn(problem, theta, np.random.RandomState(0), per_unit=2)
    assert len(starts) == 2 * k
    W1, b1, _ = _first_layer(theta, problem.sizes)
    scale = np.median(np.linalg.norm(W1, axis=0))
    for i, t in enumerate(starts):
        u = i // 2  # unit 0's redraws first
        W1t, b1t, _ = _first_layer(t, problem.sizes)
        others = [v for v in range(k) if v != u]
        np.testing.assert_array_equal(W1t[:, others], W1[:, others])
        np.testing.assert_array_equal(b1t[others], b1[others])
        assert not np.allclose(W1t[:, u], W1[:, u])
        # a direction of the others' scale, its boundary through one of the samples
        assert np.linalg.norm(W1t[:, u]) == pytest.approx(
            np.median(np.linalg.norm(W1[:, others], axis=0)), rel=1e-12)
        assert np.min(np.abs(X @ W1t[:, u] + b1t[u])) < 1e-9 * scale
        np.testing.assert_array_equal(t, problem.polish(t))  # output layer re-solved
    one = _problem(X, y, 1)
    assert redrawn(one, initial(one, "random", np.random.RandomState(1)),
                   np.random.RandomState(0)) == []


def test_a_redrawn_unit_leaves_the_minimum_that_needs_two_units_to_move(fresh_miss):
    # benchmarks/fresh.py problem 10404 (2125 points uniform in a triangle, 3 units, a
    # product plus a square): two of three default calls confirmed a minimum 1.296x its
    # best-known (0.094957, a 200-start search), which swap descent, reorientation and
    # the single flips leave as it is. Redrawing the unit the optimum does not share
    # settles there about one time in ten (benchmarks/redraw_rate.py: 20 of 200 draws, 0
    # of 400 of the other units); here 3 of this seed's 8 draws of it do.
    problem, theta, factor = fresh_miss(10404, random_state=1)
    assert problem.value(theta) * factor > 0.094957 * 1.2
    settled = [problem.local(t)[1] * factor
               for t in redrawn(problem, theta, np.random.RandomState(0), per_unit=8)]
    assert min(settled) <= 0.094957 * (1 + 1e-3)

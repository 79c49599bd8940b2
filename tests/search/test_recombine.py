import itertools
import warnings

import numpy as np
import pytest

import exactfit
from exactfit.network import n_params
from exactfit.search._local import Problem
from exactfit.search._recombine import best_subsets, recombined, unit_pool
from exactfit.search._units import _first_layer
from exactfit.search._search import ROUND_KINDS


def _brute_force(H, Y, k):
    best = (np.inf, None)
    A1 = np.ones((len(H), 1))
    for cols in itertools.combinations(range(H.shape[1]), k):
        A = np.hstack([H[:, cols], A1])
        r = Y - A @ np.linalg.lstsq(A, Y, rcond=None)[0]
        best = min(best, (float(np.sum(r * r)), cols))
    return best


@pytest.mark.parametrize("m", [1, 2])
def test_best_subsets_find_the_best_subset_of_a_small_pool(rng, m):
    # Against every subset: 14 columns, 3 at a time (364 subsets); five pools.
    for trial in range(5):
        H = np.maximum(rng.normal(size=(80, 14)), 0.0)
        Y = rng.normal(size=(80, m))
        rss, cols = _brute_force(H, Y, 3)
        out = best_subsets(H, Y, 3, np.random.RandomState(trial), n_subsets=40)
        assert out[0][1] == pytest.approx(rss, rel=1e-8)
        assert tuple(sorted(out[0][0])) == cols
        # the others are distinct subsets, in order of their residual
        assert len({tuple(sorted(c)) for c, _ in out}) == len(out)
        assert all(a[1] <= b[1] for a, b in zip(out, out[1:]))


def test_best_subsets_skip_columns_that_vanish(rng):
    H = np.maximum(rng.normal(size=(50, 6)), 0.0)
    H[:, [1, 4]] = 0.0  # dead units
    out = best_subsets(H, rng.normal(size=(50, 1)), 2, rng, n_subsets=10)
    assert all(not set(c) & {1, 4} for c, _ in out)
    assert best_subsets(H, rng.normal(size=(50, 1)), 5, rng) == []  # only 4 usable


def test_best_subsets_give_up_on_wide_layers_with_large_pools(rng):
    # 60 units of a 1000-unit pool: even the fewest subsets would cost too much.
    H = np.maximum(rng.normal(size=(100, 1000)), 0.0)
    assert best_subsets(H, rng.normal(size=(100, 1)), 60, rng) == []


def test_unit_pool_is_normalised_and_without_duplicates(rng):
    sizes = (2, 3, 1)
    theta = rng.normal(size=n_params(sizes))
    twice = theta.copy()
    W1, b1, _ = _first_layer(twice, sizes)
    W1 *= 2.0  # the same hyperplanes, scaled
    b1 *= 2.0
    W = unit_pool([(theta, 1.0), (twice, 2.0)], sizes)
    assert W.shape == (3, 3)
    assert np.allclose(np.linalg.norm(W[:-1], axis=0), 1.0)


def test_recombination_assembles_a_teacher_from_units_of_two_wrong_minima(rng):
    # Teacher: 4 ReLU units in 2-D. Two "minima" each hold two of its units and two
    # wrong ones: no single one fits, the best subset of their units does (loss 0).
    X = rng.uniform(-1, 1, size=(400, 2))
    ang = np.deg2rad([10, 100, 190, 280])
    V = np.vstack([np.cos(ang), np.sin(ang)])
    c = np.array([0.2, -0.1, 0.3, 0.0])
    Y = np.maximum(X @ V + c, 0.0) @ np.array([[1.0], [-0.7], [1.3], [0.8]])
    sizes = (2, 4, 1)
    problem = Problem(X, Y, sizes, "relu", "linear", "mse", 3000)

    def net(units):
        theta = np.zeros(n_params(sizes))
        W1, b1, _ = _first_layer(theta, sizes)
        for i, (w, b) in enumerate(units):
            W1[:, i], b1[i] = w, b
        theta = problem.polish(theta)
        return theta, problem.value(theta)

    wrong = [(rng.normal(size=2), 0.1) for _ in range(4)]
    a = net([(V[:, 0], c[0]), (V[:, 1], c[1]), wrong[0], wrong[1]])
    b = net([wrong[2], (V[:, 2], c[2]), wrong[3], (V[:, 3], c[3])])
    assert min(a[1], b[1]) > 1e-3 * float(np.var(Y))
    thetas = recombined(problem, [a, b], np.random.RandomState(0))
    assert problem.value(thetas[0]) < 1e-20


def test_fit_global_reports_its_recombinations():
    task = exactfit.tasks.euclid(300, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on = exactfit.fit_global(task.X, task.y, hidden=3, random_state=0, n_restarts=6,
                                 max_restarts=6)
        off = exactfit.fit_global(task.X, task.y, hidden=3, random_state=0, n_restarts=6,
                                  max_restarts=6, recombine=False)
    assert on.n_recombined >= 1 and off.n_recombined == 0
    assert "recombinations" in on.message and "recombinations" not in off.message
    assert sum(on.restart_starts.count(k) for k in ROUND_KINDS) \
        == on.n_recombined
    # recombinations are offered uncounted: the counted starts are the same
    assert np.array_equal(on.start_minima[:6], off.start_minima[:6])
    assert on.loss <= off.loss * (1 + 1e-6)


def test_fit_global_rejects_a_non_boolean_recombine():
    with pytest.raises(TypeError, match="recombine"):
        exactfit.fit_global(np.zeros((5, 1)), np.zeros(5), recombine="yes")

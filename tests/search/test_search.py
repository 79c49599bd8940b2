"""The record of starts (exactfit.search._search); fit_global's end-to-end behaviour is
tested in test_fit_global.py."""

import numpy as np
from sklearn.utils import check_random_state

from exactfit.search import _search as sr
from exactfit.search._local import Problem


def _square(n, seed):
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n, 2))
    return X, np.sqrt(np.sum(X ** 2, axis=1))


def test_moves_made_ahead_in_a_worker_are_the_parents_moves():
    """n_jobs > 1: a worker makes a start's unit moves ahead (start_ahead); they must be
    the moves, and leave the random state where, the parent's own would."""
    X, y = _square(300, 11)
    data, sizes = (X, y[:, None] - y.mean()), (2, 4, 1)
    opts = dict(sizes=sizes, act="relu", output="linear", loss="mse", maxiter=15000,
                repulsion=0.1, n_anneal=3, revive=2)
    problem = Problem(*data, sizes, "relu", "linear", "mse", 15000)
    empty = sr.Search(problem, [], 0.0, 1, 2)
    theta, f, nit, ahead = sr.start_ahead(sr.Reach(empty), 123, 2, data, "random", 5, opts)
    plain = sr.one_start(data, "random", 5, opts)
    np.testing.assert_array_equal(theta, plain[0])
    assert (f, nit) == plain[1:]
    rs = check_random_state(123)
    moved = sr.start_moves(problem, theta, f, rs, 2)
    assert ahead is not None and ahead[1] == moved[1] and ahead[2] == moved[2]
    np.testing.assert_array_equal(ahead[0], moved[0])
    after = check_random_state(0)
    after.set_state(ahead[3])
    assert after.randint(2 ** 31) == rs.randint(2 ** 31)
    # A start that ends at the best: no moves made (the parent makes none either).
    empty.offer(theta, f, nit, 7, counted=True)
    assert empty._reached(empty.theta, empty.f)
    assert sr._moved_ahead(problem, empty.theta, empty.f, sr.Reach(empty), 123, 2) is None


def test_a_round_is_skipped_only_when_nothing_changed_since_the_last_began():
    X, y = _square(120, 3)
    problem = Problem(X, y[:, None] - y.mean(), (2, 2, 1), "relu", "linear", "mse", 15000)
    search = sr.Search(problem, [], 0.0, 1, 2)
    opts = dict(sizes=(2, 2, 1), act="relu", output="linear", loss="mse", maxiter=15000,
                repulsion=0.1, n_anneal=3, revive=2)
    for seed in range(3):
        search.offer(*sr.one_start((problem.X, problem.Y), "random", seed, opts),
                     seed + 100, counted=True)
    finished, seed = [], 1
    while search.recombine(seed, finished):  # (a round that lowers the best: another)
        seed += 1
    n = len(finished)
    assert n > 0
    assert search.recombine(2, finished) is False and len(finished) == n  # nothing new
    # a round that lowers the best (here by hand, as its minima are offered) is followed
    # by one from the new best, though no minimum was added since it ended
    real = search.offer

    def lowering(*args, **kwargs):
        real(*args, **kwargs)
        search.f = min(search.f, search.minima.best) * 0.5

    search.offer = lowering
    search.pool.append(search.pool[0])  # (so that this round runs)
    assert search.recombine(3, finished) is True
    search.offer = real
    n = len(finished)
    search.recombine(4, finished)
    assert len(finished) > n
    n = len(finished)
    assert search.recombine(5, finished) is False and len(finished) == n

import numpy as np
import pytest

import exactfit

from exactfit.search._search import Search
from exactfit.search._local import Problem
from exactfit.search._moves import _REORIENT_EXTRA_2D, swap_descent
from exactfit.search._reorient import _EXTRA, _FLIP_KEEP, flip_sets, flipped, reoriented


def _flipped_teacher(d, flip, missing, n=2000, seed=0):
    """A teacher-student problem (k = d orthonormal units) and the student of width d that
    has the units in `flip` facing the wrong way, the linear part they need in one unit
    active on every sample, and so the teacher unit `missing` left out."""
    rs = np.random.RandomState(seed)
    X = rs.normal(size=(n, d))
    V = np.linalg.qr(rs.normal(size=(d, d)))[0]
    Y = np.maximum(X @ V, 0.0).sum(axis=1, keepdims=True)
    keep = [i for i in range(d) if i != missing]
    W1 = V[:, keep].copy()
    W1[:, [keep.index(i) for i in flip]] *= -1.0
    lin = V[:, list(flip)].sum(axis=1)
    shift = 1.0 + np.max(-(X @ lin))  # active on every sample: a linear function there
    W1 = np.hstack([W1, lin[:, None]])
    b1 = np.append(np.zeros(d - 1), shift)
    problem = Problem(X, Y, (d, d, 1), "relu", "linear", "mse", 3000)
    theta = problem.polish(np.concatenate([W1.ravel(), b1, np.zeros(d + 1)]))
    return problem, theta, [keep.index(i) for i in flip]


def test_the_flipped_network_is_a_poor_fit_that_one_flip_does_not_fix():
    problem, theta, S = _flipped_teacher(8, flip=(1, 4), missing=6)
    f = problem.value(theta)
    assert f > 1e-3 * np.var(problem.Y)
    for u in S:  # flipping one unit alone leaves a linear error no unit absorbs
        assert problem.value(problem.polish(flipped(theta, problem.sizes, [u]))) > f * 0.5


def test_flip_sets_find_the_flipped_units():
    problem, theta, S = _flipped_teacher(8, flip=(1, 4), missing=6)
    assert tuple(S) in flip_sets(problem, theta)


def test_reoriented_lowers_the_loss_of_a_flipped_minimum():
    problem, theta, _ = _flipped_teacher(10, flip=(0, 3, 7), missing=5, seed=1)
    theta, f = problem.local(theta)[:2]
    _, g, _ = reoriented(problem, theta, f, np.random.RandomState(1))
    assert g < 0.5 * f


@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow),
                                  pytest.param(2, marks=pytest.mark.slow)])
def test_swap_descent_reaches_the_teacher_only_with_reorientation(seed):
    # d = 10, three teacher units flipped, one missing: swaps alone stay; with the
    # reorientation move the descent ends at the teacher (MSE 0).
    problem, theta, _ = _flipped_teacher(10, flip=(0, 3, 7), missing=5, seed=seed)
    theta, f = problem.local(theta)[:2]
    zero = 1e-12 * np.var(problem.Y)
    _, g_off, _ = swap_descent(problem, theta, f, np.random.RandomState(seed), reorient=False)
    _, g_on, _ = swap_descent(problem, theta, f, np.random.RandomState(seed))
    assert g_off > 0.5 * f
    assert g_on <= zero


def test_reorientation_is_off_by_default_in_one_dimension(rng):
    X = rng.uniform(-1, 1, size=(300, 1))
    y = np.sin(3 * X)
    problem = Problem(X, y, (1, 3, 1), "relu", "linear", "mse", 3000)
    theta, f = problem.local(problem.polish(rng.normal(size=10)))[:2]
    out_auto = swap_descent(problem, theta, f, np.random.RandomState(0))
    out_off = swap_descent(problem, theta, f, np.random.RandomState(0), reorient=False)
    assert out_auto[1] == out_off[1] and np.array_equal(out_auto[0], out_off[0])


@pytest.mark.parametrize("d, extra", [(2, _REORIENT_EXTRA_2D), (3, _EXTRA)])
def test_reorientation_by_default_adds_units_first_only_from_three_inputs(rng, monkeypatch, d,
                                                                          extra):
    import exactfit.search._moves as moves
    seen = []

    def spy(problem, theta, f, rs, extra=_EXTRA):
        seen.append(extra)
        return theta, f, 0
    monkeypatch.setattr(moves, "reoriented", spy)
    # (no swap predicted to help: the reorientation is what a round tries next)
    monkeypatch.setattr(moves, "best_unit",
                        lambda X, *a, **kw: (np.zeros(X.shape[1] + 1), np.inf))
    X = rng.uniform(-1, 1, size=(300, d))
    y = np.sqrt(np.sum(X ** 2, axis=1, keepdims=True))
    problem = Problem(X, y, (d, 3, 1), "relu", "linear", "mse", 3000)
    theta, f = problem.local(problem.polish(rng.normal(size=(d + 2) * 3 + 1)))[:2]
    swap_descent(problem, theta, f, np.random.RandomState(0))
    assert seen and set(seen) == {extra}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_swap_descent_in_2d_leaves_flipped_hinges_by_reorientation(seed):
    # The triangle's minimum with both hinges facing the other way and a unit carrying the
    # linear part: swaps alone lower it but stay far above the exact fit; the
    # reorientation at the network's width reaches it.
    problem, teacher, theta, f = _corner_problem(seed)
    zero = 1e-12 * np.var(problem.Y)
    assert problem.value(teacher) <= zero < f
    g_off = swap_descent(problem, theta, f, np.random.RandomState(seed), reorient=False)[1]
    g_on = swap_descent(problem, theta, f, np.random.RandomState(seed))[1]
    assert g_off > 0.05 * f
    assert g_on <= zero


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_fit_global_reaches_a_d14_teacher(seed):
    # d = k = 14: plain L-BFGS from random starts reaches the teacher in 0 of 10 starts
    # (benchmarks/teacher_reach.py); with the reorientation most starts do.
    task = exactfit.tasks.teacher_student(14, 14, 2000, rotate=True, random_state=500 + seed)
    res = exactfit.fit_global(task.X, task.y, hidden=14, random_state=seed, max_time=600)
    assert res.loss <= 1e-8 * np.var(task.y)


def _corner_problem(seed):
    """2-D triangle sample; target: two hinges and a unit cutting a small corner (exact
    with 3 units). Returns the problem, the target's network, and the L-BFGS minimum
    from its other form: both hinges facing the other way and a unit active on every
    sample carrying the linear part (so it cuts no corner)."""
    from tests.search.test_units import _triangle
    from exactfit.network import n_params
    from exactfit.search._units import _first_layer

    rs = np.random.RandomState(seed)
    X = _triangle(300, rs)
    W = np.array([[1.0, 0.0, 0.3], [0.0, -1.0, -1.0]])
    b = np.array([-0.3, -0.1, 0.6])
    Y = (np.maximum(X @ W + b, 0.0) @ [1.0, 0.8, 0.6])[:, None]
    problem = Problem(X, Y, (2, 3, 1), "relu", "linear", "mse", 15000)
    teacher = problem.polish(np.concatenate([W.ravel(), b, np.zeros(4)]))
    theta = np.zeros(n_params(problem.sizes))
    W1, b1, _ = _first_layer(theta, problem.sizes)
    W1[...], b1[...] = [[-1.0, 0.0, 0.5], [0.0, 1.0, -0.5]], [0.3, 0.1, 3.0]
    theta, f, _ = problem.local(problem.polish(theta))
    return problem, teacher, theta, f


def test_flip_replaced_leaves_the_minimum_with_flipped_hinges_and_a_linear_unit():
    from exactfit.search._reorient import flip_replaced

    problem, teacher, theta, f = _corner_problem(0)
    var = float(np.var(problem.Y))
    assert problem.value(teacher) < 1e-20 * var
    assert f > 1e-5 * var  # a true local minimum, well above the optimum 0
    assert problem.value(problem.polish(flipped(theta, problem.sizes, [0, 1]))) > f
    starts = flip_replaced(problem, theta, f, np.random.RandomState(0))
    assert 1 <= len(starts) <= _FLIP_KEEP
    assert min(problem.local(t)[1] for t in starts) < 1e-20 * var
    # At the optimum nothing is predicted lower: no starts.
    assert flip_replaced(problem, teacher, problem.value(teacher),
                         np.random.RandomState(0)) == []


def test_flip_replaced_keeps_a_flip_predicted_a_little_above_the_minimum():
    """The triangle problem's 1.0136x minimum (benchmarks/reliability.py,
    2d-kinkroot-triangle-350-k3, where a default call confirmed it): the x1 hinge faces
    the wrong way and a near-linear unit cuts the wrong corner. Flipping the hinge and
    replacing that unit is predicted at or above the minimum's loss in most draws of the
    candidates, yet settles 1.4% below it; the move must offer it."""
    from exactfit.network import n_params
    from exactfit.search._reorient import _FLIP_BAND, flip_replaced
    from exactfit.search._units import _first_layer

    u = np.random.RandomState(2_604_118_377).uniform(size=(350, 2))
    # the benchmark's triangle sample: uniform in (-1, -1), (1, -1), (0, 1)
    u[u.sum(axis=1) > 1] = 1 - u[u.sum(axis=1) > 1]
    X = np.array([-1.0, -1.0]) + u @ np.array([[2.0, 0.0], [1.0, 2.0]])
    Y = (np.abs(X[:, 0] - 0.3) + 0.5 * np.sqrt(np.maximum(X[:, 1], 0.0)))[:, None]
    problem = Problem(X, Y, (2, 3, 1), "relu", "linear", "mse", 3000)
    theta = np.zeros(n_params(problem.sizes))
    W1, b1, _ = _first_layer(theta, problem.sizes)
    # the minimum's units (unit directions and offsets, as the missed call found them)
    W1[...], b1[...] = [[-0.846, 0.009, -1.0], [-0.532, -1.0, -0.006]], [0.404, -0.111, 0.297]
    theta, f, _ = problem.local(problem.polish(theta))
    settled, offered_above = [], 0
    for seed in range(3):
        starts = flip_replaced(problem, theta, f, np.random.RandomState(seed))
        assert 1 <= len(starts) <= _FLIP_KEEP
        assert all(problem.value(t) < f * (1 + _FLIP_BAND) for t in starts)
        offered_above += sum(problem.value(t) >= f for t in starts)
        settled.append(min(problem.local(t)[1] for t in starts))
    assert offered_above > 0
    assert max(settled) < f * (1 - 0.01)


def test_flip_sets_of_are_all_subsets_when_few_else_none_all_and_singles():
    from exactfit.search._reorient import _flip_sets_of

    assert _flip_sets_of([0, 2]) == [(), (0,), (2,), (0, 2)]
    many = _flip_sets_of(list(range(7)))
    assert many[:3] == [(), tuple(range(7)), (0,)] and len(many) == 8
    assert len(set(many)) == len(many)


def test_single_flips_flip_one_bending_unit_each_and_re_solve_the_output(rng):
    from exactfit.search._reorient import single_flips

    X = rng.normal(size=(300, 2))
    Y = np.abs(X[:, :1]) + 0.3 * X[:, 1:]
    problem = Problem(X, Y, (2, 4, 1), "relu", "linear", "mse", 500)
    W1 = rng.normal(size=(2, 4))
    b1 = np.array([0.1, -0.2, 50.0, -50.0])  # units 2 and 3: active on all, on no sample
    theta = problem.polish(np.concatenate([W1.ravel(), b1, rng.normal(size=5)]))
    starts = single_flips(problem, theta)
    assert len(starts) == 2
    for u, t in zip((0, 1), starts):
        assert np.allclose(t, problem.polish(flipped(theta, problem.sizes, [u])))
    # at most `limit`, the lowest predicted losses first
    both = [problem.value(t) for t in starts]
    (only,) = single_flips(problem, theta, limit=1)
    assert problem.value(only) == min(both)
    one = Problem(X, Y, (2, 1, 1), "relu", "linear", "mse", 500)
    assert single_flips(one, one.polish(np.array([1.0, 0.0, 0.0, 0.0, 0.0]))) == []


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_single_flip_leaves_the_minimum_whose_near_linear_units_share_the_linear_part(
        fresh_miss):
    # benchmarks/fresh.py problem 9912 (2-D clusters, 175 points, 4 units, a sine of one
    # direction): calls without the flips confirmed 1.07x its best-known (0.00242266, a
    # 200-start search); there no unit is active on 95% of the samples and no flip set
    # is found, but one unit flipped alone, offered to the search as a recombination
    # round does (L-BFGS, then the moves and canonicalisation of any start), ends at
    # the best-known. (L-BFGS alone ended within 1e-3 of it on one machine, 1.0011x on
    # another: rounding moves it between kink minima of one basin.)
    from exactfit.search._reorient import single_flips

    problem, theta, factor = fresh_miss(9912, random_state=0)
    assert problem.value(theta) * factor > 0.00242266 * 1.05
    assert flip_sets(problem, theta) == []
    search = Search(problem, [], 1e-12, 1, 2)
    search.offer(theta, problem.value(theta), 0, 0, counted=False)
    assert search.f * factor > 0.00242266 * 1.05
    for s, t in enumerate(single_flips(problem, theta)):
        search.offer(*problem.local(t), 1 + s, counted=False)
    assert search.f * factor <= 0.00242266 * (1 + 1e-3)

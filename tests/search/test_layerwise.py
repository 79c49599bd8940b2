"""search/_layerwise.py: the unit moves of a deep network's last hidden layer."""

import warnings

import numpy as np
import pytest

import exactfit
from exactfit.network import _forward, n_params, unflatten
from exactfit.search import _layerwise, _search
from exactfit.search._layerwise import redrawn_layers, top_layer_moves, top_problem
from exactfit.search._local import Problem


def _teacher(sizes, n=300, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.uniform(-1, 1, size=(n, sizes[0]))
    theta = rs.normal(size=n_params(sizes))
    Ws, bs = unflatten(theta, sizes)
    acts = ["relu"] * (len(sizes) - 2) + ["linear"]
    Y = _forward(Ws, bs, acts, X)[1][-1]
    return X, Y, theta, rs


@pytest.mark.parametrize("sizes", [(2, 4, 3, 1), (1, 3, 4, 3, 2)])
def test_top_problem_is_the_last_two_layers_on_the_features_below(sizes):
    X, Y, theta, rs = _teacher(sizes)
    problem = Problem(X, Y + rs.normal(size=Y.shape), sizes, "relu", "linear", "mse", 50)
    sub, sub_theta = top_problem(problem, theta)
    assert sub.sizes == sizes[-3:]
    assert sub.X.shape == (len(X), sizes[-3])
    # the same network, so the same loss (the tail of theta is the sub-network)
    assert sub.value(sub_theta) == pytest.approx(problem.value(theta), rel=1e-12)
    sub_theta[:] = 0.0  # a copy: theta is not changed through it
    assert np.any(theta[-sub_theta.size:] != 0)


def test_top_layer_moves_restore_a_missing_unit_of_the_last_layer():
    # a teacher (2 -> 5 -> 3 -> 1); the student has its layers but one unit of the last
    # hidden layer dead: replacing it by the best unit on the features is exact, where
    # L-BFGS alone cannot bring a dead unit back (its gradient is 0)
    sizes = (2, 5, 3, 1)
    X, Y, teacher, rs = _teacher(sizes, seed=3)
    problem = Problem(X, Y, sizes, "relu", "linear", "mse", 200)
    student = teacher.copy()
    Ws, bs = unflatten(student, sizes)
    Ws[1][:, 2], bs[1][2], Ws[2][2] = 0.0, -1.0, 0.0  # unit 2 of layer 2: dead
    student = problem.polish(student)  # the output layer re-fitted, the rest the teacher's
    f = problem.value(student)
    assert f > 1e-3 * np.var(Y)
    theta, f_moved, nit = top_layer_moves(problem, student, f, rs)
    assert nit > 0
    assert f_moved < 1e-10 * np.var(Y)
    assert problem.value(theta) == pytest.approx(f_moved, rel=1e-9, abs=1e-30)


def test_top_layer_moves_never_raise_the_loss():
    sizes = (1, 3, 3, 1)
    rs = np.random.RandomState(1)
    X = rs.uniform(-2, 2, size=(150, 1))
    Y = np.sin(3 * X) + 0.1 * rs.normal(size=X.shape)
    problem = Problem(X, Y, sizes, "relu", "linear", "mse", 200)
    for _ in range(4):
        theta, f, _ = problem.local(rs.normal(size=n_params(sizes)))
        moved, f_moved, _ = top_layer_moves(problem, theta, f, rs)
        assert f_moved <= f
        assert problem.value(moved) == pytest.approx(f_moved, rel=1e-12)


def test_top_moves_for_deep_piecewise_linear_networks_with_least_squares_outputs_only():
    X = np.zeros((5, 1))
    for act in ("relu", "leaky_relu"):
        assert Problem(X, X, (1, 2, 2, 1), act, "linear", "mse", 10).top_moves
    assert not Problem(X, X, (1, 2, 1), "relu", "linear", "mse", 10).top_moves
    assert not Problem(X, X, (1, 2, 2, 1), "tanh", "linear", "mse", 10).top_moves
    assert not Problem(X, X, (1, 2, 2, 1), "relu", "linear", "mae", 10).top_moves
    assert not Problem(X, X, (1, 2, 2, 1), "relu", "sigmoid", "mse", 10).top_moves


@pytest.mark.parametrize("activation, expected", [("relu", True), ("tanh", False)])
def test_fit_global_gives_deep_relu_starts_the_top_layer_moves(monkeypatch, activation,
                                                                expected):
    calls = []

    def counting(*args):
        calls.append(1)
        return top_layer_moves(*args)

    monkeypatch.setattr(_search, "top_layer_moves", counting)
    rs = np.random.RandomState(0)
    X = rs.uniform(-1, 1, size=(120, 1))
    y = np.abs(np.sin(3 * X[:, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exactfit.UnconfirmedOptimumWarning)
        res = exactfit.fit_global(X, y, hidden=(2, 2), activation=activation,
                                  max_restarts=8, random_state=0)
    assert bool(calls) == expected
    assert res.loss == pytest.approx(exactfit.mse(res.network, X, y), rel=1e-9)


def test_redrawn_layers_redraw_one_unit_of_one_layer_each():
    sizes = (2, 3, 4, 1)
    X, Y, theta, rs = _teacher(sizes, seed=5)
    problem = Problem(X, Y, sizes, "relu", "linear", "mse", 50)
    starts = redrawn_layers(problem, theta, rs, per_unit=2)
    assert len(starts) == 2 * (3 + 4)
    Ws0, bs0 = unflatten(theta, sizes)
    for i, start in enumerate(starts):
        layer, u = (0, i // 2) if i < 6 else (1, (i - 6) // 2)
        Ws, bs = unflatten(start, sizes)
        for j in range(3):  # every other weight as it was (the output layer re-solved)
            if j == layer + 1 < 2:
                np.testing.assert_array_equal(np.delete(Ws[j], u, axis=0),
                                              np.delete(Ws0[j], u, axis=0))
            elif j != layer and j < 2:
                np.testing.assert_array_equal(Ws[j], Ws0[j])
        changed = np.flatnonzero(np.any(Ws[layer] != Ws0[layer], axis=0)
                                 | (bs[layer] != bs0[layer]))
        assert list(changed) == [u]
        if layer == 0:  # the new unit starts silent (the output layer is re-solved)
            assert np.all(Ws[1][u] == 0)
        # its boundary passes through a row of the layer's input
        inputs = X if layer == 0 else np.maximum(X @ Ws0[0] + bs0[0], 0)
        assert np.min(np.abs(inputs @ Ws[layer][:, u] + bs[layer][u])) < 1e-9


def test_redrawn_layers_read_their_count_at_call_time(monkeypatch):
    # (benchmarks/fresh.py --set changes the module's constant for an experiment)
    sizes = (2, 3, 4, 1)
    X, Y, theta, rs = _teacher(sizes, seed=5)
    problem = Problem(X, Y, sizes, "relu", "linear", "mse", 50)
    assert len(redrawn_layers(problem, theta, rs)) == _layerwise._REDRAWS * (3 + 4)
    monkeypatch.setattr(_layerwise, "_REDRAWS", 1)
    assert len(redrawn_layers(problem, theta, rs)) == 3 + 4


def _deep_data():
    rs = np.random.RandomState(2)
    X = rs.uniform(-1, 1, size=(150, 2))
    return X, np.abs(X[:, 0]) * np.sin(3 * X[:, 1])


def _deep_fits(max_restarts, **variants):
    """fit_global on one 2-D sample with 2 + 2 hidden ReLU units, once per variant (keyword
    arguments of each); unconfirmed bests are expected."""
    X, y = _deep_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exactfit.UnconfirmedOptimumWarning)
        return [exactfit.fit_global(X, y, hidden=(2, 2), max_restarts=max_restarts,
                                    random_state=0, **kw) for kw in variants.values()]


def test_fit_global_redraws_deep_units_in_its_rounds():
    res, off = _deep_fits(6, on={}, off=dict(recombine=False))
    kinds = set(res.restart_starts)
    assert "redrawn" in kinds and not kinds & {"recombined", "flipped", "ridge"}
    per_round = _layerwise._REDRAWS * (2 + 2)  # every hidden unit, _REDRAWS times
    assert res.n_recombined >= per_round and res.n_recombined % per_round == 0
    assert "redraws tried" in res.message
    assert off.n_recombined == 0 and "redrawn" not in off.restart_starts
    assert res.loss <= off.loss * (1 + 1e-9)  # the same starts, then the rounds


def test_deep_moves_and_rounds_do_not_depend_on_n_jobs():
    # with workers the moves run ahead in them (start_ahead, local_ahead): the parent
    # must end where one process does, round by round
    one, two = _deep_fits(8, one=dict(n_jobs=1), two=dict(n_jobs=2))
    assert one.n_recombined > 0
    assert one.loss == two.loss
    np.testing.assert_array_equal(one.restart_losses, two.restart_losses)


def test_screened_keeps_the_lowest_after_a_short_run():
    sizes = (2, 3, 4, 1)
    X, Y, theta, rs = _teacher(sizes, seed=5)
    problem = Problem(X, Y + 0.1 * rs.normal(size=Y.shape), sizes, "relu", "linear", "mse",
                      500)
    starts = redrawn_layers(problem, theta, rs, per_unit=3)
    same, nit = _layerwise.screened(problem, starts, iters=0)  # off: every start as it was
    assert nit == 0 and len(same) == len(starts)
    assert all(a is b for a, b in zip(same, starts))
    kept, nit = _layerwise.screened(problem, starts, iters=5, keep=0.25)
    assert len(kept) == int(np.ceil(0.25 * len(starts))) == 6 and nit > 0
    losses = [problem.value(t) for t in kept]
    assert losses == sorted(losses)
    # each kept start is a short run's end: the lowest of them is the lowest of all ends
    ends = [problem.local(t, tol="loose", maxiter=5, near_zero=False)[1] for t in starts]
    assert losses[0] == pytest.approx(min(ends), rel=1e-9)
    assert losses[-1] <= np.sort(ends)[5] * (1 + 1e-9)


def test_fit_global_screens_deep_redraws_when_asked(monkeypatch):
    monkeypatch.setattr(_layerwise, "_SCREEN_ITERS", 10)
    monkeypatch.setattr(_layerwise, "_REDRAWS", 4)
    (res,) = _deep_fits(6, on={})
    per_round = int(np.ceil(_layerwise._SCREEN_KEEP * 4 * (2 + 2)))
    assert res.n_recombined >= per_round and res.n_recombined % per_round == 0
    assert res.loss == pytest.approx(exactfit.mse(res.network, *_deep_data()), rel=1e-9)

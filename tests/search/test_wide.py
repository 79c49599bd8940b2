import warnings

import numpy as np
import pytest

import exactfit
from exactfit.search import _recombine, _wide
from exactfit.search._local import Problem
from exactfit.search._starts import initial
from exactfit.search._units import _first_layer


def _problem(task, k):
    return Problem(task.X, task.y.reshape(-1, 1), (task.X.shape[1], k, 1), "relu", "linear",
                   "mse", 3000)


def test_pruned_wide_keeps_k_units_of_the_wide_fit_with_the_least_squares_output():
    task = exactfit.tasks.teacher_student(5, 4, n_samples=400, random_state=3)
    problem = _problem(task, 4)
    wide_units = []

    def recording_initial(prob, kind, rs):  # the wide network's start, remembered
        theta = initial(prob, kind, rs)
        wide_units.append(prob.sizes)
        return theta

    theta = _wide.pruned_wide(problem, np.random.RandomState(0), recording_initial)
    assert wide_units == [(5, 4 * _wide._FACTOR, 1)] and theta.shape == (5 * 4 + 4 + 4 + 1,)
    W1, b1, W2 = _first_layer(theta, problem.sizes)
    # unit directions of norm 1 (hyperplanes), the output layer solved exactly
    np.testing.assert_allclose(np.linalg.norm(W1, axis=0), 1.0, rtol=1e-12)
    H = np.maximum(task.X @ W1 + b1, 0.0)
    A = np.hstack([H, np.ones((len(H), 1))])
    coef = np.linalg.lstsq(A, task.y, rcond=None)[0]
    assert problem.value(theta) == pytest.approx(np.mean((A @ coef - task.y) ** 2), rel=1e-9)


def test_pruned_wide_beats_plain_starts_on_a_teacher():
    """d = k = 10, 1500 Gaussian points: the wide start settled by L-BFGS reaches the
    teacher (MSE 0) far more often than plain Glorot starts (6 of 6 against 0 of 6
    when written)."""
    task = exactfit.tasks.teacher_student(10, 10, n_samples=1500, random_state=7)
    problem = _problem(task, 10)
    var = float(np.var(task.y))
    wide = plain = 0
    for seed in range(6):
        theta = _wide.pruned_wide(problem, np.random.RandomState(seed), initial)
        wide += problem.local(theta)[1] <= 1e-8 * var
        plain += problem.local(initial(problem, "random", np.random.RandomState(seed)))[1] \
            <= 1e-8 * var
    assert wide >= 5 and plain <= 1


def test_pruned_wide_turns_a_flipped_unit_back(monkeypatch):
    """relu(x1) + relu(x2) on Gaussian points, fitted by a wide network as relu(x1) +
    relu(-x2) + relu(x2 + 6) - 6 (the last unit is linear on the data: it pays for
    the flip). No 2 of those units fit the target; with their flipped copies in the
    pool, relu(-x2) turned back does, exactly."""
    X = np.random.RandomState(0).normal(size=(400, 3))
    X = X[np.abs(X[:, 1]) < 5.0]
    y = np.maximum(X[:, 0], 0.0) + np.maximum(X[:, 1], 0.0)
    problem = Problem(X, y[:, None], (3, 2, 1), "relu", "linear", "mse", 3000)
    d, w = 3, 2 * _wide._FACTOR
    W1 = np.zeros((d, w))
    b1 = np.full(w, -100.0)  # dead units: nothing on the data
    W1[:, 0], W1[:, 1], W1[:, 2] = [1, 0, 0], [0, -1, 0], [0, 1, 0]
    b1[:3] = [0.0, 0.0, 6.0]
    W1[2, 3:] = 1.0
    wide_theta = np.concatenate([W1.ravel(), b1, np.r_[1.0, 1.0, 1.0, np.zeros(w - 3)],
                                 [-6.0]])

    class Fitted(Problem):  # the wide fit "found" wide_theta
        def local(self, theta, **kw):
            return wide_theta, self.value(wide_theta), 0

    monkeypatch.setattr(_wide, "Problem", Fitted)
    assert Fitted(X, y[:, None], (d, w, 1), "relu", "linear", "mse", 1).value(
        wide_theta) < 1e-20
    theta = _wide.pruned_wide(problem, np.random.RandomState(0), initial)
    assert problem.value(theta) < 1e-20 * np.var(y)
    W1p = _first_layer(theta, problem.sizes)[0]
    assert sorted(map(tuple, np.round(W1p.T, 9))) == [(0.0, 1.0, 0.0), (1.0, 0.0, 0.0)]


def test_no_subset_search_gives_none(monkeypatch):
    task = exactfit.tasks.teacher_student(3, 2, n_samples=200, random_state=0)
    monkeypatch.setattr(_recombine, "best_subsets", lambda *a, **k: [])
    assert _wide.pruned_wide(_problem(task, 2), np.random.RandomState(0), initial) is None
    # fit_global then starts from a "random" start instead, and says nothing is wrong
    y = task.y + np.random.RandomState(1).normal(scale=0.1, size=len(task.y))  # not exact
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = exactfit.fit_global(task.X, y, hidden=2, starts="wide", n_restarts=2,
                                  max_restarts=2, recombine=False, random_state=0)
    assert list(res.restart_starts) == ["wide", "wide"] and np.isfinite(res.loss)
    assert res.loss < np.var(y)


def test_no_wide_fit_when_no_subset_search_is_affordable(monkeypatch):
    task = exactfit.tasks.teacher_student(3, 2, n_samples=200, random_state=0)
    monkeypatch.setattr(_wide, "affordable_subsets", lambda k, pool: 0)
    fitted = []
    monkeypatch.setattr(Problem, "local", lambda *a, **k: fitted.append(1))
    assert _wide.pruned_wide(_problem(task, 2), np.random.RandomState(0), initial) is None
    assert not fitted


def test_auto_starts_alternate_with_wide_from_three_inputs():
    for d, first in [(2, ["spread", "data", "grow"]), (3, ["wide", "spread", "wide"])]:
        task = exactfit.tasks.teacher_student(d, 2, n_samples=300, random_state=1)
        y = task.y + np.random.RandomState(1).normal(scale=0.1, size=len(task.y))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = exactfit.fit_global(task.X, y, hidden=2, n_restarts=3, max_restarts=3,
                                      recombine=False, random_state=0)
        assert list(res.restart_starts) == first


def test_wide_needs_the_unit_moves():
    X = np.random.RandomState(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match="starts='wide'"):
        exactfit.fit_global(X, X[:, 0], hidden=2, activation="tanh", starts="wide")

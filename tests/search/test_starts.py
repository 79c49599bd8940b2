"""Starting points of the search (exactfit/search/_starts.py)."""

import warnings

import numpy as np
import pytest

import exactfit
from exactfit.network import unflatten
from exactfit.search._local import Problem
from exactfit.search._starts import START_KINDS, initial


@pytest.mark.parametrize("d,hidden", [(1, (2, 2, 2)), (3, (4, 3))])
def test_fold_layers_each_read_one_scalar_and_bend_inside_its_range(d, hidden):
    rs = np.random.RandomState(0)
    X = rs.normal(size=(200, d))
    Y = rs.normal(size=(200, 1))
    sizes = (d,) + hidden + (1,)
    problem = Problem(X, Y, sizes, "relu", "linear", "mse", 100)
    theta = initial(problem, "fold", np.random.RandomState(1))
    Ws, bs = unflatten(theta, sizes)
    A = X
    for W, b in zip(Ws[:-1], bs[:-1]):
        # every unit of the layer has the same weights: a function of one scalar s
        np.testing.assert_array_equal(W, np.repeat(W[:, :1], W.shape[1], axis=1))
        s = A @ W[:, 0]
        # unit 0 bends at min s (linear on the data), the others inside s's range, sorted
        assert -b[0] == pytest.approx(s.min())
        assert np.all(np.diff(-b) >= 0) and -b[-1] <= s.max()
        A = np.maximum(A @ W + b, 0.0)
    assert np.all(np.isfinite(theta)) and "fold" in START_KINDS


def test_deep_relu_auto_starts_alternate_with_fold():
    X = np.linspace(0, 1, 40)[:, None]
    y = np.abs(X[:, 0] - 0.5) + np.random.RandomState(0).normal(scale=0.1, size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deep = exactfit.fit_global(X, y, hidden=(2, 2), n_restarts=4, max_restarts=4,
                                   random_state=0)
        tanh = exactfit.fit_global(X, y, hidden=(2, 2), activation="tanh", n_restarts=2,
                                   max_restarts=2, random_state=0)
    assert list(deep.start_kinds) == ["fold", "spread", "fold", "data"]
    assert "fold" not in tanh.restart_starts


def test_default_call_fits_the_sawtooth_exactly():
    """tasks.sawtooth(2): the tent map composed twice, 1-2-2-1, exact by construction.
    Plain starts do not find it (sawtooth(3): 0 of 300); the fold starts do."""
    task = exactfit.tasks.sawtooth(2)
    res = exactfit.fit_global(task.X, task.y, hidden=task.hidden, random_state=0)
    assert res.loss <= 1e-12 * np.var(task.y) and res.confirmed

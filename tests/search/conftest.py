import sys
from pathlib import Path

import pytest

import exactfit
from exactfit.search._local import Problem
from exactfit.search._scaling import Scaling


@pytest.fixture
def fresh_miss():
    """A function of (seed of a benchmarks/fresh.py problem, random_state) giving a
    ``recombine=False`` call's minimum in the search's coordinates: ``(problem, theta,
    loss factor)``, the problem on all the standardised data (the call's loss is
    ``problem.value(theta) * factor``)."""
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from fresh import make_problem

    def miss(seed, random_state):
        p = make_problem(seed)
        X, y, k = p["X"], p["y"][:, None], p["hidden"]
        res = exactfit.fit_global(X, y[:, 0], hidden=k, recombine=False,
                                  random_state=random_state)
        sc = Scaling(X, y)
        problem = Problem(sc.X(X), sc.Y(y), (X.shape[1], k, 1), "relu", "linear", "mse",
                          15000)
        return problem, sc.to_search(res.network.to_flat(), problem.sizes), sc.sy ** 2

    return miss

"""Ctrl-C in fit_global: wherever it lands, the call stops and says so.

Each test raises KeyboardInterrupt in one phase of the call (as a Ctrl-C landing
there would) and checks that the result is marked interrupted, with a loss that is
its network's, or that the KeyboardInterrupt reaches the caller when there is
nothing to keep (or when an enclosing benchmark must stop too).
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exactfit
from exactfit import bench, fit_global, mse
from exactfit.certify import _enumeration
from exactfit.search import UnconfirmedOptimumWarning, _fit_global, _local, _search


def _raise(*args, **kwargs):
    raise KeyboardInterrupt


def _square(n, seed):
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n, 2))
    return X, np.sqrt(np.sum(X ** 2, axis=1))


def _interrupted_call(monkeypatch, module, name, n, seed, phase):
    """fit_global on an n-point Euclid square with `module.name` raising Ctrl-C: the
    result, checked to be marked interrupted in `phase`, unconfirmed, with its
    network's loss."""
    X, y = _square(n, seed)
    monkeypatch.setattr(module, name, _raise)
    with pytest.warns(UnconfirmedOptimumWarning, match=f"during {phase}"):
        res = fit_global(X, y, hidden=3, random_state=0)
    assert not res.success and res.stop_reason == "interrupted" and not res.confirmed
    assert res.interrupted
    assert res.loss == pytest.approx(mse(res.network, X, y), rel=1e-12)
    return res, X, y


def test_a_ctrl_c_in_a_recombination_round_stops_the_call(monkeypatch):
    # The rounds' local runs went through run_trials, which used to return the runs
    # finished so far: the round passed for done and the call went on, CONFIRMED.
    res, _, _ = _interrupted_call(monkeypatch, _search, "_local_run", 300, 0,
                                  "a recombination round")
    assert res.n_recombined == 0


def test_a_ctrl_c_in_the_polish_keeps_the_search_best(monkeypatch):
    # 5000 rows: a subsampled search (2000 rows), then the ladder on all of them.
    res, X, y = _interrupted_call(monkeypatch, _fit_global, "polish_ladder", 5000, 1,
                                  "the polish on all the data")
    assert res.search_samples == 2000
    assert "output layer fitted on all the data" in res.message
    # The stated loss is the network's on all the data (checked above), and its output
    # layer is the least-squares one there (the polish cut short could only lower it).
    H = np.hstack([res.network.hidden_outputs(X)[-1], np.ones((len(X), 1))])
    best = np.linalg.lstsq(H, y, rcond=None)[0]
    assert res.loss <= np.mean((H @ best - y) ** 2) * (1 + 1e-9)


def test_a_ctrl_c_in_the_check_keeps_the_search_answer(monkeypatch):
    # A 62-point 2-D sample with 2 units: the enumeration runs after the search (the
    # check, a few seconds); a Ctrl-C there leaves the search's answer, not certified.
    X, y = _square(62, 2)
    real = _fit_global.exact_optimum

    def interrupted_check(*args, **kwargs):
        if args[6] == "verify":
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_fit_global, "exact_optimum", interrupted_check)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnconfirmedOptimumWarning)
        res = fit_global(X, y, hidden=2, random_state=0)
    assert not res.success and res.evidence == "search"
    assert res.stop_reason in ("confirmed", "max_restarts")  # the search's, unchanged
    assert "check by certify.exact_2d (or exact_1d) was interrupted" in res.message
    assert res.loss == pytest.approx(mse(res.network, X, y), rel=1e-12)
    # Uninterrupted, the same call is certified by the check.
    monkeypatch.setattr(_fit_global, "exact_optimum", real)
    done = fit_global(X, y, hidden=2, random_state=0)
    assert done.success and not done.interrupted and done.evidence == "certified"


def test_the_check_is_reached_by_the_interrupt_of_the_enumeration(monkeypatch):
    # The enumeration catches Ctrl-C itself and returns its best, uncertified: fit_global
    # must not take that for a check that ran out of time, nor certify it.
    X, y = _square(62, 2)
    real = exactfit.certify.exact_2d

    def exact_2d(*args, **kwargs):  # (1-D enumerations, as the ridge starts', run on)
        with monkeypatch.context() as m:
            m.setattr(_enumeration, "_bounded_sets", _raise)
            return real(*args, **kwargs)

    monkeypatch.setattr(exactfit.certify, "exact_2d", exact_2d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnconfirmedOptimumWarning)
        res = fit_global(X, y, hidden=2, random_state=0)
    assert not res.success and res.evidence == "search"
    assert "was interrupted (Ctrl-C): not certified" in res.message


def test_a_ctrl_c_in_the_binned_warm_start_stops_the_call(monkeypatch):
    # 1-D, 400 points, 3 units: not cheap to enumerate, so the data averaged in bins are
    # (exact_1d, before any start). exact_1d returns its best on Ctrl-C; that was taken
    # as "no warm start" and the search went on.
    x = np.linspace(-1, 1, 400)
    monkeypatch.setattr(_enumeration, "_bounded_sets", _raise)
    with pytest.raises(KeyboardInterrupt, match="averaged in bins"):
        fit_global(x[:, None], np.sin(3 * x), hidden=3, random_state=0)


def test_a_ctrl_c_inside_a_benchmark_stops_the_benchmark(monkeypatch):
    # fit_global as a benchmark's method: it used to return its partial result, which
    # the benchmark recorded as a run, and went on to the next run.
    X, y = _square(200, 3)
    real, state = _search.one_start, {"run": 0, "starts": 0}

    def start(*args, **kwargs):
        if state["run"] == 2:  # Ctrl-C at the second run's third start
            state["starts"] += 1
            if state["starts"] == 3:
                raise KeyboardInterrupt
        return real(*args, **kwargs)

    def method(X, y, random_state):
        state["run"] += 1
        return fit_global(X, y, hidden=2, random_state=random_state)

    monkeypatch.setattr(_search, "one_start", start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = bench.benchmark(X, y, methods=[bench.Method("fit_global", method)],
                                 n_runs=3, progress=False)
    assert report.meta["interrupted"]
    assert state == {"run": 2, "starts": 3}  # no start, and no run, after the Ctrl-C
    assert len(report.runs["fit_global"]) == 1


def test_progress_reaches_the_enumeration(monkeypatch):
    X, y = _square(9, 4)
    seen = []
    real = exactfit.certify.exact_2d

    def exact_2d(*args, **kwargs):
        seen.append(kwargs.get("progress"))
        return real(*args, **kwargs)

    monkeypatch.setattr(exactfit.certify, "exact_2d", exact_2d)
    res = fit_global(X, y, hidden=2, random_state=0, progress=True)
    assert res.evidence == "certified" and seen == [True]
    fit_global(X, y, hidden=2, random_state=0)
    assert seen == [True, False]


def test_check_gives_no_verdict_on_an_interrupted_search(monkeypatch):
    # exactfit.check judges a model against fit_global's best: after a Ctrl-C there is
    # no best-known to judge against, and it stops instead of concluding.
    X, y = _square(300, 5)
    model = exactfit.train_gd(X, y, hidden=3, max_iter=20, random_state=0)
    monkeypatch.setattr(_search, "_local_run", _raise)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(KeyboardInterrupt, match="no verdict"):
            exactfit.check(model, X, y, local=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(at=st.integers(1, 400), hidden=st.integers(1, 3), n=st.sampled_from([40, 300, 4500]))
def test_wherever_the_ctrl_c_lands_the_result_is_honest(at, hidden, n):
    # Every local run of the call (starts, moves, canonicalisation, recombination rounds,
    # the ladder, the final polish) goes through Problem.local: a Ctrl-C at the at-th.
    X, y = _square(n, at)
    real, count = _local.Problem.local, [0]

    def local(self, *args, **kwargs):
        count[0] += 1
        if count[0] == at:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    real_offer, has_best = _search.Search.offer, []

    def offer(self, *args, **kwargs):  # (records whether a start has been folded in)
        real_offer(self, *args, **kwargs)
        has_best.append(self.theta is not None)

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(_local.Problem, "local", local)
        mp.setattr(_search.Search, "offer", offer)
        warnings.simplefilter("ignore")
        try:
            res = fit_global(X, y, hidden=hidden, random_state=0, exact=False)
        except KeyboardInterrupt as stop:  # only with nothing to return
            assert not any(has_best) and "before any start finished" in str(stop)
            return
    assert res.interrupted == (count[0] >= at)
    assert res.success == (not res.interrupted)
    assert (res.stop_reason == "interrupted") == res.interrupted
    assert not (res.interrupted and res.confirmed)
    assert res.loss == pytest.approx(mse(res.network, X, y), rel=1e-12)
    assert res.loss <= np.var(y) * (1 + 1e-9)

import warnings

import numpy as np
import pytest

from exactfit._parallel import draw_seeds, inside_trials, run_trials


def _square_or_stop(i):
    if i == 3:
        raise KeyboardInterrupt
    return i * i


def test_run_trials_keeps_finished_trials_on_interrupt():
    with pytest.warns(RuntimeWarning, match="Interrupted: 3 of 6"):
        out = run_trials(_square_or_stop, [(i,) for i in range(6)])
    assert out == [0, 1, 4]


def test_run_trials_lets_the_interrupt_through_when_partial_is_false():
    # For work that is only meaningful whole (fit_global's recombination rounds): no
    # prefix passed off as the whole, no warning, and the depth count restored.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(KeyboardInterrupt):
            run_trials(_square_or_stop, [(i,) for i in range(6)], partial=False)
    assert not inside_trials()
    assert run_trials(_square_or_stop, [(i,) for i in range(3)], partial=False) == [0, 1, 4]
    with pytest.raises(TypeError, match="partial must be True or False"):
        run_trials(_square_or_stop, [(0,)], partial="no")


def test_draw_seeds_reproducible():
    assert draw_seeds(0, 5) == draw_seeds(np.random.RandomState(0), 5)
    assert draw_seeds(0, 3) == draw_seeds(0, 5)[:3]
    assert all(isinstance(s, int) for s in draw_seeds(None, 3))


def _inner(i):
    # A trial that runs trials itself (fit_global's restarts inside a benchmark).
    return sum(run_trials(_square_or_stop, [(j,) for j in range(i, i + 3)]))


def test_a_nested_interrupt_stops_the_outer_call():
    # Trial 0 runs 0, 1, 2; trial 1 runs 1, 2, 3 and is interrupted at 3: the inner
    # call must not return its partial sum (the outer would go on to trial 2).
    with pytest.warns(RuntimeWarning, match="Interrupted: 1 of 3"):
        out = run_trials(_inner, [(0,), (1,), (2,)])
    assert out == [0 + 1 + 4]
    assert not inside_trials()


def test_trials_report_each_result_as_it_finishes():
    seen = []
    out = run_trials(_square_or_stop, [(i,) for i in range(3)],
                     on_result=lambda i, r: seen.append((i, r)))
    assert seen == [(0, 0), (1, 1), (2, 4)] and out == [0, 1, 4]


def test_n_jobs_is_checked():
    for bad in (1.5, "2", 0, True):
        with pytest.raises((TypeError, ValueError), match="n_jobs"):
            run_trials(_square_or_stop, [(1,)], n_jobs=bad)


def _pid(_):
    import os

    return os.getpid()


def test_prefer_threads_runs_in_this_process_unless_a_backend_is_configured():
    import os

    from joblib import parallel_config

    assert run_trials(_pid, [(i,) for i in range(4)], n_jobs=2, prefer="threads") == [os.getpid()] * 4
    with parallel_config(backend="loky"):
        pids = run_trials(_pid, [(i,) for i in range(4)], n_jobs=2, prefer="threads")
    assert os.getpid() not in pids

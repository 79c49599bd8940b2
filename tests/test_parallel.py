import numpy as np
import pytest

from exactfit._parallel import draw_seeds, run_trials


def _square_or_stop(i):
    if i == 3:
        raise KeyboardInterrupt
    return i * i


def test_run_trials_keeps_finished_trials_on_interrupt():
    with pytest.warns(RuntimeWarning, match="Interrupted: 3 of 6"):
        out = run_trials(_square_or_stop, [(i,) for i in range(6)])
    assert out == [0, 1, 4]


def test_draw_seeds_reproducible():
    assert draw_seeds(0, 5) == draw_seeds(np.random.RandomState(0), 5)
    assert draw_seeds(0, 3) == draw_seeds(0, 5)[:3]
    assert all(isinstance(s, int) for s in draw_seeds(None, 3))

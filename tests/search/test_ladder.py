"""The polish ladder of a subsampled search (exactfit.search._ladder); its end-to-end
checks (the same optimum as a full-data search) are in test_fit_global.py."""

import numpy as np
import pytest

from exactfit.search._ladder import may_overtake, next_rung, per_sample_loss
from exactfit.search._local import Problem


def _square(n, seed):
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n, 2))
    return X, np.sqrt(np.sum(X ** 2, axis=1))


def test_the_polish_ladder_drops_only_candidates_clearly_behind():
    X, y = _square(4000, 5)
    p = Problem(X, y[:, None], (2, 3, 1), "relu", "linear", "mse", 100)
    ang = np.deg2rad([90, 210, 330])
    good = p.polish(np.concatenate([np.vstack([np.cos(ang), np.sin(ang)]).ravel(),
                                    np.zeros(3), np.ones(3), [0.0]]))
    bad = good.copy()
    bad[6:9] = [-0.5, 0.3, 0.2]  # boundaries moved far from the centre
    bad = p.polish(bad)
    per = per_sample_loss(p, good)
    assert per.mean() == pytest.approx(p.value(good), rel=1e-12)
    assert p.value(bad) > 1.5 * p.value(good)
    assert not may_overtake(p, bad, good)
    assert may_overtake(p, good, bad) and may_overtake(p, good, good)
    # A rotated copy on a square sample: behind on the sample by sampling noise only.
    rot = good.copy()
    rot[:6] = np.vstack([-np.sin(ang), np.cos(ang)]).ravel()  # turned by 90 degrees
    rot = p.polish(rot)
    assert may_overtake(p, rot, good) and may_overtake(p, good, rot)


def test_polish_ladder_rungs_grow_8x_and_stop_short_of_most_of_the_data():
    def rungs(n, size=2000):
        out = []
        while size < n:
            size = next_rung(size, n, first=not out)
            out.append(size)
        return out

    # a rung of 64% of the data (128000 of 200000) costs nearly what all of it costs:
    # the last rung below all the data holds at most a quarter of it
    assert rungs(200000) == [16000, 50000, 200000]
    assert rungs(1000000) == [16000, 128000, 1000000]
    # the first rung, where the best is canonicalised again, is always 8x the search rows
    assert rungs(20000) == [16000, 20000] and rungs(100000) == [16000, 100000]
    assert rungs(5000) == [5000] and rungs(16000) == [16000]

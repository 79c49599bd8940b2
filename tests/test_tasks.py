import numpy as np
import pytest

import exactfit


def test_euclid_task():
    t = exactfit.tasks.euclid(100, random_state=3)
    assert t.X.shape == (100, 2) and t.y.shape == (100,)
    assert t.X.min() >= -1 and t.X.max() <= 1
    np.testing.assert_allclose(t.y, np.sqrt(t.X[:, 0] ** 2 + t.X[:, 1] ** 2))
    assert t.hidden == (3,)
    np.testing.assert_array_equal(exactfit.tasks.euclid(100, random_state=3).X, t.X)


def test_euclid_bad_input():
    with pytest.raises(ValueError, match="n_samples"):
        exactfit.tasks.euclid(0)
    with pytest.raises(ValueError, match="low"):
        exactfit.tasks.euclid(10, low=1, high=0)

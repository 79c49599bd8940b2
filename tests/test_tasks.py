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


def test_teacher_student_task():
    t = exactfit.tasks.teacher_student(5, 3, n_samples=200, random_state=1)
    assert t.X.shape == (200, 5) and t.hidden == (3,)
    np.testing.assert_allclose(t.y, np.maximum(t.X[:, :3], 0).sum(axis=1))
    # The teacher itself is a network of the task's architecture with zero loss.
    V = t.meta["teacher"]
    net = exactfit.Network([V, np.ones((3, 1))], [np.zeros(3), np.zeros(1)])
    assert exactfit.mse(net, t.X, t.y) == 0.0
    r = exactfit.tasks.teacher_student(5, 3, n_samples=50, rotate=True, width=4, random_state=2)
    np.testing.assert_allclose(r.meta["teacher"].T @ r.meta["teacher"], np.eye(3), atol=1e-12)
    assert r.hidden == (4,)
    with pytest.raises(ValueError, match="k must be at most d"):
        exactfit.tasks.teacher_student(2, 3)

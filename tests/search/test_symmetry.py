import warnings

import numpy as np
import pytest

from exactfit import Network
from exactfit.search import UnconfirmedOptimumWarning
from exactfit.search._symmetry import box_symmetries, image, invariant, n_images


def test_counts():
    assert len(box_symmetries(1)) == n_images(1) == 1
    assert len(box_symmetries(2)) == n_images(2) == 7
    assert len(box_symmetries(3)) == n_images(3) == 47
    assert n_images(6) == 46079


def test_image_computes_the_transformed_function(rng):
    X = rng.normal(size=(30, 2))
    net = Network([rng.normal(size=(2, 3)), rng.normal(size=(3, 1))],
                  [rng.normal(size=3), rng.normal(size=1)])
    for P in box_symmetries(2):
        moved = net.with_flat(image(net.to_flat(), (2, 3, 1), P))
        np.testing.assert_allclose(moved.predict(X), net.predict(X @ P.T), rtol=1e-12)


def _standardised(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _mat_key(P):
    return tuple(P.astype(int).ravel())


@pytest.mark.parametrize("n", [300, 2000])
@pytest.mark.parametrize("shape", ["square", "disc", "gauss", "rectangle", "cube"])
def test_symmetric_samples_keep_every_image(shape, n):
    rs = np.random.RandomState(n)
    d = 3 if shape == "cube" else 2
    if shape == "disc":
        g = rs.normal(size=(n, 2))
        X = g / np.linalg.norm(g, axis=1, keepdims=True) * np.sqrt(rs.uniform(size=(n, 1)))
    elif shape == "gauss":
        X = rs.normal(size=(n, 2))
    else:
        X = rs.uniform(-1, 1, size=(n, d)) * (np.array([3.0, 1.0]) if shape == "rectangle" else 1)
    mats = box_symmetries(d)
    assert len(invariant(_standardised(X), mats)) == len(mats)


def test_asymmetric_samples_keep_only_their_symmetries():
    rs = np.random.RandomState(0)
    mats = box_symmetries(2)
    skewed = _standardised(rs.exponential(size=(2000, 2)))
    kept = {_mat_key(P) for P in invariant(skewed, mats)}
    assert kept == {(0, 1, 1, 0)}  # swapping the coordinates, nothing else
    triangle = _standardised(rs.dirichlet(np.ones(3), 2000) @ np.array([[0, 0], [1, 0], [0, 1.0]]))
    assert {_mat_key(P) for P in invariant(triangle, mats)} == {(0, 1, 1, 0)}
    # a line through the origin in 3-D (three equal columns): the permutations, with
    # or without a sign flip of all three coordinates
    t = rs.normal(size=500)
    line = _standardised(np.outer(t, [1.0, 2.0, 3.0]))
    kept = invariant(line, box_symmetries(3))
    assert len(kept) == 11
    assert all(np.allclose(line @ P.T, line) or np.allclose(line @ P.T, -line) for P in kept)


def test_fit_global_auto_uses_only_the_invariant_images(monkeypatch):
    from exactfit import fit_global
    from exactfit.search import _fit_global

    seen = []
    real = _fit_global.Search

    def recording(problem, mats, *args):
        seen.append(len(mats))
        return real(problem, mats, *args)

    monkeypatch.setattr(_fit_global, "Search", recording)
    rs = np.random.RandomState(1)
    X = rs.exponential(size=(300, 2))
    y = np.abs(X[:, 0] - 1) + X[:, 1]
    kw = dict(hidden=2, exact=False, n_restarts=2, max_restarts=2, recombine=False,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnconfirmedOptimumWarning)
        fit_global(X, y, **kw)
        fit_global(X, y, symmetries=True, **kw)
    assert seen == [len(invariant(_standardised(X), box_symmetries(2))), 7]
    assert seen[0] < 7

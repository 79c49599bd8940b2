import numpy as np

from exactfit import Network
from exactfit.search._symmetry import box_symmetries, image, n_images


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

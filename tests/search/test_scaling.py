import numpy as np
import pytest

from exactfit import Network
from exactfit.network import n_params
from exactfit.search._scaling import Scaling


@pytest.mark.parametrize("sizes", [(2, 3, 1), (3, 4, 2, 2)])
def test_map_back_gives_the_same_function(rng, sizes):
    X = rng.normal(size=(40, sizes[0])) * [100.0, 0.01, 7.0][:sizes[0]] + 300.0
    Y = rng.normal(size=(40, sizes[-1])) * 1e-3 + 5.0
    sc = Scaling(X, Y)
    theta = rng.normal(size=n_params(sizes))
    scaled = Network.from_flat(theta, sizes)
    data = Network.from_flat(sc.to_data(theta, sizes), sizes)
    np.testing.assert_allclose(data.forward(X)[1][-1],
                               sc.sy * scaled.forward(sc.X(X))[1][-1] + sc.my, rtol=1e-9)
    np.testing.assert_allclose(sc.to_search(sc.to_data(theta, sizes), sizes), theta,
                               rtol=1e-9, atol=1e-12)
    # the scaled data are standardised; one scale for every output keeps the loss's weighting
    np.testing.assert_allclose(sc.X(X).std(axis=0), 1.0)
    assert np.ndim(sc.sy) == 0


def test_constant_columns_keep_scale_one():
    X = np.column_stack([np.ones(5), np.arange(5.0)])
    y = np.full(5, 3.0)
    sc = Scaling(X, y[:, None])
    assert sc.sx[0] == 1.0 and sc.sy == 1.0
    assert np.all(np.isfinite(sc.X(X))) and np.all(sc.Y(y[:, None]) == 0)

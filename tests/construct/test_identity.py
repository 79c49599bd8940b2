import numpy as np
import pytest

from exactfit import mse
from exactfit.construct import identity
from exactfit.datasets import load_digits


@pytest.mark.parametrize("depth", [1, 2, 4])
@pytest.mark.parametrize("output", ["relu", "linear"])
def test_identity_exact_on_nonnegative_pixels(depth, output):
    X = load_digits().X_train  # raw 0..16 pixels
    res = identity(64, depth=depth, output=output, X=X)
    net = res.network
    assert net.layer_sizes == (64,) * (depth + 1)
    # bit-for-bit: the construction multiplies by 1 and adds zeros
    assert np.array_equal(net.predict(X), X)
    assert res.loss == 0.0 and res.evidence == "exact"
    assert net.output == output


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_identity_signed_split_exact_on_real_inputs(depth):
    X = np.random.RandomState(0).standard_normal((300, 5)) * 1e3
    res = identity(5, depth=depth, signed=True, output="linear", X=X)
    assert res.network.hidden_sizes == (10,) * (depth - 1)
    assert np.array_equal(res.network.predict(X), X)
    assert res.loss == 0.0 and res.domain == "real"


def test_identity_depth1_linear_is_identity_matrix():
    res = identity(4, depth=1, signed=True, output="linear")
    assert np.array_equal(res.network.weights[0], np.eye(4))
    X = np.random.RandomState(1).standard_normal((50, 4))
    assert np.array_equal(res.network.predict(X), X)


def test_identity_without_data_claims_domain():
    res = identity(3, depth=4)
    assert res.loss == 0.0 and res.evidence == "exact" and res.domain == "nonnegative"
    # the claim holds on random data from the domain, checked through the one loss definition
    X = np.random.RandomState(2).uniform(0, 255, size=(100, 3))
    assert mse(res.network, X, X) == 0.0


def test_identity_unsigned_clips_negative_inputs():
    X = np.array([[1.0, -2.0]])
    res = identity(2, depth=2, output="linear", X=X)
    # independent: negative parts are lost, so the error is (-2 - 0)^2 / 2 entries
    assert res.loss == pytest.approx(2.0)
    assert res.evidence == "none" and "negative" in res.message


def test_identity_signed_relu_output_is_error():
    with pytest.raises(ValueError, match="ReLU output.*negative|values >= 0"):
        identity(3, signed=True, output="relu")


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_features=0), ValueError, "n_features"),
    (dict(n_features=3, depth=0), ValueError, "depth"),
    (dict(n_features=3, output="tanh"), ValueError, "output"),
    (dict(n_features=3, signed="yes"), TypeError, "signed"),
    (dict(n_features=3, X=np.ones((2, 4))), ValueError, "features"),
    (dict(n_features=2, X=[[np.nan, 1.0]]), ValueError, "X"),
])
def test_identity_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        identity(**kwargs)

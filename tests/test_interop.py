"""Conversions to and from torch, scikit-learn and Keras: round trips predict the same."""

import numpy as np
import pytest
from sklearn.neural_network import MLPRegressor

from exactfit import FitResult, Network
from exactfit.interop import as_network, from_keras

# (layer sizes, hidden activation, output activation)
ARCHS = [((2, 3, 1), "relu", "linear"), ((3, 4, 5, 2), "tanh", "linear"),
         ((1, 6, 1), "sigmoid", "linear"), ((4, 2, 2, 2, 3), "relu", "linear"),
         ((2, 5, 1), "linear", "linear")]
TORCH_ONLY = [((2, 3, 1), "leaky_relu", "linear"), ((3, 4, 2), "elu", "sigmoid"),
              ((2, 3, 3, 1), "selu", "tanh"), ((1, 4, 1), "softplus", "relu")]


def _net(rng, sizes, hidden, output):
    return Network([rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                   [rng.normal(size=b) for b in sizes[1:]], hidden, output)


def _keras_forward(weights, acts, X):
    """Dense layers as Keras computes them: x @ kernel + bias, then the activation."""
    f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z,
         "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
         "softplus": lambda z: np.log1p(np.exp(z)),
         "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(z))}
    A = X
    for (W, b), a in zip(zip(weights[0::2], weights[1::2]), acts):
        A = f[a](A @ W + b)
    return A


@pytest.mark.parametrize("sizes,hidden,output", ARCHS + TORCH_ONLY)
def test_torch_round_trip(rng, sizes, hidden, output):
    torch = pytest.importorskip("torch")
    net = _net(rng, sizes, hidden, output)
    X = rng.normal(size=(50, sizes[0]))
    model = net.to_torch()
    assert next(model.parameters()).dtype == torch.float64
    with torch.no_grad():
        pred = model(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(pred.reshape(net.predict(X).shape), net.predict(X),
                               rtol=1e-12, atol=1e-12)
    back = Network.from_torch(model)
    assert back == net
    via_state = Network.from_torch(model.state_dict(), activation=hidden, output=output)
    np.testing.assert_allclose(via_state.predict(X), net.predict(X), rtol=1e-12, atol=1e-12)


def test_torch_float32_and_trained_model(rng):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Dropout(0.1), nn.Linear(4, 1))
    X = rng.normal(size=(30, 2))
    net = Network.from_torch(model)
    model.eval()
    with torch.no_grad():
        pred = model(torch.as_tensor(X, dtype=torch.float32)).numpy()[:, 0]
    # float32 model, float64 network: the same weights, rounding of float32 arithmetic only.
    np.testing.assert_allclose(net.predict(X), pred, rtol=1e-5, atol=1e-6)
    assert net.layer_sizes == (2, 4, 1) and net.hidden == "relu"
    f32 = net.to_torch(dtype=torch.float32)
    assert next(f32.parameters()).dtype == torch.float32


def test_torch_nested_sequential(rng):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Tanh()), nn.Linear(3, 1))
    net = Network.from_torch(model)
    assert net.hidden == "tanh" and net.layer_sizes == (2, 3, 1)


@pytest.mark.parametrize("make,match", [
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)), "layer 1.*GELU"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1)),
     "layer 0.*no bias"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1)),
     "layer 1.*slope"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(),
                              nn.Linear(3, 1)), "mixes hidden activations"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh(), nn.Linear(3, 1)),
     "layers 1, 2 are consecutive"),
    (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), "layer 0.*before the first Linear"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1)),
     "layer 1.*BatchNorm1d"),
])
def test_torch_unsupported_layers_named(make, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=match):
        Network.from_torch(make(torch.nn))


def test_torch_non_sequential_and_bad_state_dict():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(TypeError, match="Custom, not a torch.nn.Sequential"):
        Network.from_torch(Custom())
    conv = nn.Sequential(nn.Conv1d(1, 2, 3))
    with pytest.raises(ValueError, match="2-D Linear weight"):
        Network.from_torch(conv.state_dict())
    with pytest.raises(TypeError, match="model must be"):
        Network.from_torch("model.pt")
    with pytest.raises(ValueError, match="output='tanh'"):
        Network.from_torch(nn.Sequential(nn.Linear(2, 1)), output="tanh")


@pytest.mark.parametrize("sizes,hidden,output", ARCHS)
def test_sklearn_round_trip(rng, sizes, hidden, output):
    net = _net(rng, sizes, hidden, output)
    est = net.to_sklearn()
    X = rng.normal(size=(40, sizes[0]))
    np.testing.assert_allclose(est.predict(X), net.predict(X), rtol=1e-12, atol=1e-12)
    assert est.score(X, net.predict(X)) == pytest.approx(1.0)
    assert Network.from_sklearn(est) == net


def test_sklearn_fitted_model_and_warm_start(rng):
    X = rng.normal(size=(60, 2))
    y = np.abs(X[:, 0]) + X[:, 1]
    est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=50, random_state=0).fit(X, y)
    net = Network.from_sklearn(est)
    np.testing.assert_allclose(net.predict(X), est.predict(X), rtol=1e-12, atol=1e-12)
    # The exported estimator trains on from its weights with warm_start.
    back = net.to_sklearn()
    back.set_params(warm_start=True, max_iter=5, solver="adam")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back.fit(X, y)
    assert back.n_iter_ == 5


def test_sklearn_errors(rng):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(ValueError, match="'elu' is not in scikit-learn"):
        _net(rng, (2, 3, 1), "elu", "linear").to_sklearn()
    with pytest.raises(ValueError, match="output activation 'sigmoid'"):
        _net(rng, (2, 3, 1), "relu", "sigmoid").to_sklearn()
    with pytest.raises(TypeError, match="Pipeline"):
        Network.from_sklearn(make_pipeline(StandardScaler(), MLPRegressor()))
    with pytest.raises(TypeError, match="MLPClassifier"):
        Network.from_sklearn(MLPClassifier())
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Network.from_sklearn(MLPRegressor())


@pytest.mark.parametrize("sizes,hidden,output", ARCHS + [((3, 4, 2), "elu", "sigmoid"),
                                                         ((2, 3, 1), "selu", "linear")])
def test_keras_round_trip(rng, sizes, hidden, output):
    net = _net(rng, sizes, hidden, output)
    w = net.to_keras_weights()
    assert [a.shape for a in w[:2]] == [(sizes[0], sizes[1]), (sizes[1],)]
    X = rng.normal(size=(30, sizes[0]))
    acts = [hidden] * (len(sizes) - 2) + [output]
    np.testing.assert_allclose(_keras_forward(w, acts, X).reshape(net.predict(X).shape),
                               net.predict(X), rtol=1e-12, atol=1e-12)
    assert Network.from_keras(w, hidden, output) == net
    assert Network.from_keras(w, acts) == net


def test_keras_errors(rng):
    w = _net(rng, (2, 3, 1), "relu", "linear").to_keras_weights()
    with pytest.raises(ValueError, match="activations\\[0\\]='leaky_relu'.*slope"):
        from_keras(w, "leaky_relu")
    with pytest.raises(ValueError, match="activations\\[0\\]='gelu'"):
        from_keras(w, "gelu")
    with pytest.raises(ValueError, match="even number"):
        from_keras(w[:3])
    with pytest.raises(ValueError, match="names 3 layers"):
        from_keras(w, ["relu", "relu", "linear"])
    with pytest.raises(TypeError, match="get_weights"):
        from_keras(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Dense layer 0"):
        from_keras([np.ones(3), np.ones(3)])


def test_keras_model_object(rng):
    """Anything with get_weights() (a Keras model) is asked for its weights."""
    net = _net(rng, (2, 3, 1), "tanh", "linear")

    class FakeModel:
        def get_weights(self):
            return [a.astype(np.float32) for a in net.to_keras_weights()]

    back = Network.from_keras(FakeModel(), "tanh")
    np.testing.assert_allclose(back.to_flat(), net.to_flat(), rtol=1e-6)


def test_keras_real_model(rng):
    """With Keras installed (any backend): weights out of a real model and back in."""
    keras = pytest.importorskip("keras")
    net = _net(rng, (2, 4, 1), "relu", "linear")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.set_weights(net.to_keras_weights())
    X = rng.normal(size=(20, 2)).astype("float32")
    np.testing.assert_allclose(model.predict(X, verbose=0)[:, 0], net.predict(X), rtol=1e-5,
                               atol=1e-6)
    assert Network.from_keras(model.get_weights(), "relu").layer_sizes == (2, 4, 1)


def test_as_network_dispatch(rng):
    net = _net(rng, (2, 3, 1), "relu", "linear")
    assert as_network(net) is net
    assert as_network(FitResult(network=net, loss=0.0)) is net
    assert as_network(net.to_sklearn()) == net
    assert as_network(net.to_keras_weights(), activation="relu") == net
    with pytest.raises(ValueError, match="name the hidden activation"):
        as_network(net.to_keras_weights())
    with pytest.raises(TypeError, match="model must be"):
        as_network("net.json")
    with pytest.raises(ValueError, match="without a network"):
        as_network(FitResult(loss=1.0))


def test_torch_missing_message(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    net = Network([np.ones((2, 1))], [np.zeros(1)])
    with pytest.raises(ImportError, match="pip install torch"):
        net.to_torch()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(n_in=st.integers(1, 4), hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       n_out=st.integers(1, 3), act=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
       seed=st.integers(0, 2 ** 31 - 1))
def test_round_trips_any_architecture(n_in, hidden, n_out, act, seed):
    """Every exporter and importer keeps the function, for generated architectures."""
    rng = np.random.RandomState(seed)
    net = _net(rng, (n_in, *hidden, n_out), act, "linear")
    X = rng.normal(size=(7, n_in))
    ref = net.predict(X)
    np.testing.assert_allclose(net.to_sklearn().predict(X), ref, rtol=1e-12, atol=1e-12)
    assert Network.from_sklearn(net.to_sklearn()) == net
    assert Network.from_keras(net.to_keras_weights(), act) == net
    try:
        import torch
    except ImportError:
        return
    with torch.no_grad():
        out = net.to_torch()(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(out.reshape(ref.shape), ref, rtol=1e-12, atol=1e-12)
    assert Network.from_torch(net.to_torch()) == net

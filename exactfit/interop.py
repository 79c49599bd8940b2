"""Networks to and from PyTorch, scikit-learn and Keras.

A model trained elsewhere becomes an :class:`exactfit.Network` (to check it,
warm-start a search from it, diagnose it), and an optimum found here goes back
into the framework the user already has:

=====================  =================================  ==================================
framework              in                                  out
=====================  =================================  ==================================
PyTorch                ``nn.Sequential`` or a state dict   ``nn.Sequential``, weights loaded
scikit-learn           a fitted ``MLPRegressor``           a fitted ``MLPRegressor``
Keras                  ``model.get_weights()``             arrays for ``model.set_weights``
=====================  =================================  ==================================

The function of the network is kept exactly (float64 throughout; a round trip
predicts the same to rounding). What one side cannot represent is refused with
the layer named, never approximated: an activation the other side lacks, a layer
that is not dense, a layer without bias.

PyTorch is imported only when a torch conversion is used.
"""

from collections.abc import Mapping

import numpy as np

from .activations import LEAKY_SLOPE
from .network import Network

__all__ = ["from_torch", "to_torch", "from_sklearn", "to_sklearn", "from_keras",
           "to_keras_weights", "as_network", "TORCH_ACTIVATIONS", "SKLEARN_ACTIVATIONS",
           "KERAS_ACTIVATIONS"]

#: exactfit activation -> torch.nn module class name (linear: no module).
TORCH_ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "elu": "ELU", "selu": "SELU",
                     "tanh": "Tanh", "sigmoid": "Sigmoid", "softplus": "Softplus",
                     "linear": "Identity"}
#: exactfit activation -> MLPRegressor's ``activation``.
SKLEARN_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic",
                       "linear": "identity"}
#: Keras activation name -> exactfit activation. Keras's "leaky_relu" is absent on
#: purpose: its slope (0.2, or 0.3 for ``layers.LeakyReLU``) is not exactfit's 0.01.
KERAS_ACTIVATIONS = {"relu": "relu", "elu": "elu", "selu": "selu", "tanh": "tanh",
                     "sigmoid": "sigmoid", "softplus": "softplus", "linear": "linear"}

_TORCH_HINT = 'pip install torch==2.13.0   (or: pip install "exactfit[torch]")'


def _import_torch():
    try:
        import torch
    except ImportError:
        raise ImportError("Converting to or from PyTorch needs PyTorch, which is not "
                          f"installed. Install it with: {_TORCH_HINT}") from None
    return torch


def _is_torch_module(obj):
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module"
               for c in type(obj).__mro__)


# ----------------------------------------------------------------------------- torch

def _torch_layers(module, prefix=""):
    """(name, module) of every leaf of nested Sequentials, in order."""
    out = []
    for name, child in module.named_children():
        full = f"{prefix}{name}"
        if type(child).__name__ == "Sequential":
            out += _torch_layers(child, full + ".")
        else:
            out.append((full, child))
    return out


def _torch_activation(name, layer):
    """exactfit's name for an activation module, or a ValueError naming the layer."""
    kind = type(layer).__name__
    where = f"layer {name} ({layer!r})"
    if kind == "ReLU":
        return "relu"
    if kind == "LeakyReLU":
        if float(layer.negative_slope) != LEAKY_SLOPE:
            raise ValueError(f"{where}: exactfit's leaky_relu has negative slope "
                             f"{LEAKY_SLOPE}; this layer has {layer.negative_slope}.")
        return "leaky_relu"
    if kind == "ELU":
        if float(layer.alpha) != 1.0:
            raise ValueError(f"{where}: exactfit's elu has alpha 1.0; this layer has "
                             f"{layer.alpha}.")
        return "elu"
    if kind == "Softplus":
        if float(layer.beta) != 1.0:
            raise ValueError(f"{where}: exactfit's softplus has beta 1; this layer has "
                             f"{layer.beta}.")
        return "softplus"
    simple = {"SELU": "selu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Identity": "linear"}
    if kind in simple:
        return simple[kind]
    raise ValueError(f"{where} is not supported: exactfit's Network is Linear layers with one "
                     f"activation between them ({', '.join(sorted(set(TORCH_ACTIVATIONS.values())))}"
                     f"; Dropout is skipped as in eval mode).")


def from_torch(model, activation=None, output=None):
    """A :class:`~exactfit.Network` from a PyTorch ``nn.Sequential`` or its state dict.

    Parameters
    ----------
    model : torch.nn.Sequential or mapping
        ``Linear`` layers (with bias) separated by one activation each (ReLU,
        LeakyReLU(0.01), ELU(1.0), SELU, Tanh, Sigmoid, Softplus(beta=1), Identity,
        or none for linear); nested Sequentials are flattened and Dropout layers
        skipped (the network is the model in eval mode). Or a state dict
        (``model.state_dict()``, e.g. read by ``torch.load``): the ``*.weight`` and
        ``*.bias`` of its Linear layers in order; then name the activations.
    activation : str, optional
        Hidden activation. For a state dict (default "relu"); for a Sequential it is
        read from the layers, and a different value given here is an error.
    output : str, optional
        Output activation, as `activation` (default "linear").

    Returns
    -------
    Network
        float64 copies of the weights, in Keras layout (``W = linear.weight.T``).
    """
    torch = _import_torch()
    if isinstance(model, Mapping):
        return _from_state_dict(torch, model, activation or "relu", output or "linear")
    if not _is_torch_module(model):
        raise TypeError(f"model must be a torch.nn.Sequential or its state dict; got "
                        f"{type(model).__name__}.")
    if type(model).__name__ != "Sequential":
        raise TypeError(f"model is a {type(model).__name__}, not a torch.nn.Sequential: exactfit "
                        "reads only Sequential models of Linear and activation layers (rebuild "
                        "it as one, or pass its state_dict() with activation=...).")
    weights, biases, acts, pending = [], [], [], []
    for name, layer in _torch_layers(model):
        kind = type(layer).__name__
        if kind == "Linear":
            if layer.bias is None:
                raise ValueError(f"layer {name} ({layer!r}) has no bias: exactfit's Network "
                                 "has one bias per unit (build it with bias=True).")
            if weights:
                acts.append(_one_activation(pending, name))
            weights.append(layer.weight.detach().cpu().to(torch.float64).numpy().T.copy())
            biases.append(layer.bias.detach().cpu().to(torch.float64).numpy().copy())
            pending = []
        elif kind.startswith("Dropout"):
            continue
        else:
            if not weights:
                raise ValueError(f"layer {name} ({layer!r}) comes before the first Linear "
                                 "layer: exactfit's Network starts with a Linear layer.")
            pending.append((name, _torch_activation(name, layer)))
    if not weights:
        raise ValueError("model has no Linear layer.")
    out_act = _one_activation(pending, "the end")
    hidden_names = set(acts)
    if len(hidden_names) > 1:
        raise ValueError(f"model mixes hidden activations {sorted(hidden_names)}: exactfit's "
                         "Network has one activation for every hidden layer.")
    hidden = acts[0] if acts else "relu"
    for given, found, arg in ((activation, hidden if acts else None, "activation"),
                              (output, out_act, "output")):
        if given is not None and found is not None and given != found:
            raise ValueError(f"{arg}={given!r} but the model's layers have {found!r}.")
    return Network(weights, biases, hidden=hidden, output=out_act)


def _one_activation(pending, before):
    if len(pending) > 1:
        names = ", ".join(n for n, _ in pending)
        raise ValueError(f"layers {names} are consecutive activations before {before}: "
                         "exactfit's Network has at most one activation between Linear layers.")
    return pending[0][1] if pending else "linear"


def _from_state_dict(torch, state, activation, output):
    weights, biases = [], []
    keys = [k for k in state if k.endswith(".weight") or k == "weight"]
    if not keys:
        raise ValueError("the state dict has no '*.weight' entries: is it a model's "
                         "state_dict()?")
    for k in keys:
        W = state[k]
        bias_key = k[: -len("weight")] + "bias"
        if not hasattr(W, "ndim") or W.ndim != 2:
            raise ValueError(f"state dict entry {k!r} is not a 2-D Linear weight (shape "
                             f"{tuple(getattr(W, 'shape', ()))}): only Linear layers are "
                             "supported.")
        if bias_key not in state:
            raise ValueError(f"state dict entry {k!r} has no bias {bias_key!r}: exactfit's "
                             "Network has one bias per unit.")
        weights.append(torch.as_tensor(W).detach().cpu().to(torch.float64).numpy().T.copy())
        biases.append(torch.as_tensor(state[bias_key]).detach().cpu().to(torch.float64)
                      .numpy().copy())
    extra = [k for k in state if not (k in keys or k[: -len("bias")] + "weight" in keys)]
    if extra:
        raise ValueError(f"state dict entries {extra} are not Linear weights or biases: only "
                         "Linear layers are supported.")
    return Network(weights, biases, hidden=activation, output=output)


def to_torch(network, dtype=None):
    """The network as a ``torch.nn.Sequential`` with its weights loaded.

    Parameters
    ----------
    network : Network or FitResult
    dtype : torch.dtype, default=torch.float64
        float64 keeps the function exactly; ``torch.float32`` for ordinary training.

    Returns
    -------
    torch.nn.Sequential
        ``Linear, activation, ..., Linear`` (an output activation other than linear
        is appended; a linear activation adds no layer). Parameters require grad,
        so the model can be trained further.
    """
    from ._validation import check_network

    network = check_network(network, "network")
    torch = _import_torch()
    nn = torch.nn
    dtype = torch.float64 if dtype is None else dtype
    layers = []
    acts = network._activations()
    for i, (W, b) in enumerate(zip(network.weights, network.biases)):
        lin = nn.Linear(W.shape[0], W.shape[1], bias=True, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.as_tensor(W.T, dtype=dtype))
            lin.bias.copy_(torch.as_tensor(b, dtype=dtype))
        layers.append(lin)
        act = acts[i]
        if act == "linear":
            continue
        if act == "leaky_relu":
            layers.append(nn.LeakyReLU(LEAKY_SLOPE))
        else:
            layers.append(getattr(nn, TORCH_ACTIVATIONS[act])())
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------- scikit-learn

def from_sklearn(estimator):
    """A :class:`~exactfit.Network` from a fitted scikit-learn ``MLPRegressor``.

    Also accepts :class:`exactfit.GlobalMLPRegressor`. A Pipeline is refused: its
    other steps transform X, so pass ``pipeline[-1]`` and
    ``pipeline[:-1].transform(X)`` instead.
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    if isinstance(estimator, Pipeline):
        raise TypeError("estimator is a Pipeline: pass its last step (pipeline[-1]) and use "
                        "pipeline[:-1].transform(X) as the data.")
    if isinstance(estimator, MLPClassifier):
        raise TypeError("estimator is an MLPClassifier: exactfit checks regressors (MSE); its "
                        "logistic/softmax output and log-loss are not supported.")
    net = getattr(estimator, "network_", None)
    if isinstance(net, Network):  # GlobalMLPRegressor
        return net.copy()
    if not isinstance(estimator, MLPRegressor):
        raise TypeError(f"estimator must be a fitted sklearn.neural_network.MLPRegressor; got "
                        f"{type(estimator).__name__}.")
    check_is_fitted(estimator, "coefs_")
    inverse = {v: k for k, v in SKLEARN_ACTIVATIONS.items()}
    if estimator.activation not in inverse:
        raise ValueError(f"estimator.activation={estimator.activation!r} is not supported "
                         f"(expected one of {sorted(inverse)}).")
    if getattr(estimator, "out_activation_", "identity") != "identity":
        raise ValueError(f"estimator.out_activation_={estimator.out_activation_!r}: only the "
                         "identity output (loss='squared_error') is supported.")
    return Network(estimator.coefs_, estimator.intercepts_,
                   hidden=inverse[estimator.activation], output="linear")


def to_sklearn(network):
    """A fitted ``MLPRegressor`` that predicts what `network` predicts.

    Its fitted attributes are set as ``MLPRegressor.fit`` sets them (``coefs_``,
    ``intercepts_``, ``n_layers_``, ``n_outputs_``, ``out_activation_``,
    ``n_features_in_``, ``n_iter_ = 0``, ``t_ = 0``, and the state Adam and SGD keep),
    so ``predict`` and ``score`` work and ``warm_start=True`` continues training from
    these weights. ``alpha=0`` (no weight decay), as exactfit's MSE.

    Raises
    ------
    ValueError
        For a hidden activation MLPRegressor lacks (it has relu, tanh, logistic,
        identity), an output activation other than linear, or no hidden layer.
    """
    from sklearn.neural_network import MLPRegressor

    from ._validation import check_network

    network = check_network(network, "network")
    if network.hidden not in SKLEARN_ACTIVATIONS:
        raise ValueError(f"the network's hidden activation {network.hidden!r} is not in "
                         f"scikit-learn's MLPRegressor (it has relu, tanh, logistic, identity).")
    if network.output != "linear":
        raise ValueError(f"the network's output activation {network.output!r} is not in "
                         "scikit-learn's MLPRegressor (its output is linear).")
    if not network.hidden_sizes:
        raise ValueError("the network has no hidden layer; MLPRegressor needs at least one.")
    est = MLPRegressor(hidden_layer_sizes=tuple(network.hidden_sizes),
                       activation=SKLEARN_ACTIVATIONS[network.hidden], alpha=0.0)
    est.coefs_ = [W.copy() for W in network.weights]
    est.intercepts_ = [b.copy() for b in network.biases]
    est.n_layers_ = len(network.layer_sizes)
    est.n_outputs_ = network.n_outputs
    est.out_activation_ = "identity"
    est.n_features_in_ = network.n_inputs
    est.n_iter_ = 0
    est.t_ = 0
    # What MLPRegressor._initialize sets, so that warm_start=True trains on from here.
    est._best_coefs = [W.copy() for W in network.weights]
    est._best_intercepts = [b.copy() for b in network.biases]
    est.loss_curve_ = []
    est._no_improvement_count = 0
    est.best_loss_ = np.inf
    est.validation_scores_ = None
    est.best_validation_score_ = None
    return est


# ----------------------------------------------------------------------------- Keras

def _keras_activation(name, layer):
    if name is None:
        return "linear"
    if not isinstance(name, str):
        raise TypeError(f"activations[{layer}] must be a string (a Keras activation name); got "
                        f"{name!r}.")
    if name == "leaky_relu":
        raise ValueError(f"activations[{layer}]='leaky_relu': Keras's leaky_relu has negative "
                         f"slope 0.2 (0.3 for layers.LeakyReLU), exactfit's {LEAKY_SLOPE}; the "
                         "network cannot be represented exactly.")
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"activations[{layer}]={name!r} is not supported; expected one of "
                         f"{sorted(KERAS_ACTIVATIONS)}.")
    return KERAS_ACTIVATIONS[name]


def from_keras(weights, activations="relu", output="linear"):
    """A :class:`~exactfit.Network` from Keras Dense layers' weights.

    Parameters
    ----------
    weights : list of array-like, or a Keras model
        ``model.get_weights()``: kernel ``(n_in, n_out)`` then bias ``(n_out,)`` per
        Dense layer. An object with ``get_weights()`` is asked for them.
    activations : str or list of str, default="relu"
        One name for every hidden layer, or one per Dense layer (the last is then the
        output's and `output` is ignored). Keras names: relu, elu, selu, tanh,
        sigmoid, softplus, linear (None means linear).
    output : str, default="linear"
        Output activation when `activations` is one name.

    Returns
    -------
    Network
    """
    if hasattr(weights, "get_weights") and callable(weights.get_weights):
        weights = weights.get_weights()
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        raise TypeError("weights must be a list of arrays in Keras's get_weights() order "
                        f"([W1, b1, W2, b2, ...]); got {type(weights).__name__}.")
    if len(weights) == 0 or len(weights) % 2:
        raise ValueError(f"weights must hold a kernel and a bias per Dense layer (an even "
                         f"number of arrays); got {len(weights)}. A layer built with "
                         "use_bias=False is not supported.")
    arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    Ws, bs = arrays[0::2], arrays[1::2]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        if W.ndim != 2 or b.ndim != 1:
            raise ValueError(f"Dense layer {i}: expected a 2-D kernel and a 1-D bias (weights"
                             f"[{2 * i}], weights[{2 * i + 1}]); got shapes {W.shape} and "
                             f"{b.shape}. Only Dense layers with bias are supported.")
    n = len(Ws)
    if isinstance(activations, (list, tuple)):
        if len(activations) != n:
            raise ValueError(f"activations names {len(activations)} layers but weights hold "
                             f"{n} Dense layers.")
        acts = [_keras_activation(a, i) for i, a in enumerate(activations)]
        hidden_acts, out_act = acts[:-1], acts[-1]
    else:
        hidden_acts = [_keras_activation(activations, i) for i in range(n - 1)]
        if n == 1:
            _keras_activation(activations, 0)
        out_act = _keras_activation(output, n - 1)
    if len(set(hidden_acts)) > 1:
        raise ValueError(f"activations mixes hidden activations {sorted(set(hidden_acts))}: "
                         "exactfit's Network has one for every hidden layer.")
    hidden = hidden_acts[0] if hidden_acts else "relu"
    return Network(Ws, bs, hidden=hidden, output=out_act)


def to_keras_weights(network):
    """The arrays for ``model.set_weights`` of a Keras model of Dense layers.

    The model is ``Dense(h, activation=network.hidden)`` per hidden layer and
    ``Dense(n_outputs, activation=network.output)`` (linear: no activation). A
    ``leaky_relu`` network needs ``activation=lambda z: keras.activations.leaky_relu(
    z, negative_slope=0.01)``: Keras's own default slope is 0.2.

    Returns
    -------
    list of ndarray
        ``[W1, b1, W2, b2, ...]`` (float64 copies; Keras casts to the layer's dtype).
    """
    from ._validation import check_network

    network = check_network(network, "network")
    out = []
    for W, b in zip(network.weights, network.biases):
        out += [W.copy(), b.copy()]
    return out


# ------------------------------------------------------------------------- dispatch

def as_network(model, activation=None, output=None, name="model"):
    """A :class:`~exactfit.Network` from any model exactfit can read.

    `model`: a Network, a FitResult, a ``torch.nn.Sequential`` or state dict, a fitted
    ``MLPRegressor`` (or :class:`~exactfit.GlobalMLPRegressor`), or a list of arrays
    in Keras's ``get_weights()`` order (then `activation` names the hidden
    activation, required). `activation` and `output` apply to state dicts and Keras
    weights. Anything else is a TypeError naming `name`.
    """
    from .result import FitResult

    if isinstance(model, Network):
        return model
    if isinstance(model, FitResult):
        if not isinstance(model.get("network"), Network):
            raise ValueError(f"{name} is a FitResult without a network.")
        return model["network"]
    if _is_torch_module(model):
        return from_torch(model, activation, output)
    mod = type(model).__module__ or ""
    if mod.startswith("sklearn") or hasattr(model, "network_") or (
            hasattr(model, "coefs_") and hasattr(model, "intercepts_")):
        return from_sklearn(model)
    if isinstance(model, Mapping) and model and all(hasattr(v, "shape") for v in model.values()):
        if any(type(v).__module__.startswith("torch") for v in model.values()):
            return from_torch(model, activation, output)
    if isinstance(model, (list, tuple)) or hasattr(model, "get_weights"):
        if activation is None:
            raise ValueError(f"{name} is a list of arrays (Keras get_weights() order): name "
                             "the hidden activation too, e.g. activation='relu'.")
        return from_keras(model, activation, output or "linear")
    raise TypeError(f"{name} must be an exactfit Network or FitResult, a torch.nn.Sequential "
                    "(or its state dict), a fitted sklearn MLPRegressor, or a list of arrays "
                    f"in Keras get_weights() order; got {type(model).__name__}.")

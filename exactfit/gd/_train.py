"""train_gd: plain gradient descent on the same task, data and architecture."""

import numbers
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from .._validation import (check_choice, check_data, check_hidden, check_nonnegative,
                           check_positive, check_positive_int, check_random_state)
from ..activations import check_activation
from ..losses import LOSSES, loss as compute_loss
from ..network import Network
from ..result import FitResult

__all__ = ["train_gd", "GD_BACKENDS", "SKLEARN_OPTIMIZERS", "seed_from"]

#: Where the gradient descent runs.
GD_BACKENDS = ("sklearn", "torch")
#: Solvers of scikit-learn's MLPRegressor.
SKLEARN_OPTIMIZERS = ("adam", "sgd", "lbfgs")
# exactfit activation name -> MLPRegressor's name.
_SKLEARN_ACTIVATION = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic",
                       "linear": "identity"}
# MLPRegressor options that train_gd sets from its own arguments: passing them in
# **kwargs would silently override those arguments.
_OWN_OPTIONS = {"hidden_layer_sizes": "hidden", "solver": "optimizer",
                "learning_rate_init": "learning_rate", "max_iter": "max_iter",
                "batch_size": "batch_size", "tol": "tol", "random_state": "random_state",
                "activation": "activation"}
# The warning scikit-learn's stochastic solvers give when they swallow a Ctrl-C.
_SKLEARN_INTERRUPTED = "Training interrupted by user"


def seed_from(random_state):
    """An int seed that replays a run: the int itself, or one drawn once from a RandomState/None."""
    rs = check_random_state(random_state)  # an int must lie in [0, 2**32 - 1]
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(rs.randint(np.iinfo(np.int32).max))


def train_gd(X, y, hidden=3, optimizer="adam", activation="relu", output="linear", loss="mse",
             backend="sklearn", protocol=None, max_iter=None, learning_rate=None,
             batch_size="auto", tol=None, random_state=None, epochs=None, **kwargs):
    """Train a network by gradient descent, as users of the common libraries do.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    hidden : int or tuple of int, default=3
        Units per hidden layer.
    optimizer : str, default="adam"
        For ``backend="sklearn"``: one of :data:`SKLEARN_OPTIMIZERS` (MLPRegressor's
        ``solver``). ``backend="torch"`` takes the Keras optimizers
        (:data:`exactfit.KERAS_OPTIMIZERS`: "rmsprop", "adagrad", ...).
    activation : str, default="relu"
        Hidden activation. scikit-learn supports relu, tanh, sigmoid and linear;
        use ``backend="torch"`` for the others.
    output : str, default="linear"
        Output activation (scikit-learn: linear only).
    loss : {"mse", "mae"}, default="mse"
        Training loss (scikit-learn: mse only).
    backend : {"sklearn", "torch"}, default="sklearn"
        ``"sklearn"``: :class:`sklearn.neural_network.MLPRegressor` with ``alpha=0``
        (no weight decay), so it minimises the same MSE as every other method.
        ``"torch"``: the Keras/Flux-faithful trainer (extra ``exactfit[torch]``).
    protocol : str, optional
        Torch backend only: ``"keras"`` (default) or ``"flux"``.
    max_iter : int, optional
        How long to train, for both backends: epochs (adam, sgd and every Keras
        optimizer) or iterations (lbfgs). Default: 1000 for scikit-learn, the
        protocol's default for torch (Keras: 200 epochs).
    learning_rate : float, optional
        Step size (> 0); None keeps the backend's default (scikit-learn's
        ``learning_rate_init`` 0.001, the Keras optimizer's own).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is the backend's default (scikit-learn:
        ``min(200, n_samples)``, Keras: 32, Flux: full batch).
    tol : float, optional
        scikit-learn only: MLPRegressor's ``tol`` (default here 1e-7, smaller than
        its 1e-4 so runs are not cut short on the small losses of these tasks).
        The torch trainers run a fixed number of epochs: giving `tol` with
        ``backend="torch"`` is an error.
    random_state : int, RandomState or None
        Seed of the initialisation and shuffling.
    epochs : int, optional
        Deprecated alias of `max_iter` (the torch trainers' name); gives a
        FutureWarning. Giving both is an error.
    **kwargs
        Passed to MLPRegressor (e.g. ``momentum``, ``n_iter_no_change``; not its
        options that the arguments above set, such as ``solver``) or to the torch
        trainer (e.g. ``dropout``, optimizer hyperparameters), which reject what
        they do not know.

    Returns
    -------
    FitResult
        ``method`` like ``"sklearn:adam"``, ``loss`` = :func:`exactfit.mse` of the
        final network on the training data, ``loss_curve`` in MSE units (scikit-learn
        records half the MSE, averaged over the epoch's mini-batches; it is doubled
        here), ``nit`` (epochs or iterations), ``evidence="none"``.

    Notes
    -----
    Every argument is used or rejected with an error naming it. scikit-learn's
    solvers catch Ctrl-C and return the half-trained model with a warning; here
    that warning is turned back into ``KeyboardInterrupt``, so one Ctrl-C stops a
    benchmark instead of ending one run early.
    """
    check_choice(backend, GD_BACKENDS, "backend")
    if epochs is not None:
        if max_iter is not None:
            raise TypeError("give max_iter only: epochs is its deprecated alias in train_gd "
                            "(both mean how long to train).")
        warnings.warn("train_gd(epochs=...) is deprecated: use max_iter=..., the one name for "
                      "how long to train on both backends.", FutureWarning, stacklevel=2)
        max_iter = epochs
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter")
    if learning_rate is not None:
        learning_rate = check_positive(learning_rate, "learning_rate")
    if not (isinstance(batch_size, str) and batch_size == "auto"):
        if isinstance(batch_size, str):
            raise ValueError(f"batch_size must be 'auto' or an int >= 1; got {batch_size!r}.")
        batch_size = check_positive_int(batch_size, "batch_size")
    if tol is not None:
        tol = check_nonnegative(tol, "tol")
    seed = seed_from(random_state)
    if backend == "torch":
        if tol is not None:
            raise ValueError("tol applies to backend='sklearn' only: the torch trainers run a "
                             "fixed number of epochs (max_iter).")
        from ._torch import train_torch

        return train_torch(X, y, hidden=hidden, optimizer=optimizer, activation=activation,
                           output=output, loss=loss, protocol=protocol or "keras",
                           epochs=max_iter, learning_rate=learning_rate,
                           batch_size=None if batch_size == "auto" else batch_size,
                           random_state=seed, **kwargs)
    if protocol is not None:
        raise ValueError(f"protocol={protocol!r} needs backend='torch'; scikit-learn has its "
                         "own defaults.")
    t0 = time.perf_counter()
    X, Y = check_data(X, y)
    hidden = check_hidden(hidden)
    _check_sklearn_optimizer(optimizer)
    check_activation(activation, "activation")
    if activation not in _SKLEARN_ACTIVATION:
        raise ValueError(f"activation={activation!r} is not available in scikit-learn's "
                         f"MLPRegressor (it has {sorted(_SKLEARN_ACTIVATION)}); use "
                         "backend='torch' for it.")
    check_activation(output, "output")
    if output != "linear":
        raise ValueError(f"output={output!r}: scikit-learn's MLPRegressor has a linear output "
                         "only; use backend='torch'.")
    check_choice(loss, LOSSES, "loss")
    if loss != "mse":
        raise ValueError(f"loss={loss!r}: scikit-learn's MLPRegressor trains on the squared "
                         "error only; use backend='torch'.")
    clash = sorted(set(kwargs) & set(_OWN_OPTIONS))
    if clash:
        raise TypeError(f"train_gd: {clash[0]!r} is set by train_gd's own argument "
                        f"{_OWN_OPTIONS[clash[0]]!r}; pass that instead.")
    params = dict(hidden_layer_sizes=hidden, activation=_SKLEARN_ACTIVATION[activation],
                  solver=optimizer, alpha=0.0, max_iter=1000 if max_iter is None else max_iter,
                  batch_size=batch_size, tol=1e-7 if tol is None else tol, random_state=seed)
    if learning_rate is not None:
        params["learning_rate_init"] = learning_rate
    params.update(kwargs)
    try:
        model = MLPRegressor(**params)
    except TypeError as exc:
        raise TypeError(f"train_gd: unexpected option for MLPRegressor: {exc}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y[:, 0] if Y.shape[1] == 1 else Y)
    for w in caught:
        if _SKLEARN_INTERRUPTED in str(w.message):
            raise KeyboardInterrupt("train_gd: interrupted by the user (Ctrl-C).")
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    unconverged = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    net = Network(model.coefs_, model.intercepts_, hidden=activation, output="linear")
    curve = 2.0 * np.asarray(getattr(model, "loss_curve_", []) or [], dtype=float)
    msg = ("stopped at max_iter before converging (ConvergenceWarning)" if unconverged
           else "converged (training loss stopped improving by tol)")
    return FitResult(network=net, loss=compute_loss(net, X, Y, "mse"),
                     method=f"sklearn:{optimizer}", success=not unconverged, message=msg,
                     nit=int(model.n_iter_), time=time.perf_counter() - t0, random_state=seed,
                     evidence="none", loss_curve=curve)


def _check_sklearn_optimizer(optimizer):
    """One of scikit-learn's solvers; a Keras optimizer's name points to the torch backend."""
    if isinstance(optimizer, str) and optimizer not in SKLEARN_OPTIMIZERS:
        from . import KERAS_OPTIMIZERS

        if optimizer.lower() in KERAS_OPTIMIZERS:
            raise ValueError(f"optimizer={optimizer!r} is a Keras optimizer: use "
                             f"backend='torch' for it (scikit-learn's MLPRegressor has "
                             f"{list(SKLEARN_OPTIMIZERS)}).")
    check_choice(optimizer, SKLEARN_OPTIMIZERS, "optimizer")

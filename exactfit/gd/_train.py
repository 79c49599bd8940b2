"""train_gd: plain gradient descent on the same task, data and architecture."""

import numbers
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.utils import check_random_state

from .._validation import check_choice, check_data, check_hidden, check_positive_int
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


def seed_from(random_state):
    """An int seed that replays a run: the int itself, or one drawn once from a RandomState/None."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def train_gd(X, y, hidden=3, optimizer="adam", activation="relu", output="linear", loss="mse",
             backend="sklearn", protocol=None, max_iter=1000, learning_rate=None,
             batch_size="auto", tol=1e-7, random_state=None, **kwargs):
    """Train a network by gradient descent, as users of the common libraries do.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    hidden : int or tuple of int, default=3
        Units per hidden layer.
    optimizer : str, default="adam"
        For ``backend="sklearn"``: one of :data:`SKLEARN_OPTIMIZERS` (MLPRegressor's
        ``solver``). The torch backend accepts the Keras optimizers.
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
    max_iter : int, default=1000
        Epochs (adam, sgd) or iterations (lbfgs).
    learning_rate : float, optional
        ``learning_rate_init``; None keeps scikit-learn's default (0.001).
    batch_size : int or "auto", default="auto"
        Mini-batch size (scikit-learn's "auto" is min(200, n_samples)).
    tol : float, default=1e-7
        MLPRegressor's ``tol`` (smaller than its default 1e-4 so runs are not cut
        short on the small losses of these tasks).
    random_state : int, RandomState or None
        Seed of the initialisation and shuffling.
    **kwargs
        Passed to MLPRegressor (e.g. ``momentum``, ``n_iter_no_change``) or to the
        torch trainer.

    Returns
    -------
    FitResult
        ``method`` like ``"sklearn:adam"``, ``loss`` = :func:`exactfit.mse` of the
        final network on the training data, ``loss_curve`` in MSE units (scikit-learn
        records half the MSE, averaged over the epoch's mini-batches; it is doubled
        here), ``nit`` (epochs or iterations), ``evidence="none"``.
    """
    check_choice(backend, GD_BACKENDS, "backend")
    if backend == "torch":
        from ._torch import train_torch

        return train_torch(X, y, hidden=hidden, optimizer=optimizer, activation=activation,
                           output=output, loss=loss, protocol=protocol or "keras",
                           random_state=random_state, **kwargs)
    if protocol is not None:
        raise ValueError(f"protocol={protocol!r} needs backend='torch'; scikit-learn has its "
                         "own defaults.")
    t0 = time.perf_counter()
    X, Y = check_data(X, y)
    hidden = check_hidden(hidden)
    check_choice(optimizer, SKLEARN_OPTIMIZERS, "optimizer")
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
    max_iter = check_positive_int(max_iter, "max_iter")
    seed = seed_from(random_state)
    params = dict(hidden_layer_sizes=hidden, activation=_SKLEARN_ACTIVATION[activation],
                  solver=optimizer, alpha=0.0, max_iter=max_iter, batch_size=batch_size,
                  tol=tol, random_state=seed)
    if learning_rate is not None:
        params["learning_rate_init"] = learning_rate
    params.update(kwargs)
    try:
        model = MLPRegressor(**params)
    except TypeError as exc:
        raise TypeError(f"train_gd: unexpected option for MLPRegressor: {exc}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, Y[:, 0] if Y.shape[1] == 1 else Y)
    unconverged = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    net = Network(model.coefs_, model.intercepts_, hidden=activation, output="linear")
    curve = 2.0 * np.asarray(getattr(model, "loss_curve_", []) or [], dtype=float)
    msg = ("stopped at max_iter before converging (ConvergenceWarning)" if unconverged
           else "converged (training loss stopped improving by tol)")
    return FitResult(network=net, loss=compute_loss(net, X, Y, "mse"),
                     method=f"sklearn:{optimizer}", success=not unconverged, message=msg,
                     nit=int(model.n_iter_), time=time.perf_counter() - t0, random_state=seed,
                     evidence="none", loss_curve=curve)

"""Gradient descent exactly as Keras and Flux users run it, batched over seeds (PyTorch).

Every seed is an independent network; ``train_gd_many`` trains K of them as one
computation with a trailing seed axis. This module is the front door: argument
checks, then the batched loop of :mod:`._engine` (over the dense networks of
:mod:`._batched_net` and the optimizers of :mod:`._keras_optimizers`) under one
of the protocols (:mod:`._protocol_keras`, :mod:`._protocol_flux`), then one
:class:`~exactfit.FitResult` per seed.

torch is imported only when a trainer is called, so ``import exactfit`` works
without it.
"""

import numbers
import time

import numpy as np

from .._validation import (check_choice, check_data, check_fraction, check_hidden,
                           check_nonnegative, check_positive_int, check_random_state)
from ..activations import check_activation
from ..losses import LOSSES
from ..losses import loss as _exact_loss
from ..losses import mse as _exact_mse
from ..network import Network
from ..result import FitResult
from ._engine import _train
from ._keras_optimizers import KERAS_OPTIMIZERS, _check_hyperparameters, _check_optimizer_name
from ._protocol_flux import FLUX
from ._protocol_keras import KERAS
from ._torch_common import TORCH_INSTALL_HINT, _check_device, _check_seeds, _import_torch

__all__ = ["train_torch", "train_gd_many", "KERAS_OPTIMIZERS", "TORCH_PROTOCOLS",
           "TORCH_INSTALL_HINT"]

_PROTOCOLS = {p.name: p for p in (KERAS, FLUX)}

#: Training protocols: "keras" (``model.fit`` defaults) and "flux" (the per-sample
#: loop of the Flux question).
TORCH_PROTOCOLS = tuple(_PROTOCOLS)


#: Values of ``train_gd_many(loss_curve=...)`` besides True (= "full") and False.
_LOSS_CURVES = ("full", "batch_mean")


def _check_loss_curve(loss_curve):
    """"full", "batch_mean" or None (no curve) from `loss_curve`."""
    if loss_curve is None or isinstance(loss_curve, (bool, np.bool_)):
        return "full" if loss_curve else None
    if isinstance(loss_curve, str) and loss_curve in _LOSS_CURVES:
        return loss_curve
    raise ValueError(f'loss_curve must be "full", "batch_mean", True (= "full") or False; '
                     f"got {loss_curve!r}.")


def _check_schedule(schedule, learning_rate, epochs):
    if callable(schedule):
        return schedule
    schedule = check_choice(schedule, ("constant", "linear"), "schedule")
    if schedule == "constant":
        return lambda i: learning_rate
    return lambda i: learning_rate * (1.0 - i / epochs)



def train_gd_many(X, y, seeds=range(1000), hidden=3, optimizer="adam", activation="relu",
                  output="linear", loss="mse", protocol="keras", epochs=None, batch_size=None,
                  learning_rate=None, schedule=None, dropout=0.0, relu_grad_at_zero=0.0,
                  dtype="float32", device=None, loss_curve=True, progress=True,
                  n_threads=1, **optimizer_options):
    """Train one network per seed, all seeds as one batched computation.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    seeds : iterable of int >= 0, default=range(1000)
        One independent network per seed. A seed fixes its initial weights, its
        shuffles and its dropout masks, whatever else is in the batch.
    hidden : int or tuple of int, default=3
        Units per hidden layer; ``()`` for no hidden layer (one Dense layer).
    optimizer : str, default="adam"
        A key of :data:`KERAS_OPTIMIZERS`, run with Keras's update rule and defaults.
    activation : str, default="relu"
        Hidden activation (see :data:`exactfit.activations.ACTIVATIONS`).
    output : str, default="linear"
        Output activation.
    loss : {"mse", "mae"}, default="mse"
        The objective trained (Keras's ``mean_squared_error`` or
        ``mean_absolute_error``; the MAE gradient is ``sign(residual)``, 0 at 0).
    protocol : {"keras", "flux"}, default="keras"
        ``"keras"``: ``model.fit`` defaults: every epoch a fresh per-seed shuffle
        cut into mini-batches of `batch_size` (the last partial batch kept, its
        loss averaged over its own size), `epochs` 200 (Keras's own default is 1;
        200 is what the questions' users ran, order of magnitude).
        ``"flux"``: the loop of the Flux question: no shuffle, batches taken in
        data order (`batch_size` 1: one plain gradient step per sample, in order),
        `epochs` = iterations of that loop (default 1000), ``optimizer="sgd"``
        (``Descent``), learning rate 0.1 decayed linearly: iteration ``i`` in
        1..epochs uses ``0.1 * (1 - i / epochs)``.
        Both start from Glorot-uniform weights and zero biases.
    epochs : int, optional
        Epochs (keras) or iterations (flux); see `protocol` for the defaults.
    batch_size : int, optional
        32 (keras) or 1 (flux). Larger than n_samples means full batch.
    learning_rate : float, optional
        Defaults to the optimizer's Keras default (0.1 for flux).
    schedule : {"constant", "linear"} or callable, optional
        Learning rate of epoch ``i`` (1-based): constant, ``learning_rate * (1 - i /
        epochs)``, or ``schedule(i)``. Default "constant" (keras), "linear" (flux).
    dropout : float in [0, 1), default=0.0
        Inverted dropout after every hidden layer during training (Keras's
        ``Dropout(rate)``: units kept with probability ``1 - rate``, scaled by
        ``1 / (1 - rate)``); masks drawn per seed. Losses are reported without it.
    relu_grad_at_zero : float in [0, 1], default=0.0
        Derivative used for ReLU at exactly 0. PyTorch, TensorFlow and Flux (NNlib)
        use 0. It matters in the Flux question: with zero initial biases the
        pre-activation of input 0 is exactly 0.
    dtype : {"float32", "float64"}, default="float32"
        Training precision (Keras and Flux train in float32).
    device : str or torch.device, optional
        Defaults to ``"cuda"`` when ``torch.cuda.is_available()``, else ``"cpu"``.
        A device this torch build cannot use (``"cuda"`` on a CPU-only build) is
        a ValueError naming it.
    loss_curve : {"full", "batch_mean"} or bool, default=True
        The per-epoch loss curve (``result.loss_curve``, one entry per epoch, in
        units of `loss`):

        - ``"full"`` (or True): the full-data loss (no dropout) of the weights at
          the end of every epoch: residuals in the training dtype, their squares
          (or absolute values) summed per sample in the training dtype over
          chunks of 128 samples, then in float64; the last entry is recomputed
          in float64 by :mod:`exactfit.losses` on the returned network. It costs
          a forward pass of all samples for all seeds per epoch.
        - ``"batch_mean"``: exactly Keras's ``history.history["loss"]``: the
          loss of every mini-batch as it was trained on (before its update, with
          dropout when `dropout` > 0), averaged over the epoch weighted by batch
          size (Keras 3's loss tracker, ``sample_weight`` = batch size), i.e. the
          mean per-sample loss over the epoch. Nearly free (computed from the
          training residuals); summed per sample over the epoch's steps in the
          training dtype (as Keras's float32 metric), then in float64; not
          recomputed, so the last entry is not the final full-data loss.
        - False (or None): no curve.
    progress : bool, default=True
        tqdm progress bar over epochs.
    n_threads : int or None, default=1
        ``torch.set_num_threads`` during the run on CPU (restored afterwards).
        The per-step tensors are small, so one thread is usually fastest; None
        leaves torch's setting alone.
    **optimizer_options
        Hyperparameters overriding the Keras defaults, e.g. ``momentum=0.9,
        nesterov=True`` for "sgd" (the keys of ``KERAS_OPTIMIZERS[optimizer]``).

    Returns
    -------
    list of FitResult
        One per seed, in the order of `seeds`: ``network`` (float64
        :class:`~exactfit.Network`), ``loss = exactfit.mse(network, X, y)``,
        ``method`` e.g. ``"torch-keras:adam"``, ``evidence="none"``, ``nit``
        (epochs run), ``random_state`` (the seed), ``loss_curve``, ``objective``
        (the trained loss), ``hyperparameters``, ``time`` (the batch's wall time
        divided by the number of seeds) and ``batch_time``.

    Notes
    -----
    Ctrl-C (KeyboardInterrupt) stops training cleanly: the networks are returned
    as they were at the end of the last completed epoch, with ``success=False``
    and a message saying so. A seed whose weights become non-finite is returned
    as it was at the end of its last finite epoch, with ``success=False``.

    Examples
    --------
    >>> from exactfit.gd import train_gd_many                # doctest: +SKIP
    >>> res = train_gd_many([[0.0], [1.0]], [1.0, 2.0], seeds=range(200), hidden=1,
    ...                     protocol="flux", loss="mae", optimizer="sgd")
    """
    protocol = "keras" if protocol is None else protocol
    protocol = check_choice(protocol, TORCH_PROTOCOLS, "protocol")
    proto = _PROTOCOLS[protocol]
    pdef = proto.defaults
    X, Y = check_data(X, y)
    N, n_out = Y.shape
    hidden = check_hidden(hidden, allow_empty=True)
    activation = check_activation(activation, "activation")
    output = check_activation(output, "output")
    loss = check_choice(loss, LOSSES, "loss")
    optimizer = _check_optimizer_name(optimizer)
    proto.check_optimizer(optimizer)
    hyper = _check_hyperparameters(optimizer, optimizer_options)
    seeds = _check_seeds(seeds)
    epochs = check_positive_int(pdef["epochs"] if epochs is None else epochs, "epochs")
    batch_size = check_positive_int(pdef["batch_size"] if batch_size is None else batch_size,
                                    "batch_size")
    if learning_rate is None:
        learning_rate = pdef.get("learning_rate", KERAS_OPTIMIZERS[optimizer]["learning_rate"])
    learning_rate = check_nonnegative(learning_rate, "learning_rate")
    lr_of = _check_schedule(pdef["schedule"] if schedule is None else schedule,
                            learning_rate, epochs)
    dropout = check_fraction(dropout, "dropout")
    if dropout > 0 and not hidden:
        raise ValueError(f"dropout={dropout} acts after hidden layers, but hidden=() has none.")
    relu_grad_at_zero = check_fraction(relu_grad_at_zero, "relu_grad_at_zero", closed_high=True)
    dtype = check_choice(dtype if isinstance(dtype, str) else np.dtype(dtype).name,
                         ("float32", "float64"), "dtype")
    if n_threads is not None:
        n_threads = check_positive_int(n_threads, "n_threads")
    loss_curve = _check_loss_curve(loss_curve)

    torch = _import_torch()
    t_start = time.perf_counter()
    device = _check_device(torch, device)
    tdtype = getattr(torch, dtype)
    old_threads = torch.get_num_threads()
    if device.type == "cpu" and n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        # No autograd here (gradients are written out by hand): inference mode
        # skips its bookkeeping, a measurable share of each small op's cost.
        with torch.inference_mode():
            out = _train(torch, X, Y, seeds, hidden, optimizer, hyper, activation, output,
                         loss, proto, epochs, batch_size, lr_of, dropout, relu_grad_at_zero,
                         tdtype, device, loss_curve, progress)
    finally:
        torch.set_num_threads(old_threads)
    theta, curves, epochs_done, interrupted, bad_epoch = out
    batch_time = time.perf_counter() - t_start

    sizes = (X.shape[1],) + hidden + (n_out,)
    K = len(seeds)
    method = f"torch-{protocol}:{optimizer}"
    hyperparameters = dict(hyper, learning_rate=learning_rate, epochs=epochs,
                           batch_size=batch_size, dropout=dropout,
                           relu_grad_at_zero=relu_grad_at_zero, dtype=dtype,
                           schedule=schedule if isinstance(schedule, str) or schedule is None
                           else repr(schedule))
    results = []
    for k, seed in enumerate(seeds):
        net = Network.from_flat(theta[:, k], sizes, activation, output)
        nit = epochs_done if bad_epoch[k] < 0 else bad_epoch[k] - 1
        if bad_epoch[k] >= 0:
            success = False
            message = (f"Diverged: weights became non-finite in epoch {bad_epoch[k]}; "
                       f"network from the end of epoch {bad_epoch[k] - 1}.")
        elif interrupted:
            success = False
            message = (f"Interrupted (KeyboardInterrupt) after {epochs_done} of {epochs} "
                       f"epochs; network from the end of epoch {epochs_done}.")
        else:
            success = True
            message = f"Completed {epochs} epochs."
        res = FitResult(network=net, loss=_exact_mse(net, X, Y), method=method,
                        success=success, message=message, nit=int(nit), time=batch_time / K,
                        random_state=seed, evidence="none", objective=loss,
                        protocol=protocol, hyperparameters=hyperparameters,
                        batch_time=batch_time, n_batched=K, device=str(device))
        if curves is not None:
            curve = np.asarray(curves[:nit, k], dtype=np.float64)
            if curve.size and loss_curve == "full":
                # the same function as res.loss when the loss is the MSE
                curve[-1] = res.loss if loss == "mse" else _exact_loss(net, X, Y, loss)
            res["loss_curve"] = curve
        results.append(res)
    return results



def train_torch(X, y, hidden=3, optimizer="adam", activation="relu", output="linear",
                loss="mse", protocol="keras", epochs=None, batch_size=None, learning_rate=None,
                dropout=0.0, random_state=None, device=None, progress=False, **kwargs):
    """Train one network with the Keras or Flux protocol (PyTorch backend).

    ``train_gd_many`` with a single seed: see it for every parameter. This is
    what ``exactfit.train_gd(..., backend="torch")`` calls.

    Parameters
    ----------
    random_state : int, RandomState or None
        An int >= 0 is the seed itself (``result.random_state``, so
        ``train_gd_many(X, y, seeds=[result.random_state])`` gives the same
        network); otherwise a seed is drawn from
        ``sklearn.utils.check_random_state(random_state)``.

    Returns
    -------
    FitResult
    """
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) \
            and random_state >= 0:
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return train_gd_many(X, y, seeds=[seed], hidden=hidden, optimizer=optimizer,
                         activation=activation, output=output, loss=loss, protocol=protocol,
                         epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                         dropout=dropout, device=device, progress=progress, **kwargs)[0]

"""XOR with two ReLU units or one absolute-value unit, as alanoursland/tr_xor trains it.

The "relu1" and "abs1" experiments of github.com/alanoursland/tr_xor, as run for
its June 2025 reports (``reports/relu1/relu1_results.md``, ``reports/abs1/
abs1_results.md``), read from the code of that time (commit 4a1a9d7, 2025-06-14:
``src/configs.py``, ``src/models.py``, ``src/run.py``, ``src/data.py``):

- data: the four points ``(-1, -1), (1, -1), (-1, 1), (1, 1)`` with labels
  ``0, 1, 1, 0``, one full batch per epoch;
- "relu1": ``y = relu(w1 . x + b1) + relu(w2 . x + b2)`` (output weights fixed
  at 1); "abs1": ``y = |w . x + b|``;
- initial weights ``N(0, 0.5^2)`` (``init_normal``), biases 0, float32;
- ``torch.optim.Adam(lr=0.01, betas=(0.9, 0.99))`` (eps 1e-8), ``nn.MSELoss()``;
- each epoch: forward, loss, backward, step; then, on the loss computed
  **before** that step: stop if it is below 1e-7; for relu1 also stop once
  it has failed 11 epochs in a row to undercut the best loss so far by more
  than 1e-24 (``convergence_threshold=1e-24, convergence_patience=10``,
  counter ``> 10``);
- at most 800 epochs (relu1) or 400 (abs1);
- success: all four points classified right by ``output > 0.5``.
- "reinit" (``relu1_reinit``): the initialisation is redrawn (up to 100 times)
  until no point has a pre-activation ``<= 0`` in both units.

Their runs share one global torch generator; ours draw each seed's weights from
``numpy.random.default_rng(seed)`` (the same distribution), so a seed replays its
own run whatever else is in the batch.
"""

import time

import numpy as np
from tqdm.auto import tqdm

from .._validation import check_choice, check_positive_int
from ..losses import mse
from ..network import Network
from ..result import FitResult
from ._torch_common import _check_device, _check_seeds, _import_torch

__all__ = ["tr_xor", "TR_XOR_MODELS", "XOR_X", "XOR_Y"]

#: The centered XOR data of tr_xor (``data.py``: ``xor_data_centered``, ``xor_labels_T1``).
XOR_X = np.array([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])

#: Per model: hidden units of its linear layer, maximum epochs, patience on or off.
TR_XOR_MODELS = {"relu1": {"units": 2, "epochs": 800, "patience": True},
                 "abs1": {"units": 1, "epochs": 400, "patience": False}}

_LR, _BETAS = 0.01, (0.9, 0.99)
_STOP_LOSS, _MIN_DELTA, _PATIENCE = 1e-7, 1e-24, 10
_MAX_REINIT = 100


def _initial(seed, units, reinit, init_std):
    """``(W (units, 2), attempts)``: N(0, init_std^2) weights of one seed, redrawn
    until no point is dead in every unit when `reinit`."""
    rng = np.random.default_rng(seed)
    for attempt in range(1, _MAX_REINIT + 1):
        W = rng.normal(0.0, init_std, size=(units, 2)).astype(np.float32)
        if not reinit or not _dead_points(W, np.zeros(units, np.float32)).any():
            return W, attempt
    return W, -attempt  # gave up: train the last draw, and say so


def _dead_points(W, b):
    """Points whose pre-activation is ``<= 0`` in every unit (``reinit_dead_data``)."""
    Z = XOR_X.astype(np.float32) @ W.T + b
    return (Z <= 0).all(axis=1)


def _network(model, W, b):
    """The trained model as an exactfit Network. ``|z| = relu(z) + relu(-z)``, so
    abs1 is the 2-unit ReLU network with mirrored units (exactly)."""
    W, b = W.astype(np.float64), b.astype(np.float64)
    if model == "abs1":
        W, b = np.vstack([W, -W]), np.concatenate([b, -b])
    return Network([W.T, np.ones((W.shape[0], 1))], [b, np.zeros(1)])


def tr_xor(model="relu1", reinit=False, seeds=range(1000), epochs=None, init_std=0.5,
           device="cpu", progress=True, n_threads=1):
    """Replay tr_xor's XOR experiments, one run per seed, batched.

    Parameters
    ----------
    model : {"relu1", "abs1"}, default="relu1"
    reinit : bool, default=False
        Redraw the initialisation until no point is dead in both units
        (relu1 only: ``relu1_reinit``).
    seeds : iterable of int >= 0, default=range(1000)
    epochs : int, optional
        Maximum epochs; default 800 (relu1) or 400 (abs1).
    init_std : float, default=0.5
        Standard deviation of the initial weights.
    device : str, default="cpu"
    progress : bool, default=True
    n_threads : int or None, default=1
        ``torch.set_num_threads`` during the run (restored afterwards).

    Returns
    -------
    list of FitResult
        One per seed: ``network`` (relu1: 2 ReLU units, output weights 1; abs1:
        the equivalent mirrored pair), ``initial_network``, ``loss`` (MSE of
        the final network on the four points, float64), ``accuracy`` (share of
        the four points with ``output > 0.5`` equal to the label), ``solved``
        (accuracy 1), ``nit`` (epochs run), ``stop`` ("loss", "patience" or
        "epochs"), ``reinit_attempts``, ``dead_at_init`` (per point, dead in
        every unit at the start), ``random_state``.
    """
    model = check_choice(model, TR_XOR_MODELS, "model")
    if not isinstance(reinit, (bool, np.bool_)):
        raise TypeError(f"reinit must be True or False; got {reinit!r}.")
    if reinit and model != "relu1":
        raise ValueError(f"reinit=True redraws dead data points of relu1; model={model!r} has "
                         "no such variant in tr_xor.")
    spec = TR_XOR_MODELS[model]
    epochs = check_positive_int(spec["epochs"] if epochs is None else epochs, "epochs")
    if isinstance(init_std, bool) or not isinstance(init_std, (int, float)) \
            or not np.isfinite(init_std) or init_std <= 0:
        raise ValueError(f"init_std must be a finite number > 0; got {init_std!r}.")
    seeds = _check_seeds(seeds)
    if n_threads is not None:
        n_threads = check_positive_int(n_threads, "n_threads")
    torch = _import_torch()
    device = _check_device(torch, device)

    t_start = time.perf_counter()
    units = spec["units"]
    inits = [_initial(s, units, reinit, float(init_std)) for s in seeds]
    W0 = np.stack([w for w, _ in inits])  # (K, units, 2) float32
    old_threads = torch.get_num_threads()
    if device.type == "cpu" and n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        W, b, nit, stop = _train(torch, W0, model, epochs, spec["patience"], device, progress)
    finally:
        torch.set_num_threads(old_threads)
    batch_time = time.perf_counter() - t_start

    K = len(seeds)
    results = []
    for i, seed in enumerate(seeds):
        net = _network(model, W[i], b[i])
        out = net.predict(XOR_X)
        accuracy = float(np.mean((out > 0.5) == (XOR_Y == 1)))
        attempts = inits[i][1]
        message = {"loss": f"Loss below {_STOP_LOSS:g} after {nit[i]} epochs.",
                   "patience": f"No new best loss for {_PATIENCE + 1} epochs (epoch {nit[i]}).",
                   "epochs": f"Ran all {epochs} epochs."}[stop[i]]
        if attempts < 0:
            message += f" (No dead-free initialisation in {_MAX_REINIT} draws; trained the last.)"
        results.append(FitResult(
            network=net, initial_network=_network(model, W0[i], np.zeros(units, np.float32)),
            loss=mse(net, XOR_X, XOR_Y), accuracy=accuracy, solved=accuracy == 1.0,
            method=f"tr_xor:{model}" + (":reinit" if reinit else ""), success=True,
            message=message, nit=int(nit[i]), stop=stop[i], reinit_attempts=abs(attempts),
            dead_at_init=_dead_points(W0[i], np.zeros(units, np.float32)).tolist(),
            random_state=seed, evidence="none", time=batch_time / K,
            batch_time=batch_time, n_batched=K))
    return results


def _train(torch, W0, model, epochs, patience, device, progress):
    """Their training loop for K seeds at once; each seed keeps its own stopping
    rule and is frozen (its weights recorded) at its own stop.

    Adam is elementwise and each seed's loss depends on its own weights only, so
    ``torch.optim.Adam`` over the stacked weights, minimising the sum of the
    seeds' losses, takes every seed's own step.
    """
    K, units, _ = W0.shape
    f32 = torch.float32
    X = torch.tensor(XOR_X, dtype=f32, device=device)
    Y = torch.tensor(XOR_Y, dtype=f32, device=device)
    W = torch.tensor(W0, dtype=f32, device=device).requires_grad_(True)
    b = torch.zeros((K, units), dtype=f32, device=device, requires_grad=True)
    opt = torch.optim.Adam([W, b], lr=_LR, betas=_BETAS)

    W_out, b_out = W0.copy(), np.zeros((K, units), np.float32)
    nit = np.full(K, epochs)
    stop = np.array(["epochs"] * K, dtype=object)
    running = np.ones(K, dtype=bool)
    best = np.full(K, np.inf)
    counter = np.zeros(K, dtype=np.int64)
    bar = tqdm(range(epochs), desc=f"tr_xor {model} x{K}", disable=None if progress else True, leave=False)
    for epoch in bar:
        Z = torch.einsum("pi,kui->kpu", X, W) + b[:, None, :]  # (K, 4, units)
        out = Z.relu().sum(2) if model == "relu1" else Z.abs()[:, :, 0]
        losses = ((out - Y) ** 2).mean(1)  # nn.MSELoss per seed
        opt.zero_grad()
        losses.sum().backward()
        opt.step()
        current = losses.detach().cpu().numpy().astype(np.float64)  # loss.item()
        ending = running & (current < _STOP_LOSS)
        stop[ending] = "loss"
        if patience:
            improved = (best - current) > _MIN_DELTA
            best = np.where(running & improved, current, best)
            counter = np.where(improved, 0, counter + 1)
            tired = running & ~ending & (counter > _PATIENCE)
            stop[tired] = "patience"
            ending |= tired
        best = np.where(running & (current < best), current, best)
        if ending.any():
            mask = torch.as_tensor(ending, device=device)
            W_out[ending] = W.detach()[mask].cpu().numpy()
            b_out[ending] = b.detach()[mask].cpu().numpy()
            nit[ending] = epoch + 1
            running &= ~ending
            if not running.any():
                break
    bar.close()
    if running.any():
        mask = torch.as_tensor(running, device=device)
        W_out[running] = W.detach()[mask].cpu().numpy()
        b_out[running] = b.detach()[mask].cpu().numpy()
    return W_out, b_out, nit, stop.tolist()

"""The batched training loop: K seeds as one computation (PyTorch).

Every seed is an independent network (see :mod:`._batched_net`), trained by
Keras's update rules (:mod:`._keras_optimizers`) under a :class:`Protocol`
(shuffled mini-batches or batches in data order, a learning-rate schedule).

Randomness is per seed: ``numpy.random.SeedSequence(seed).spawn(3)`` gives one
generator for the initial weights, one for the shuffles and one for the dropout
masks, each consumed the same way whatever else is in the batch. A seed therefore
gives the same network trained alone or among a thousand others (up to float
rounding), and ``FitResult.random_state`` replays it.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from tqdm.auto import tqdm

from ..network import n_params
from ._batched_net import _activation_pair, _backward, _BatchedNet, _batches, _forward, _Workspace
from ._keras_optimizers import _OPTIMIZER_CLASSES

_CURVE_ROWS = 128  # samples per chunk of the full-data loss (keeps buffers cache-sized)


class _EpochData:
    """Per-seed shuffles and dropout masks, one epoch ahead in a worker thread.

    Each seed's generators are used only here, in epoch order, so the stream a
    seed sees does not depend on the batch. numpy releases the GIL while it
    permutes, so on CPU this overlaps with the torch steps.

    An epoch's shuffles are written into one of two preallocated ``(K, N)``
    index buffers, alternately: the worker fills one while the training loop
    reads the other, and fixed buffers keep the views made on them valid. The
    training loop gathers each mini-batch itself (the permutations alone keep
    this thread about as busy as the torch steps keep the other). ``get``
    returns the buffer's index.
    """

    def __init__(self, N, K, shuffle_rngs, dropout_rngs, n_units, dropout, shuffle):
        self.N, self.shuffle_rngs, self.dropout_rngs = N, shuffle_rngs, dropout_rngs
        self.n_units, self.dropout, self.shuffle = n_units, dropout, shuffle
        self.buffers = []
        if shuffle:
            self.buffers = [np.empty((K, N), dtype=np.int64) for _ in range(2)]
        self._which = 1
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._next = None

    def _make(self):
        which = keep = None
        N = self.N
        if self.shuffle:
            self._which = which = 1 - self._which
            perm = self.buffers[which]
            for k, rng in enumerate(self.shuffle_rngs):
                perm[k] = rng.permutation(N)
        if self.dropout > 0:
            U = np.stack([rng.random((N, self.n_units), dtype=np.float32)
                          for rng in self.dropout_rngs], axis=2)
            keep = U >= np.float32(self.dropout)
        return which, keep

    def get(self):
        """This epoch's ``(buffer index or None, dropout keep mask or None)``;
        starts preparing the next epoch."""
        out = self._make() if self._next is None else self._next.result()
        self._next = self._pool.submit(self._make)
        return out

    def close(self):
        if self._next is not None:
            self._next.cancel()
        self._pool.shutdown(wait=True)


def _train(torch, X, Y, seeds, hidden, optimizer, hyper, activation, output, loss, protocol,
           epochs, batch_size, lr_of, dropout, relu_grad_at_zero, tdtype, device, loss_curve,
           progress):
    """The batched training loop. Returns float64 weights (n_params, K) and bookkeeping."""
    N, d = X.shape
    n_out = Y.shape[1]
    sizes = (d,) + hidden + (n_out,)
    P = n_params(sizes)
    K = len(seeds)

    streams = [np.random.SeedSequence(s).spawn(3) for s in seeds]
    theta0 = np.stack([_glorot_uniform(np.random.default_rng(st[0]), sizes, P)
                       for st in streams], axis=1)
    shuffle_rngs = [np.random.default_rng(st[1]) for st in streams]
    dropout_rngs = [np.random.default_rng(st[2]) for st in streams]

    theta = torch.tensor(theta0, dtype=tdtype, device=device)
    grad = torch.zeros_like(theta)
    net, grads = _BatchedNet(theta, sizes), _BatchedNet(grad, sizes)
    n_layers = len(sizes) - 1
    acts = [_activation_pair(torch, activation if l < n_layers - 1 else output,
                             relu_grad_at_zero) for l in range(n_layers)]
    opt = _OPTIMIZER_CLASSES[optimizer](torch, theta, **hyper)
    batch_size = min(batch_size, N)
    ws = _Workspace(torch, sizes, batch_size, K, acts, tdtype, device, dropout > 0)

    # Data with the seed axis last: (inputs then targets, samples, seeds).
    # Unshuffled, XY_all (d + n_out, N, 1) broadcasts over seeds. Shuffled, each
    # step gathers its mini-batch, (d + n_out, B, K), from XYt with the B columns
    # of the epoch's (K, N) shuffle, transposed to (B, K): two small ops into
    # buffers that stay in cache, cheaper than gathering whole epochs.
    XYt = torch.tensor(np.concatenate([X, Y], axis=1).T, dtype=tdtype, device=device)
    XY_all = XYt.unsqueeze(2)
    shuffle = protocol.shuffle
    data = _EpochData(N, K, shuffle_rngs, dropout_rngs, sum(hidden), dropout, shuffle)
    starts = range(0, N, batch_size)
    if shuffle:
        if device.type == "cpu":
            perms = [torch.from_numpy(b) for b in data.buffers]
        else:
            perms = [torch.empty(b.shape, dtype=torch.int64, device=device)
                     for b in data.buffers]
        # per batch size: the (B, K) index and gathered (d + n_out, B, K) buffers,
        # flat, and the batch views of the latter
        gathered = {}
        for B in {min(batch_size, N - s) for s in starts}:
            index = torch.empty((B, K), dtype=torch.int64, device=device)
            XYb = torch.empty((d + n_out, B, K), dtype=tdtype, device=device)
            gathered[B] = (index, index.view(-1), XYb.view(d + n_out, B * K),
                           _batches(XYb, d, B)[0])
        epoch_batches = [[(p[:, s:s + B].T,) + gathered[B]
                          for s, B in ((s, min(batch_size, N - s)) for s in starts)]
                         for p in perms]
    else:
        epoch_batches = [[(None, None, None, None, b) for b in _batches(XY_all, d, batch_size)]]
    offs = np.cumsum((0,) + hidden)

    curves = None
    if loss_curve is not None:
        curves = np.full((epochs, K), np.nan)
    if loss_curve == "full":
        curve_rows = min(N, _CURVE_ROWS)
        ws_curve = _Workspace(torch, sizes, curve_rows, K, acts, tdtype, device, False,
                              backward=False)
        curve_batches = _batches(XY_all, d, curve_rows)
    if loss_curve is not None:
        # Per-sample losses summed elementwise in place (full: over the chunks;
        # batch_mean: over the steps), reduced once per epoch in float64. (A
        # float64 sum of each chunk would cast a fresh copy of it every time.)
        acc = torch.zeros((curve_rows if loss_curve == "full" else batch_size, n_out, K),
                          dtype=tdtype, device=device)
        acc64 = torch.empty(acc.shape, dtype=torch.float64, device=device)
    # 1 / batch size (times 2 for the MSE, over the outputs), per batch size, as
    # 0-dim tensors: a Python float would be cast on every call.
    gscale = (2.0 if loss == "mse" else 1.0) / n_out
    scale_of = {B: torch.tensor(gscale / B, dtype=tdtype, device=device)
                for B in {b[-1][0] for bs in epoch_batches for b in bs}}
    snapshot = theta.clone()
    bad_epoch = np.full(K, -1)
    alive = np.ones(K, dtype=bool)
    last_good = None
    epochs_done, interrupted, t = 0, False, 0
    bar = tqdm(range(1, epochs + 1), desc=f"torch-{protocol.name}:{optimizer} x{K} seeds",
               unit="epoch", disable=None if progress else True, leave=False)
    try:
        for epoch in bar:
            lr = float(lr_of(epoch))
            which, keep = data.get()
            if shuffle:
                if device.type != "cpu":
                    perms[which].copy_(torch.from_numpy(data.buffers[which]))
                batches = epoch_batches[which]
            else:
                batches = epoch_batches[0]
            if keep is not None:
                keep = torch.from_numpy(keep).to(device=device, dtype=tdtype)
                keep.mul_(1.0 / (1.0 - dropout))
            if loss_curve == "batch_mean":
                acc.zero_()
            s = 0
            for perm_T, index, flat_index, XYb, (B, cols, inp, inp_u, Yb) in batches:
                if perm_T is not None:
                    index.copy_(perm_T)
                    torch.index_select(XYt, 1, flat_index, out=XYb)
                v = ws.views(B)
                masks = None
                if keep is not None:
                    masks = [keep[s:s + B, offs[l]:offs[l + 1]] for l in range(len(hidden))]
                    s += B
                out = _forward(torch, net, acts, v, cols, inp, masks)
                R = torch.sub(out, Yb, out=v.R)
                if loss_curve == "batch_mean":
                    # Keras's history: each batch's loss, weighted by its size
                    if loss == "mse":
                        acc[:B].addcmul_(R, R)
                    else:
                        acc[:B].add_(R.abs())
                if loss == "mae":
                    R.sign_()  # Keras/TF: d|r|/dr = sign(r), 0 at 0
                R.mul_(scale_of[B])
                _backward(torch, net, grads, acts, v, inp, inp_u, R, masks)
                t += 1
                opt.step(theta, grad, lr, t)
            # Once per epoch: divergence check, then the loss curve.
            finite = torch.isfinite(theta).all(0).cpu().numpy()
            newly_bad = alive & ~finite
            if newly_bad.any():
                if last_good is None:
                    last_good = np.full((P, K), np.nan)
                last_good[:, newly_bad] = snapshot.cpu().numpy()[:, newly_bad]
                bad_epoch[newly_bad] = epoch
                alive &= finite
            if loss_curve == "full":
                acc.zero_()
                for B, cols, inp, _, Yb in curve_batches:
                    v = ws_curve.views(B)
                    out = _forward(torch, net, acts, v, cols, inp)
                    R = torch.sub(out, Yb, out=v.R)
                    if loss == "mse":
                        acc[:B].addcmul_(R, R)
                    else:
                        acc[:B].add_(R.abs_())
            if loss_curve is not None:
                acc64.copy_(acc)
                curves[epoch - 1] = acc64.sum((0, 1)).cpu().numpy() / (N * n_out)
            snapshot.copy_(theta)
            epochs_done = epoch
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        data.close()
    final = snapshot.to(torch.float64).cpu().numpy()
    if last_good is not None:
        final[:, bad_epoch >= 0] = last_good[:, bad_epoch >= 0]
    return final, curves, epochs_done, interrupted, bad_epoch



def _glorot_uniform(rng, sizes, P):
    """Glorot-uniform weights (limit sqrt(6 / (fan_in + fan_out))) and zero biases.

    Drawn in row-major order of the Keras ``(n_in, n_out)`` kernel, which is also
    the column-major fill order of Flux's ``(n_out, n_in)`` weight matrix.
    """
    theta = np.zeros(P)
    o = 0
    for a, c in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (a + c))
        theta[o:o + a * c] = rng.uniform(-limit, limit, size=a * c)
        o += a * c + c
    return theta


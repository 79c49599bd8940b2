"""Gradient descent exactly as Keras and Flux users run it, batched over seeds (PyTorch).

Every seed is an independent network; ``train_gd_many`` trains K of them as one
computation with a trailing seed axis (parameters of shape ``(n_in, n_out, K)``),
so each elementwise operation runs over all seeds at once. Gradients are written
out by hand (the network is a plain dense net) and the optimizers are Keras's
own update rules, transcribed from ``keras/src/optimizers/*.py`` (Keras 3),
because ``torch.optim`` differs from Keras in its defaults and in where it puts
epsilon, and has no seed axis.

Randomness is per seed: ``numpy.random.SeedSequence(seed).spawn(3)`` gives one
generator for the initial weights, one for the shuffles and one for the dropout
masks, each consumed the same way whatever else is in the batch. A seed therefore
gives the same network trained alone or among a thousand others (up to float
rounding), and ``FitResult.random_state`` replays it.

torch is imported only when a trainer is called, so ``import exactfit`` works
without it.
"""

import math
import numbers
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from .._validation import (check_choice, check_data, check_fraction, check_hidden,
                           check_nonnegative, check_positive_int)
from ..activations import LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE, check_activation
from ..losses import LOSSES
from ..losses import loss as _exact_loss
from ..losses import mse as _exact_mse
from ..network import Network, n_params
from ..result import FitResult

__all__ = ["train_torch", "train_gd_many", "KERAS_OPTIMIZERS", "TORCH_PROTOCOLS",
           "TORCH_INSTALL_HINT"]

#: Keras 3 optimizers and their default hyperparameters (``keras.optimizers.<Name>()``;
#: ``keras/src/optimizers/{sgd,rmsprop,adam,adamax,nadam,adagrad,adadelta}.py``).
#: Note epsilon 1e-7, not torch's 1e-8, and Keras's own epsilon placement (see
#: the update functions below).
KERAS_OPTIMIZERS = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "rmsprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False},
    "adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
             "amsgrad": False},
    "adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "nadam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "adadelta": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
}

#: Training protocols: "keras" (``model.fit`` defaults) and "flux" (the per-sample
#: loop of the Flux question).
TORCH_PROTOCOLS = ("keras", "flux")

#: Defaults that differ between the protocols.
_PROTOCOL_DEFAULTS = {
    "keras": {"epochs": 200, "batch_size": 32, "schedule": "constant"},
    "flux": {"epochs": 1000, "batch_size": 1, "schedule": "linear", "learning_rate": 0.1},
}

TORCH_INSTALL_HINT = ('pip install torch==2.13.0   (or: pip install "exactfit[torch]")')

_BOOL_OPTIONS = ("nesterov", "amsgrad", "centered")
_FRACTION_OPTIONS = ("momentum", "rho", "beta_1", "beta_2")


def _import_torch():
    try:
        import torch
    except ImportError:
        raise ImportError("The torch backend of exactfit needs PyTorch, which is not "
                          f"installed. Install it with: {TORCH_INSTALL_HINT}") from None
    return torch


# ---------------------------------------------------------------------------
# Keras optimizers on a flat parameter tensor theta of shape (n_params, K).
# Each keeps its state tensors; `step(theta, g, lr, t)` applies update t (1-based),
# exactly Keras's `update_step` with `local_step = iterations + 1 = t`.

class _SGD:
    def __init__(self, torch, theta, momentum, nesterov):
        self.momentum, self.nesterov = momentum, nesterov
        self.m = torch.zeros_like(theta) if momentum != 0 else None

    def step(self, theta, g, lr, t):
        if self.m is None:
            theta.add_(g, alpha=-lr)
            return
        # m = momentum * m - lr * g; nesterov: theta += momentum * m - lr * g
        self.m.mul_(self.momentum).add_(g, alpha=-lr)
        if self.nesterov:
            theta.add_(self.m, alpha=self.momentum).add_(g, alpha=-lr)
        else:
            theta.add_(self.m)


class _RMSprop:
    def __init__(self, torch, theta, rho, momentum, epsilon, centered):
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self.v = torch.zeros_like(theta)
        self.a = torch.zeros_like(theta) if centered else None
        self.m = torch.zeros_like(theta) if momentum > 0 else None

    def step(self, theta, g, lr, t):
        # Keras: epsilon INSIDE the square root, lr * g / sqrt(v + eps)
        # (torch.optim.RMSprop uses sqrt(v) + eps).
        self.v.mul_(self.rho).addcmul_(g, g, value=1 - self.rho)
        if self.centered:
            self.a.mul_(self.rho).add_(g, alpha=1 - self.rho)
            denom = (self.v - self.a * self.a).add_(self.epsilon)
        else:
            denom = self.v + self.epsilon
        denom.sqrt_()
        if self.m is None:
            theta.addcdiv_(g, denom, value=-lr)
        else:
            self.m.mul_(self.momentum).addcdiv_(g, denom, value=lr)
            theta.sub_(self.m)


class _Adam:
    def __init__(self, torch, theta, beta_1, beta_2, epsilon, amsgrad):
        self.b1, self.b2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self.m = torch.zeros_like(theta)
        self.v = torch.zeros_like(theta)
        self.vhat = torch.zeros_like(theta) if amsgrad else None
        self._torch = torch
        # scratch for g^2 and the denominator; epsilon as a 0-dim tensor of theta's
        # dtype (the value a Python float is rounded to, without its per-call cast)
        self._g2, self._den = torch.empty_like(theta), torch.empty_like(theta)
        self._eps = torch.tensor(epsilon, dtype=theta.dtype, device=theta.device)

    def step(self, theta, g, lr, t):
        # Keras: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); theta -= alpha * m / (sqrt(v) + eps)
        # with m, v NOT bias-corrected ("epsilon hat"), unlike torch.optim.Adam.
        torch = self._torch
        alpha = lr * math.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)
        self.m.lerp_(g, 1 - self.b1)
        self.v.lerp_(torch.mul(g, g, out=self._g2), 1 - self.b2)
        v = self.v
        if self.amsgrad:
            torch.maximum(self.vhat, self.v, out=self.vhat)
            v = self.vhat
        theta.addcdiv_(self.m, torch.sqrt(v, out=self._den).add_(self._eps), value=-alpha)


class _Adamax:
    def __init__(self, torch, theta, beta_1, beta_2, epsilon):
        self.b1, self.b2, self.epsilon = beta_1, beta_2, epsilon
        self.m = torch.zeros_like(theta)
        self.u = torch.zeros_like(theta)
        self._torch = torch

    def step(self, theta, g, lr, t):
        # Keras: u = max(b2 * u, |g|); theta -= lr * m / ((1 - b1^t) * (u + eps))
        self.m.lerp_(g, 1 - self.b1)
        self._torch.maximum(self.u.mul_(self.b2), g.abs(), out=self.u)
        theta.addcdiv_(self.m, self.u + self.epsilon, value=-lr / (1 - self.b1 ** t))


class _Nadam:
    def __init__(self, torch, theta, beta_1, beta_2, epsilon):
        self.b1, self.b2, self.epsilon = beta_1, beta_2, epsilon
        self.m = torch.zeros_like(theta)
        self.v = torch.zeros_like(theta)
        self.u_product = 1.0

    def step(self, theta, g, lr, t):
        # Keras 3 Nadam: momentum schedule u_t = b1 * (1 - 0.5 * 0.96^t), product of
        # u_1..u_t updated before the step; theta -= lr * m_hat / (sqrt(v_hat) + eps).
        b1, b2 = self.b1, self.b2
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        self.u_product *= u_t
        u_product_t1 = self.u_product * u_t1
        self.m.lerp_(g, 1 - b1)
        self.v.lerp_(g * g, 1 - b2)
        m_hat = self.m * (u_t1 / (1 - u_product_t1))
        m_hat.add_(g, alpha=(1 - u_t) / (1 - self.u_product))
        v_hat = self.v / (1 - b2 ** t)
        theta.addcdiv_(m_hat, v_hat.sqrt_().add_(self.epsilon), value=-lr)


class _Adagrad:
    def __init__(self, torch, theta, initial_accumulator_value, epsilon):
        self.epsilon = epsilon
        self.acc = torch.full_like(theta, initial_accumulator_value)

    def step(self, theta, g, lr, t):
        # Keras: acc += g^2; theta -= lr * g / sqrt(acc + eps)
        self.acc.addcmul_(g, g)
        theta.addcdiv_(g, (self.acc + self.epsilon).sqrt_(), value=-lr)


class _Adadelta:
    def __init__(self, torch, theta, rho, epsilon):
        self.rho, self.epsilon = rho, epsilon
        self.acc_g = torch.zeros_like(theta)
        self.acc_d = torch.zeros_like(theta)

    def step(self, theta, g, lr, t):
        # Keras: delta = -sqrt(acc_d + eps) / sqrt(acc_g + eps) * g; theta += lr * delta
        rho, eps = self.rho, self.epsilon
        self.acc_g.mul_(rho).addcmul_(g, g, value=1 - rho)
        delta = (self.acc_d + eps).sqrt_().div_((self.acc_g + eps).sqrt_()).mul_(g).neg_()
        self.acc_d.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        theta.add_(delta, alpha=lr)


_OPTIMIZER_CLASSES = {"sgd": _SGD, "rmsprop": _RMSprop, "adam": _Adam, "adamax": _Adamax,
                      "nadam": _Nadam, "adagrad": _Adagrad, "adadelta": _Adadelta}


def _check_optimizer(optimizer, options, protocol):
    """Optimizer name and its full hyperparameters (Keras defaults + `options`)."""
    if isinstance(optimizer, str):
        optimizer = optimizer.lower()
    optimizer = check_choice(optimizer, KERAS_OPTIMIZERS, "optimizer")
    if protocol == "flux" and optimizer != "sgd":
        raise ValueError(f'protocol="flux" replays Flux\'s plain Descent: optimizer must be '
                         f'"sgd"; got {optimizer!r}.')
    defaults = KERAS_OPTIMIZERS[optimizer]
    unknown = sorted(set(options) - set(defaults) - {"learning_rate"})
    if unknown:
        raise TypeError(f"Unexpected option(s) {unknown} for optimizer {optimizer!r}; "
                        f"expected some of {sorted(k for k in defaults if k != 'learning_rate')}.")
    hyper = {k: v for k, v in defaults.items() if k != "learning_rate"}
    for k, v in options.items():
        if k in _BOOL_OPTIONS:
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{k} must be True or False; got {v!r}.")
            hyper[k] = bool(v)
        elif k in _FRACTION_OPTIONS:
            hyper[k] = check_fraction(v, k)
        else:
            hyper[k] = check_nonnegative(v, k)
    if hyper.get("nesterov") and hyper.get("momentum", 0.0) == 0.0:
        raise ValueError("nesterov=True needs momentum > 0 (as in Keras's SGD).")
    return optimizer, hyper


# ---------------------------------------------------------------------------
# Activations on torch tensors, matching exactfit.activations exactly. Both halves
# write into preallocated buffers (`out=`): the per-step tensors are small, and
# fresh allocations of a few hundred kB (mmap + page faults) would cost more than
# the arithmetic.

def _activation_pair(torch, name, relu_grad_at_zero):
    """``(forward(z, out), backward(G, z, a, out))`` for activation `name`.

    ``backward`` writes ``G * f'(z)`` (``a = f(z)``) with torch's fused
    ``*_backward`` kernels, using exactfit's derivatives (ReLU and leaky ReLU at
    exactly 0: the left derivative, unless `relu_grad_at_zero` says otherwise).
    Returns ``(None, None)`` for "linear".
    """
    aten, nn = torch.ops.aten, torch._C._nn
    if name == "relu":
        fwd = lambda z, out: torch.clamp_min(z, 0, out=out)  # noqa: E731
        if relu_grad_at_zero == 0.0:
            return fwd, lambda G, z, a, out: aten.threshold_backward.grad_input(
                G, a, 0, grad_input=out)
        g0 = relu_grad_at_zero
        return fwd, lambda G, z, a, out: torch.mul(
            G, (z > 0).to(z.dtype).add_((z == 0).to(z.dtype), alpha=g0), out=out)
    if name == "leaky_relu":
        return (lambda z, out: nn.leaky_relu(z, LEAKY_SLOPE, out=out),
                lambda G, z, a, out: aten.leaky_relu_backward.grad_input(
                    G, z, LEAKY_SLOPE, False, grad_input=out))
    if name in ("elu", "selu"):
        alpha, scale = (1.0, 1.0) if name == "elu" else (SELU_ALPHA, SELU_SCALE)
        return (lambda z, out: nn.elu(z, alpha, scale, 1.0, out=out),
                lambda G, z, a, out: aten.elu_backward.grad_input(
                    G, alpha, scale, 1.0, False, z, grad_input=out))
    if name == "tanh":
        return (lambda z, out: torch.tanh(z, out=out),
                lambda G, z, a, out: aten.tanh_backward.grad_input(G, a, grad_input=out))
    if name == "sigmoid":
        return (lambda z, out: torch.sigmoid(z, out=out),
                lambda G, z, a, out: aten.sigmoid_backward.grad_input(G, a, grad_input=out))
    if name == "softplus":
        # log(1 + e^z) exactly (F.softplus switches to z above 20)
        def fwd(z, out):
            return torch.logaddexp(z, torch.zeros((), dtype=z.dtype, device=z.device), out=out)
        return fwd, lambda G, z, a, out: torch.mul(G, torch.sigmoid(z), out=out)
    if name == "linear":
        return None, None
    raise ValueError(f"Unknown activation {name!r}.")  # pragma: no cover (validated before)


# ---------------------------------------------------------------------------
# Dense layers with a trailing seed axis: activations (B, n, K), W (n_in, n_out, K),
# b (n_out, K). The seed axis is the contiguous one, so small layers are a few
# elementwise ops over all seeds (much faster than K tiny matmuls); wide layers
# fall back to einsum.
#
# Every tensor a step touches is a view made once (per batch size, per data
# buffer), not sliced or unsqueezed again at every step: at these sizes a view
# costs about as much Python and dispatch time as a small arithmetic op.

_LOOP_MAX_IN = 8
_BROADCAST_MAX = 32


class _BatchedNet:
    """Views into a flat ``(n_params, K)`` tensor laid out like ``Network.to_flat``:
    per layer ``W`` (n_in, n_out, K), ``b`` (n_out, K), the rows ``W[i]`` and the
    first column ``W[:, 0]``."""

    def __init__(self, flat, sizes):
        K = flat.shape[1]
        self.W, self.b, self.rows, self.col0 = [], [], [], []
        o = 0
        for a, c in zip(sizes[:-1], sizes[1:]):
            W = flat[o:o + a * c].view(a, c, K)
            o += a * c
            self.W.append(W)
            self.b.append(flat[o:o + c])
            o += c
            self.rows.append([W[i] for i in range(a)])
            self.col0.append(W[:, 0])


class _Workspace:
    """Preallocated forward (and backward) buffers for batches of up to `rows`
    samples; ``views(B)`` gives the views for a batch of B."""

    def __init__(self, torch, sizes, rows, K, acts, dtype, device, dropout, backward=True):
        new = lambda *shape: torch.empty(shape, dtype=dtype, device=device)  # noqa: E731
        self.sizes, self.acts, self.backward = sizes, acts, backward
        n = len(sizes) - 1
        self.Z, self.A, self.Am, self.dZ, self.G, self.prod = [], [], [], [], [], []
        for l, (a, c) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.Z.append(new(rows, c, K))
            self.A.append(new(rows, c, K) if acts[l][0] is not None else None)
            self.Am.append(new(rows, c, K) if (dropout and l < n - 1) else None)
            self.dZ.append(new(rows, c, K) if (backward and acts[l][1] is not None) else None)
            self.G.append(new(rows, a, K) if (backward and l > 0) else None)
            self.prod.append(new(rows, a, c, K)
                             if (backward and a * c <= _BROADCAST_MAX) else None)
        self.R = new(rows, sizes[-1], K)
        self._views = {}

    def views(self, B):
        """The :class:`_Views` of a batch of `B` samples (made once per B)."""
        if B not in self._views:
            self._views[B] = _Views(self, B)
        return self._views[B]


class _Views:
    """Views of a :class:`_Workspace` for a batch of B samples.

    Per layer l: ``z`` pre-activation and ``a`` activation (B, n_out, K); ``am``
    the dropout-masked activation; ``inp[l]``, ``cols[l]`` and ``inp_u[l]`` the
    input of layer l >= 1, its columns (B, 1, K) and it unsqueezed for the
    gradient product; ``dz`` and ``dz_u`` dL/dz (and unsqueezed); ``g[l]``
    dL/d(input); ``prod`` the product buffer.
    """

    def __init__(self, ws, B):
        n = len(ws.sizes) - 1
        self.R = ws.R[:B]
        self.z, self.a, self.am, self.dz, self.g, self.prod = ([] for _ in range(6))
        self.inp, self.cols, self.inp_u = [None], [None], [None]
        for l, c in enumerate(ws.sizes[1:]):
            z = ws.Z[l][:B]
            act = z if ws.A[l] is None else ws.A[l][:B]
            self.z.append(z)
            self.a.append(act)
            self.am.append(None if ws.Am[l] is None else ws.Am[l][:B])
            if l < n - 1:
                feed = act if ws.Am[l] is None else self.am[l]
                self.inp.append(feed)
                self.cols.append([feed[:, i:i + 1] for i in range(c)])
                self.inp_u.append(feed.unsqueeze(2))
            self.dz.append(None if ws.dZ[l] is None else ws.dZ[l][:B])
            self.g.append(None if ws.G[l] is None else ws.G[l][:B])
            self.prod.append(None if ws.prod[l] is None else ws.prod[l][:B])
        # dL/dz of each layer, unsqueezed for the gradient product: what the
        # activation's backward writes, else dL/d(output) (R or the next layer's g)
        self.dz_u = []
        if ws.backward:
            for l in range(n):
                if ws.acts[l][1] is not None:
                    dz = self.dz[l]
                else:
                    dz = self.R if l == n - 1 else self.g[l + 1]
                self.dz_u.append(dz.unsqueeze(1))


def _batches(XY, d, batch_size):
    """Mini-batches of a data tensor `XY` of shape ``(d + n_out, N, K or 1)`` (the
    inputs, then the targets).

    Returns, per batch: its size B, the input columns (B, 1, K), the inputs
    (B, d, K), them unsqueezed (B, d, 1, K), and the targets (B, n_out, K).
    """
    X = XY[:d].permute(1, 0, 2)
    Y = XY[d:].permute(1, 0, 2)
    N = XY.shape[1]
    out = []
    for s in range(0, N, batch_size):
        e = min(s + batch_size, N)
        inp = X[s:e]
        out.append((e - s, [inp[:, i:i + 1] for i in range(d)], inp, inp.unsqueeze(2),
                    Y[s:e]))
    return out


def _forward(torch, net, acts, v, cols, inp, masks=None):
    """Forward pass of a batch (inputs `inp`, their columns `cols`) into the views
    `v`; returns the network output (a view into the workspace)."""
    n = len(net.W)
    for l in range(n):
        z = v.z[l]
        rows = net.rows[l]
        if len(rows) <= _LOOP_MAX_IN:
            torch.addcmul(net.b[l], cols[0], rows[0], out=z)
            for i in range(1, len(rows)):
                z.addcmul_(cols[i], rows[i])
        else:
            z.copy_(torch.einsum("bik,iok->bok", inp.expand(-1, -1, z.shape[2]), net.W[l]))
            z.add_(net.b[l])
        f = acts[l][0]
        out = z if f is None else f(z, v.a[l])
        if l < n - 1:
            if masks is not None:
                out = torch.mul(out, masks[l], out=v.am[l])
            cols, inp = v.cols[l + 1], v.inp[l + 1]
    return out


def _backward(torch, net, grads, acts, v, inp0, inp0_u, R, masks=None):
    """Write dL/dtheta into the views of `grads`, given ``R = dL/d output`` (``v.R``)
    and the batch's inputs `inp0` (and them unsqueezed, `inp0_u`)."""
    G = R
    for l in range(len(net.W) - 1, -1, -1):
        back = acts[l][1]
        dZ = G if back is None else back(G, v.z[l], v.a[l], v.dz[l])
        prod = v.prod[l]
        W = net.W[l]
        if prod is not None:
            torch.mul(inp0_u if l == 0 else v.inp_u[l], v.dz_u[l], out=prod)
            torch.sum(prod, 0, out=grads.W[l])
        else:
            inp = inp0 if l == 0 else v.inp[l]
            grads.W[l].copy_(torch.einsum("bik,bok->iok", inp.expand(-1, -1, dZ.shape[2]), dZ))
        torch.sum(dZ, 0, out=grads.b[l])
        if l > 0:
            Gin = v.g[l]
            if W.shape[1] == 1:
                torch.mul(dZ, net.col0[l], out=Gin)
            elif prod is not None:
                torch.mul(v.dz_u[l], W, out=prod)
                torch.sum(prod, 2, out=Gin)
            else:
                Gin.copy_(torch.einsum("bok,iok->bik", dZ, W))
            if masks is not None:
                Gin.mul_(masks[l - 1])
            G = Gin


# ---------------------------------------------------------------------------

def _check_seeds(seeds):
    if isinstance(seeds, (numbers.Integral, str)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be an iterable of non-negative ints (e.g. range(100)); "
                        f"got {seeds!r}.")
    seeds = list(seeds)
    if len(seeds) == 0:
        raise ValueError("seeds is empty: give at least one seed.")
    for s in seeds:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"seeds must hold non-negative ints; got {s!r}.")
    return [int(s) for s in seeds]


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
    pdef = _PROTOCOL_DEFAULTS[protocol]
    X, Y = check_data(X, y)
    N, n_out = Y.shape
    hidden = check_hidden(hidden, allow_empty=True)
    activation = check_activation(activation, "activation")
    output = check_activation(output, "output")
    loss = check_choice(loss, LOSSES, "loss")
    optimizer, hyper = _check_optimizer(optimizer, optimizer_options, protocol)
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
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device: {exc}") from None
    tdtype = getattr(torch, dtype)
    old_threads = torch.get_num_threads()
    if device.type == "cpu" and n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        # No autograd here (gradients are written out by hand): inference mode
        # skips its bookkeeping, a measurable share of each small op's cost.
        with torch.inference_mode():
            out = _train(torch, X, Y, seeds, hidden, optimizer, hyper, activation, output,
                         loss, protocol, epochs, batch_size, lr_of, dropout, relu_grad_at_zero,
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
    shuffle = protocol == "keras"
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
    bar = tqdm(range(1, epochs + 1), desc=f"torch-{protocol}:{optimizer} x{K} seeds",
               unit="epoch", disable=not progress, leave=False)
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

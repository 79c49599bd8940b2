"""Keras 3's optimizers, on a flat parameter tensor with a trailing seed axis (PyTorch).

The update rules are transcribed from ``keras/src/optimizers/*.py`` (Keras 3),
because ``torch.optim`` differs from Keras in its defaults and in where it puts
epsilon, and has no seed axis. Each class keeps its state tensors, shaped like
``theta`` ``(n_params, K)``; every operation is elementwise, so K seeds step as
K independent runs.
"""

import math

import numpy as np

from .._validation import check_choice, check_fraction, check_nonnegative

__all__ = ["KERAS_OPTIMIZERS"]

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

_BOOL_OPTIONS = ("nesterov", "amsgrad", "centered")
_FRACTION_OPTIONS = ("momentum", "rho", "beta_1", "beta_2")

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


def _check_optimizer_name(optimizer):
    """A key of :data:`KERAS_OPTIMIZERS` (case-insensitive)."""
    if isinstance(optimizer, str):
        optimizer = optimizer.lower()
    return check_choice(optimizer, KERAS_OPTIMIZERS, "optimizer")


def _check_hyperparameters(optimizer, options):
    """The full hyperparameters of `optimizer`: Keras's defaults overridden by `options`
    (without the learning rate, which the schedule gives)."""
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
    return hyper

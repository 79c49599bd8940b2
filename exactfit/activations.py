"""Activation functions and their derivatives, by name.

Each entry maps a pre-activation array ``z`` to ``f(z)`` and ``f'(z)``. The
derivative of ReLU (and leaky ReLU) at exactly 0 is taken as 0, as PyTorch,
TensorFlow and Flux do.
"""

import numpy as np

from ._validation import check_choice

__all__ = ["ACTIVATIONS", "activation", "activation_derivative", "check_activation",
           "LEAKY_SLOPE", "SELU_ALPHA", "SELU_SCALE"]

#: Negative slope of ``leaky_relu`` (PyTorch's and Flux's default).
LEAKY_SLOPE = 0.01
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _sigmoid(z):
    # exp of -|z| never overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _elu(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


_F = {
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    "elu": _elu,
    "selu": lambda z: SELU_SCALE * _elu(z, SELU_ALPHA),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "softplus": lambda z: np.logaddexp(0.0, z),
    "linear": lambda z: z,
}

_DF = {
    "relu": lambda z: (z > 0).astype(z.dtype),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0))),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "softplus": _sigmoid,
    "linear": np.ones_like,
}

#: Names of the supported activations.
ACTIVATIONS = tuple(_F)


def check_activation(name, argname="activation"):
    """Return `name` if it is a known activation, else raise a clear error."""
    return check_choice(name, ACTIVATIONS, argname)


def activation(name):
    """The function ``f(z)`` of activation `name`."""
    try:
        return _F[name]
    except (KeyError, TypeError):
        check_activation(name)
        raise


def activation_derivative(name):
    """The derivative ``f'(z)`` of activation `name`, as a function of the pre-activation."""
    try:
        return _DF[name]
    except (KeyError, TypeError):
        check_activation(name)
        raise

"""The fully connected network every solver, trainer, diagnosis and plot shares."""

import numpy as np

from ._validation import check_hidden, check_positive_int, check_X
from .activations import activation, activation_derivative, check_activation

__all__ = ["Network"]


class Network:
    """A fully connected feed-forward network with weights in Keras layout.

    Parameters
    ----------
    weights : sequence of array-like
        One matrix per layer, of shape ``(n_in, n_out)`` (Keras layout: ``X @ W``).
    biases : sequence of array-like
        One vector per layer, of shape ``(n_out,)``.
    hidden : str, default="relu"
        Activation of every hidden layer; one of
        :data:`exactfit.activations.ACTIVATIONS`.
    output : str, default="linear"
        Activation of the output layer.

    Attributes
    ----------
    weights, biases : list of ndarray
        Float64 copies of the parameters.
    layer_sizes : tuple of int
        ``(n_inputs, hidden_1, ..., n_outputs)``.

    Notes
    -----
    The flat parameter vector (:meth:`to_flat`, :meth:`from_flat`) lists, layer by
    layer, ``W.ravel()`` (row-major) then ``b``: the order of Keras's
    ``model.get_weights()`` flattened.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit import Network
    >>> net = Network([np.eye(2), np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
    >>> net.predict([[1.0, -2.0]])
    array([1.])
    """

    def __init__(self, weights, biases, hidden="relu", output="linear"):
        weights = _layer_arrays(weights, "weights")
        biases = _layer_arrays(biases, "biases")
        if len(weights) == 0:
            raise ValueError("weights must hold at least one layer.")
        if len(weights) != len(biases):
            raise ValueError(f"weights and biases must have one entry per layer; got "
                             f"{len(weights)} weight matrices and {len(biases)} bias vectors.")
        for i, (W, b) in enumerate(zip(weights, biases)):
            if W.ndim != 2:
                raise ValueError(f"weights[{i}] must be 2-D (n_in, n_out); got shape {W.shape}.")
            if 0 in W.shape:
                raise ValueError(f"weights[{i}] has shape {W.shape}: every layer needs at least "
                                 f"one input and one unit.")
            if b.ndim != 1 or b.shape[0] != W.shape[1]:
                raise ValueError(f"biases[{i}] must have shape ({W.shape[1]},) to match "
                                 f"weights[{i}] of shape {W.shape}; got {b.shape}.")
            if i > 0 and W.shape[0] != weights[i - 1].shape[1]:
                raise ValueError(f"weights[{i}] has {W.shape[0]} inputs but layer {i - 1} has "
                                 f"{weights[i - 1].shape[1]} outputs.")
            if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
                raise ValueError(f"weights[{i}] or biases[{i}] contains NaN or infinity.")
        self.hidden = check_activation(hidden, "hidden")
        self.output = check_activation(output, "output")
        self.weights = weights
        self.biases = biases

    # ------------------------------------------------------------------ shape
    @property
    def layer_sizes(self):
        return (self.weights[0].shape[0],) + tuple(W.shape[1] for W in self.weights)

    @property
    def n_inputs(self):
        return self.weights[0].shape[0]

    @property
    def n_outputs(self):
        return self.weights[-1].shape[1]

    @property
    def hidden_sizes(self):
        return self.layer_sizes[1:-1]

    @property
    def n_params(self):
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def _activations(self):
        n = len(self.weights)
        return [self.hidden if i < n - 1 else self.output for i in range(n)]

    # ---------------------------------------------------------------- forward
    def forward(self, X):
        """Pre-activations and outputs of every layer.

        Returns
        -------
        pre : list of ndarray
            ``pre[l]`` is ``A[l] @ W[l] + b[l]``, shape ``(n_samples, n_units)``.
        post : list of ndarray
            ``post[0]`` is X; ``post[l + 1] = f(pre[l])``; ``post[-1]`` is the output (2-D).
        """
        X = check_X(X)
        if X.shape[1] != self.n_inputs:
            raise ValueError(f"X has {X.shape[1]} features but the network expects "
                             f"{self.n_inputs}.")
        return _forward(self.weights, self.biases, self._activations(), X)

    def predict(self, X):
        """Network output: shape ``(n_samples,)`` for one output, else ``(n_samples, n_outputs)``."""
        out = self.forward(X)[1][-1]
        return out[:, 0] if out.shape[1] == 1 else out

    def __call__(self, X):
        return self.predict(X)

    def hidden_preactivations(self, X):
        """List of each hidden layer's pre-activations ``(n_samples, units)``."""
        return self.forward(X)[0][:-1]

    def hidden_outputs(self, X):
        """List of each hidden layer's outputs (after the activation)."""
        return self.forward(X)[1][1:-1]

    # ------------------------------------------------------------- parameters
    def to_flat(self):
        """All parameters as one vector (see Notes of the class)."""
        return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in
                               zip(self.weights, self.biases)])

    @classmethod
    def from_flat(cls, theta, layer_sizes, hidden="relu", output="linear"):
        """Build a network from a flat parameter vector and ``(n_in, h1, ..., n_out)``."""
        if not isinstance(layer_sizes, (tuple, list)) or len(layer_sizes) < 2:
            raise TypeError(f"layer_sizes must be a tuple (n_inputs, hidden..., n_outputs) "
                            f"of at least 2 ints; got {layer_sizes!r}.")
        layer_sizes = (check_positive_int(layer_sizes[0], "layer_sizes[0]"),) + \
            check_hidden(tuple(layer_sizes[1:]), "layer_sizes")
        if np.iscomplexobj(theta):
            raise TypeError("theta holds complex numbers; parameters are real.")
        try:
            theta = np.asarray(theta, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"theta must be a vector of real numbers: {exc}") from None
        expected = n_params(layer_sizes)
        if theta.ndim != 1 or theta.size != expected:
            raise ValueError(f"theta must be a 1-D vector of {expected} parameters for layer "
                             f"sizes {layer_sizes}; got shape {theta.shape}.")
        Ws, bs = unflatten(theta, layer_sizes)
        return cls([W.copy() for W in Ws], [b.copy() for b in bs], hidden, output)

    def with_flat(self, theta):
        """A new network of the same architecture with parameters `theta`."""
        return type(self).from_flat(theta, self.layer_sizes, self.hidden, self.output)

    def copy(self):
        return self.with_flat(self.to_flat())

    # ----------------------------------------------------------- persistence
    def to_dict(self):
        """A JSON-ready description (lists of floats)."""
        return {"weights": [W.tolist() for W in self.weights],
                "biases": [b.tolist() for b in self.biases],
                "hidden": self.hidden, "output": self.output}

    @classmethod
    def from_dict(cls, d):
        """The network described by :meth:`to_dict`'s output."""
        if not isinstance(d, dict) or "weights" not in d or "biases" not in d:
            raise ValueError("a network is described by a dict with 'weights' and 'biases'; "
                             f"got {d!r:.80}.")
        return cls(d["weights"], d["biases"], d.get("hidden", "relu"), d.get("output", "linear"))

    def __eq__(self, other):
        return (isinstance(other, Network) and self.layer_sizes == other.layer_sizes
                and self.hidden == other.hidden and self.output == other.output
                and np.array_equal(self.to_flat(), other.to_flat()))

    def __repr__(self):
        arch = " -> ".join(str(s) for s in self.layer_sizes)
        return (f"Network({arch}, hidden={self.hidden!r}, output={self.output!r}, "
                f"{self.n_params} parameters)")

    # ------------------------------------------- other frameworks (exactfit.interop)
    @classmethod
    def from_torch(cls, model, activation=None, output=None):
        """From a ``torch.nn.Sequential`` or its state dict (see :func:`exactfit.interop.from_torch`)."""
        from .interop import from_torch

        return from_torch(model, activation, output)

    @classmethod
    def from_sklearn(cls, estimator):
        """From a fitted ``MLPRegressor`` (see :func:`exactfit.interop.from_sklearn`)."""
        from .interop import from_sklearn

        return from_sklearn(estimator)

    @classmethod
    def from_keras(cls, weights, activations="relu", output="linear"):
        """From Keras's ``get_weights()`` (see :func:`exactfit.interop.from_keras`)."""
        from .interop import from_keras

        return from_keras(weights, activations, output)

    def to_torch(self, dtype=None):
        """A ``torch.nn.Sequential`` with these weights, float64 by default."""
        from .interop import to_torch

        return to_torch(self, dtype)

    def to_sklearn(self):
        """A fitted ``MLPRegressor`` predicting the same (see :func:`exactfit.interop.to_sklearn`)."""
        from .interop import to_sklearn

        return to_sklearn(self)

    def to_keras_weights(self):
        """``[W1, b1, W2, b2, ...]`` for a Keras model's ``set_weights``."""
        from .interop import to_keras_weights

        return to_keras_weights(self)


# ---------------------------------------------------------------------------
# Array-level helpers shared by the losses and the solvers (no validation: hot path).

def _layer_arrays(arrays, name):
    """One float64 copy per layer; complex, non-numeric or non-sequence input rejected."""
    if isinstance(arrays, (np.ndarray, str, bytes, dict)) or not hasattr(arrays, "__iter__"):
        raise TypeError(f"{name} must be a list or tuple with one array per layer (e.g. "
                        f"[W1, W2]); got {type(arrays).__name__}.")
    out = []
    for i, a in enumerate(arrays):
        if np.iscomplexobj(a):
            raise TypeError(f"{name}[{i}] holds complex numbers; a Network's parameters are "
                            "real (the imaginary part would be dropped).")
        try:
            a = np.array(a, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name}[{i}] must be an array of real numbers: {exc}") from None
        out.append(a)
    return out


def n_params(layer_sizes):
    """Number of parameters of a dense net with these layer sizes."""
    return sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def unflatten(theta, layer_sizes):
    """Views ``(weights, biases)`` into a flat vector (no copy)."""
    Ws, bs, k = [], [], 0
    for a, b in zip(layer_sizes[:-1], layer_sizes[1:]):
        Ws.append(theta[k:k + a * b].reshape(a, b))
        k += a * b
        bs.append(theta[k:k + b])
        k += b
    return Ws, bs


def _forward(weights, biases, acts, X):
    pre, post = [], [X]
    A = X
    for W, b, name in zip(weights, biases, acts):
        Z = A @ W
        Z += b
        A = Z if name == "linear" else activation(name)(Z)
        pre.append(Z)
        post.append(A)
    return pre, post


def _backward(weights, acts, pre, post, G):
    """Gradient of a loss w.r.t. the flat parameters, given ``G = dL/d output``."""
    grads = []
    for l in range(len(weights) - 1, -1, -1):
        if acts[l] == "relu":
            dZ = G * (pre[l] > 0)
        elif acts[l] == "linear":
            dZ = G
        else:
            dZ = G * activation_derivative(acts[l])(pre[l])
        # A matrix-vector product sums over samples ~8x faster than dZ.sum(axis=0).
        grads.append(np.ones(dZ.shape[0]) @ dZ)
        grads.append((post[l].T @ dZ).ravel())
        if l > 0:
            # One output: an outer product by broadcasting is ~4x faster than matmul.
            G = dZ * weights[l][:, 0] if dZ.shape[1] == 1 else dZ @ weights[l].T
    return np.concatenate(grads[::-1])

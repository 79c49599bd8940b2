"""The one definition of every loss, with analytic gradients.

All solvers, trainers, benchmarks and reports call these functions, so a number
printed anywhere in exactfit means the same thing. ``mse`` is the plain mean of
squared errors over samples and outputs (not halved: scikit-learn's ``loss_`` is
half of it).
"""

import threading

import numpy as np

from ._validation import check_choice, check_data, check_network
from .activations import activation, activation_derivative
from .network import _backward, _forward, unflatten

__all__ = ["LOSSES", "mse", "mae", "loss", "loss_and_grad", "Objective"]


def _mse(P, Y):
    R = P - Y
    r = R.ravel()
    return float(r @ r) / r.size, (2.0 / r.size) * R


def _mae(P, Y):
    R = P - Y
    return float(np.mean(np.abs(R))), np.sign(R) / R.size


_LOSSES = {"mse": _mse, "mae": _mae}
#: Names of the supported losses.
LOSSES = tuple(_LOSSES)


def _prepare(network, X, y):
    network = check_network(network, "network")
    X, Y = check_data(X, y)
    if X.shape[1] != network.n_inputs:
        raise ValueError(f"X has {X.shape[1]} features but the network expects "
                         f"{network.n_inputs}.")
    if Y.shape[1] != network.n_outputs:
        raise ValueError(f"y has {Y.shape[1]} output(s) but the network has "
                         f"{network.n_outputs}.")
    return network, X, Y


def loss(network, X, y, kind="mse"):
    """Loss `kind` ("mse" or "mae") of `network` on ``(X, y)``.

    Parameters
    ----------
    network : Network or FitResult
        A :class:`~exactfit.FitResult` stands for its ``network``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    kind : {"mse", "mae"}, default="mse"

    Returns
    -------
    float
        Infinite when the network's outputs overflow float64 (a diverged run);
        the data itself is limited to ``|value| <= 1e150``, whose squares fit.
    """
    check_choice(kind, LOSSES, "kind")
    network, X, Y = _prepare(network, X, y)
    with np.errstate(over="ignore", invalid="ignore"):
        P = _forward(network.weights, network.biases, network._activations(), X)[1][-1]
        value = _LOSSES[kind](P, Y)[0]
    return value if not np.isnan(value) else np.inf  # inf - inf in an overflowed output


def mse(network, X, y):
    """Mean squared error ``mean((network(X) - y) ** 2)`` over samples and outputs.

    `network` may be a :class:`~exactfit.Network` or a :class:`~exactfit.FitResult`.
    """
    return loss(network, X, y, "mse")


def mae(network, X, y):
    """Mean absolute error ``mean(|network(X) - y|)`` over samples and outputs.

    `network` may be a :class:`~exactfit.Network` or a :class:`~exactfit.FitResult`.
    """
    return loss(network, X, y, "mae")


def loss_and_grad(network, X, y, kind="mse"):
    """Loss `kind` and its gradient with respect to ``network.to_flat()``.

    `network` may be a :class:`~exactfit.Network` or a :class:`~exactfit.FitResult`.
    """
    check_choice(kind, LOSSES, "kind")
    network, X, Y = _prepare(network, X, y)
    obj = Objective(X, Y, network.layer_sizes, network.hidden, network.output, kind)
    return obj(network.to_flat())


class Objective:
    """Loss and gradient as a function of the flat parameter vector.

    The callable that scipy's optimisers (and the certificates) minimise. Inputs
    are assumed validated: build it from checked ``X`` (2-D) and ``Y`` (2-D).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    layer_sizes : tuple of int
    hidden, output : str
        Activations.
    kind : {"mse", "mae"}

    Notes
    -----
    Networks with one hidden layer and a linear output (every two-layer question,
    and the hot loop of :func:`exactfit.fit_global`) take a specialised path: the
    first-layer bias is folded into the weights (``[X, 1] @ [W1; b1]``, which is
    exactly how the flat vector lays them out) and samples run along the last
    axis, so each step is one short, wide array operation. It computes the same
    quantities as the general layer-by-layer path (tested to rounding) in about
    half the time.
    """

    def __init__(self, X, Y, layer_sizes, hidden="relu", output="linear", kind="mse"):
        self.X, self.Y = X, Y
        self.layer_sizes = tuple(layer_sizes)
        n = len(self.layer_sizes) - 1
        self.acts = [hidden] * (n - 1) + [output]
        self.hidden, self.output = hidden, output
        self.kind = check_choice(kind, LOSSES, "kind")
        self._loss = _LOSSES[kind]
        self._two_layer = n == 2 and output == "linear"
        if self._two_layer:
            d, h, m = self.layer_sizes
            self._XaT = np.vstack([X.T, np.ones((1, X.shape[0]))])  # (d + 1, n)
            self._YT = np.ascontiguousarray(Y.T)  # (m, n)
            self._split = ((d + 1) * h, (d + 1) * h + h * m)
            self._f, self._df = activation(hidden), activation_derivative(hidden)
        self._local = threading.local()  # work arrays of the two-layer pass, per thread

    # Work arrays are not state: a copy (a joblib worker's) makes its own.
    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_local", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    def _work(self, h, n):
        """The (h, n) arrays of the two-layer pass, made once per thread: on 200000
        samples, fresh arrays of that size cost more in page faults than the arithmetic
        (measured by hand: an evaluation took 8 ms, 4 ms with these; the values are
        the same to the bit, tested)."""
        work = getattr(self._local, "arrays", None)
        if work is None:
            work = self._local.arrays = (np.empty((h, n)), np.empty((h, n)),
                                         np.empty((h, n)), np.empty((h, n), dtype=bool))
        return work

    def forward(self, theta):
        """``(weights, (pre, post))`` of every layer, samples first (as :meth:`Network.forward`)."""
        Ws, bs = unflatten(theta, self.layer_sizes)
        return Ws, _forward(Ws, bs, self.acts, self.X)

    def value(self, theta):
        if self._two_layer:
            return self._two_layer_pass(theta, gradient=False)
        return self._loss(self.forward(theta)[1][1][-1], self.Y)[0]

    def __call__(self, theta):
        if self._two_layer:
            return self._two_layer_pass(theta)
        return self._general(theta)

    def _general(self, theta):
        Ws, (pre, post) = self.forward(theta)
        f, G = self._loss(post[-1], self.Y)
        return f, _backward(Ws, self.acts, pre, post, G)

    def _two_layer_pass(self, theta, gradient=True):
        d, h, m = self.layer_sizes
        i, j = self._split
        Wa = theta[:i].reshape(d + 1, h)  # rows of W1, then b1: the flat layout
        W2, b2 = theta[i:j].reshape(h, m), theta[j:]
        Zw, Aw, dZw, maskw = self._work(h, self._XaT.shape[1])
        Z = np.matmul(Wa.T, self._XaT, out=Zw)  # (h, n)
        A = np.maximum(Z, 0.0, out=Aw) if self.hidden == "relu" else self._f(Z)
        P = W2.T @ A
        P += b2[:, None]
        f, G = self._loss(P, self._YT)  # the losses do not care about the layout
        if not gradient:
            return f
        # One output: an outer product by broadcasting beats a matmul with inner size 1.
        dZ = np.multiply(W2, G, out=dZw) if m == 1 else np.matmul(W2, G, out=dZw)  # (h, n)
        if self.hidden == "relu":
            dZ *= np.greater(Z, 0, out=maskw)
        elif self.hidden != "linear":
            dZ *= self._df(Z)
        return f, np.concatenate([(self._XaT @ dZ.T).ravel(), (A @ G.T).ravel(), G.sum(axis=1)])

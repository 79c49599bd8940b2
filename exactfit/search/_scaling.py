"""Standardised coordinates for the search, and the exact map back.

The search runs on ``Xs = (X - mu) / sx`` (per feature) and ``Ys = (Y - my) / sy``
(one scale for every output, so the loss keeps its weighting of the outputs: the
scaled MSE is the MSE divided by ``sy ** 2``). Badly scaled data (inputs in the
hundreds, targets of 1e-6) then give the same well-conditioned problem as unit
data, and every tolerance of the search is relative to ``var(y)``.

Only the first and the last layer depend on the scaling:

- first layer: ``W1 = W1s / sx[:, None]``, ``b1 = b1s - (mu / sx) @ W1s``;
- last layer (linear output): ``W = sy * Ws``, ``b = sy * bs + my``.

A non-linear output activation cannot absorb a shift and scale of ``y``, so then
``y`` is left as it is.
"""

import numpy as np

from ..network import unflatten


class Scaling:
    """The affine maps between the data's coordinates and the search's.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    scale_y : bool
        Standardise ``Y`` too (linear output only).
    """

    def __init__(self, X, Y, scale_y=True):
        self.mu = X.mean(axis=0)
        sx = X.std(axis=0)
        # A constant feature (or one whose spread is below rounding of its mean) keeps scale 1.
        flat = sx <= 1e-12 * np.maximum(np.abs(self.mu), 1e-300)
        self.sx = np.where(flat | (sx == 0), 1.0, sx)
        if scale_y:
            self.my = Y.mean(axis=0)
            sy = float(np.sqrt(np.mean(Y.var(axis=0))))
            self.sy = sy if sy > 1e-12 * max(float(np.max(np.abs(self.my))), 1e-300) else 1.0
        else:
            self.my, self.sy = np.zeros(Y.shape[1]), 1.0

    def X(self, X):
        return (X - self.mu) / self.sx

    def Y(self, Y):
        return (Y - self.my) / self.sy

    def loss_factor(self, kind):
        """Loss in data units = scaled loss times this."""
        return self.sy ** 2 if kind == "mse" else self.sy

    def to_data(self, theta, sizes):
        """Flat parameters in the data's coordinates from the search's."""
        theta = np.array(theta, dtype=float)
        Ws, bs = unflatten(theta, sizes)
        W1 = Ws[0].copy()
        Ws[0][...] = W1 / self.sx[:, None]
        bs[0][...] -= (self.mu / self.sx) @ W1
        Ws[-1][...] *= self.sy
        bs[-1][...] = bs[-1] * self.sy + self.my
        return theta

    def to_search(self, theta, sizes):
        """Flat parameters in the search's coordinates from the data's (inverse of :meth:`to_data`)."""
        theta = np.array(theta, dtype=float)
        Ws, bs = unflatten(theta, sizes)
        bs[0][...] += self.mu @ Ws[0]
        Ws[0][...] *= self.sx[:, None]
        Ws[-1][...] /= self.sy
        bs[-1][...] = (bs[-1] - self.my) / self.sy
        return theta

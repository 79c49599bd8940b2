"""Full-batch gradient descent on a linear layer, the baseline of the least-squares comparison."""

import time

import numpy as np

from .._validation import check_choice, check_data, check_fraction, check_positive_int
from ..losses import Objective
from ..network import Network
from ..result import FitResult

__all__ = ["linear_gd", "LINEAR_GD_METHODS"]

#: "gd": plain steps of 1/L (L the Lipschitz constant of the gradient: the best fixed
#: step); "adam": Adam with Keras's defaults (lr 1e-3, betas 0.9/0.999, epsilon 1e-7).
LINEAR_GD_METHODS = ("gd", "adam")


def linear_gd(X, Y, method="gd", max_epochs=100_000, tol=1e-6):
    """Train ``Y ~ X @ W + b`` by full-batch gradient descent until a relative residual.

    Stops when ``||X W + b - Y|| / ||Y|| <= tol`` (equivalently MSE <= tol^2 mean(Y^2))
    or after `max_epochs` full-batch steps, starting from zero weights.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    method : {"gd", "adam"}, default="gd"
        See :data:`LINEAR_GD_METHODS`.
    max_epochs : int, default=100_000
    tol : float, default=1e-6
        Target relative residual, in (0, 1).

    Returns
    -------
    FitResult
        ``network`` (one linear layer), ``loss`` (MSE), ``nit`` (epochs run),
        ``time`` (seconds in the loop), ``success`` (the target was reached),
        ``relative_residual``.
    """
    X, Y = check_data(X, Y, "X", "Y")
    check_choice(method, LINEAR_GD_METHODS, "method")
    max_epochs = check_positive_int(max_epochs, "max_epochs")
    tol = check_fraction(tol, "tol")
    if tol == 0:
        raise ValueError("tol must be > 0: gradient descent never reaches a zero residual.")
    n, d = X.shape
    obj = Objective(X, Y, (d, Y.shape[1]), "linear", "linear", "mse")
    Xt = np.hstack([X, np.ones((n, 1))])
    # The Hessian of mean((XW + b - Y)^2) over n*m entries is 2 Xt'Xt / (n m) per output.
    lr = Y.size / (2 * np.linalg.norm(Xt, 2) ** 2) if method == "gd" else 1e-3
    theta = np.zeros(d * Y.shape[1] + Y.shape[1])
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    b1, b2, eps = 0.9, 0.999, 1e-7
    target = tol ** 2 * np.mean(Y ** 2)
    t0 = time.perf_counter()
    epoch = 0
    f, g = obj(theta)
    while f > target and epoch < max_epochs:
        epoch += 1
        if method == "gd":
            theta -= lr * g
        else:  # Keras Adam: epsilon outside the sqrt, bias correction folded into the step
            m1 = b1 * m1 + (1 - b1) * g
            m2 = b2 * m2 + (1 - b2) * g * g
            step = lr * np.sqrt(1 - b2 ** epoch) / (1 - b1 ** epoch)
            theta -= step * m1 / (np.sqrt(m2) + eps)
        f, g = obj(theta)
    seconds = time.perf_counter() - t0
    net = Network.from_flat(theta, (d, Y.shape[1]), "linear", "linear")
    reached = bool(f <= target)
    return FitResult(network=net, loss=float(f), method=f"linear_gd:{method}", success=reached,
                     message=(f"relative residual <= {tol:g} after {epoch} epochs" if reached
                              else f"stopped at max_epochs={max_epochs} before reaching {tol:g}"),
                     nit=epoch, time=seconds, evidence="none",
                     relative_residual=float(np.sqrt(f / np.mean(Y ** 2))))

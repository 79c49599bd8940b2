"""An exact piecewise-linear ReLU network through finite 1-D points."""

import time

import numpy as np
from sklearn.utils import check_consistent_length

from .._validation import _as_float_array
from ..losses import mse
from ..network import Network
from ..result import FitResult

__all__ = ["interpolant_1d"]


def _check_points(x, y):
    out = []
    for name, v in (("x", x), ("y", y)):
        v = _as_float_array(v, name)
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.ndim != 1:
            raise ValueError(f"interpolant_1d needs 1-D {name} (one input, one output), or "
                             f"shape (n, 1); got shape {v.shape}.")
        if v.size == 0:
            raise ValueError(f"interpolant_1d: {name} is empty; need at least one point.")
        out.append(v)
    x, y = out
    try:
        check_consistent_length(x, y)
    except ValueError:
        raise ValueError(f"interpolant_1d: x and y have different lengths: {x.size} and "
                         f"{y.size}.") from None
    return x, y


def interpolant_1d(x, y):
    """The exact piecewise-linear ReLU network 1 -> k -> 1 through the points ``(x, y)``.

    With the distinct inputs sorted, ``x_0 < ... < x_{m-1}``, and the slopes
    ``s_i = (y_{i+1} - y_i) / (x_{i+1} - x_i)``, the network is

        f(t) = y_0 + s_0 relu(t - x_0) + sum_{i=1}^{m-2} (s_i - s_{i-1}) relu(t - x_i),

    the linear interpolant of the points on ``[x_0, x_{m-1}]``, constant ``y_0``
    to the left and continuing the last slope to the right. A unit whose slope
    change is zero is left out, so ``k <= m - 1`` (the Flux question's two-point
    lookup ``0 -> t1, 1 -> t2`` needs one unit: ``t1 + (t2 - t1) relu(t)``). A
    single point gives one unit with output weight 0 (a network needs a unit).

    Parameters
    ----------
    x : array-like of shape (n,) or (n, 1)
        Inputs. Repeated values are allowed only with the same target.
    y : array-like of shape (n,) or (n, 1)
        Targets.

    Returns
    -------
    FitResult
        ``method="construct:interpolant_1d"``, ``evidence="exact"``, ``loss`` the
        MSE on the given points (zero up to floating-point rounding of the sums
        above), ``knots`` (the hidden units' breakpoints). When rounding leaves an
        RMS error above 1e-8 of the targets' RMS (points badly scaled for
        float64), ``evidence="none"`` and the message says so.

    Raises
    ------
    ValueError
        x or y not 1-D, empty, of different lengths, with NaN/inf, or the same x
        with different targets (no function passes through both).

    Examples
    --------
    >>> from exactfit.construct import interpolant_1d
    >>> res = interpolant_1d([0, 1], [10, 20])
    >>> res.network.layer_sizes, res.network.predict([[0], [1]])
    ((1, 1, 1), array([10., 20.]))
    """
    t0 = time.perf_counter()
    x, y = _check_points(x, y)
    xs, inverse = np.unique(x, return_inverse=True)
    ys = np.zeros(xs.size)
    ys[inverse] = y
    clash = ys[inverse] != y
    if np.any(clash):
        i = int(np.flatnonzero(clash)[0])
        raise ValueError(f"interpolant_1d: x = {x[i]!r} appears with different targets "
                         f"({ys[inverse[i]]!r} and {y[i]!r}); no function passes through both.")

    if xs.size == 1:
        knots, coef = xs, np.zeros(1)
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            slopes = np.diff(ys) / np.diff(xs)
            change = np.r_[slopes[0], np.diff(slopes)]
        keep = change != 0
        keep[0] = True  # keep at least one unit, even for constant data
        knots, coef = xs[:-1][keep], change[keep]
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(knots))):
        raise ValueError("interpolant_1d: the slopes between neighbouring points overflow "
                         "float64 (x values too close for their y differences); rescale x "
                         "or y.")
    k = knots.size
    # unit j: relu(1 * t - knot_j)  (Keras layout: W1 is 1 x k)
    net = Network([np.ones((1, k)), coef.reshape(k, 1)], [-knots, np.array([ys[0]])],
                  hidden="relu", output="linear")
    value = mse(net, x.reshape(-1, 1), y)
    if not np.isfinite(value):
        raise ValueError("interpolant_1d: the network's outputs overflow float64 on these "
                         "points (slopes too steep for the range of x); rescale x or y.")
    # Exact in exact arithmetic; in floats the sums round. Claim "exact" only while
    # the rounding stays below 1e-8 of the targets' RMS (badly scaled points exceed it).
    exact = value <= 1e-16 * max(float(np.mean(y ** 2)), np.finfo(float).tiny)
    message = f"piecewise-linear interpolant of {xs.size} distinct points with {k} ReLU unit(s)"
    if not exact:
        message += (f"; rounding leaves MSE {value:.3g} (the points are badly scaled for "
                    "float64: rescale x or y)")
    return FitResult(network=net, loss=value, method="construct:interpolant_1d",
                     evidence="exact" if exact else "none", knots=knots, message=message,
                     time=time.perf_counter() - t0)

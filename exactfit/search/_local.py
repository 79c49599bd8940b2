"""Local optimisation: L-BFGS on all weights, output layer by exact least squares.

One :class:`Problem` holds the (scaled) data, the architecture and the objective
of :mod:`exactfit.losses`; every start, move and polish of the search goes
through :meth:`Problem.local`.
"""

import numpy as np
from scipy.optimize import least_squares, minimize

from ..activations import LEAKY_SLOPE, activation, activation_derivative
from ..construct._lstsq import solve_affine
from ..losses import Objective
from ..network import _forward, unflatten

# L-BFGS tolerances. Starts are only ranked against each other (distinct minima differ
# by far more than 1e-8 relative); the final answer gets a tight run.
_TOL = {"loose": {"ftol": 1e-8, "gtol": 1e-6},
        "normal": {"ftol": 1e-11, "gtol": 1e-8},
        "tight": {"ftol": 1e-14, "gtol": 1e-10}}
# Below this scaled loss (a fraction of var(y)) an exact fit is near. L-BFGS crawls there
# (scipy's ftol test is absolute, and convergence is linear), while Gauss-Newton converges
# quadratically on a zero-residual problem: Levenberg-Marquardt (MINPACK) takes over.
_NEAR_ZERO = 1e-5
# Levenberg-Marquardt forms the Jacobian (samples x outputs) x parameters: only below this
# many entries (~0.8 GB) is it used.
_MAX_JACOBIAN = 10 ** 8
#: Hidden activations that get the unit moves: piecewise linear with one kink at 0, so
#: that a unit is its hyperplane (positively homogeneous) and, its activation pattern
#: fixed, linear in its weights (the best unit for a residual, recombination and the
#: wide starts are exact for both). A few constructions stay ReLU's and only propose
#: starts for leaky ReLU, ``(1 - a) relu(z) + a z`` with a = 0.01 (the flip sets'
#: identity relu(z) - relu(-z) = z, the 1-D interval descent and ridge starts); every
#: start is settled and ranked on the true objective. Without the moves, default calls
#: on a held-out set of leaky-ReLU problems confirmed minima up to 1.56x above the
#: best-known (benchmarks/fresh.py --archs: benchmarks/results/fresh_archs.md).
PIECEWISE_LINEAR = ("relu", "leaky_relu")
# Slope below the kink of each of them (for the moves' candidate units, _units.best_unit).
_LEAK = {"relu": 0.0, "leaky_relu": LEAKY_SLOPE}


def has_unit_moves(sizes, act, out, loss):
    """Whether a network of layer `sizes` gets the unit moves (and the grown and wide starts,
    recombination): one hidden layer of a :data:`PIECEWISE_LINEAR` activation, a linear
    output and MSE (a least-squares output layer)."""
    return len(sizes) == 3 and act in PIECEWISE_LINEAR and out == "linear" and loss == "mse"


def has_top_moves(sizes, act, out, loss):
    """Whether a network of layer `sizes` gets the moves of its last hidden layer
    (:func:`._layerwise.top_layer_moves`): two or more hidden layers of a
    :data:`PIECEWISE_LINEAR` activation, a linear output and MSE."""
    return len(sizes) > 3 and act in PIECEWISE_LINEAR and out == "linear" and loss == "mse"


class Problem:
    """Scaled data and architecture of one search, with its objective.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sizes : tuple of int
        Layer sizes ``(n_features, hidden..., n_outputs)``.
    act, out : str
        Hidden and output activations.
    loss : {"mse", "mae"}
    maxiter : int
        L-BFGS iterations per run.
    """

    def __init__(self, X, Y, sizes, act, out, loss, maxiter):
        self.X, self.Y = X, Y
        self.sizes, self.act, self.out, self.loss = tuple(sizes), act, out, loss
        self.maxiter = maxiter
        self.obj = Objective(X, Y, sizes, act, out, loss)
        self.lstsq_output = loss == "mse" and out == "linear"
        self.unit_moves = has_unit_moves(self.sizes, act, out, loss)
        self.top_moves = has_top_moves(self.sizes, act, out, loss)
        self.leak = _LEAK.get(act, 0.0)

    @property
    def n(self):
        return self.X.shape[0]

    def value(self, theta):
        f = self.obj.value(theta)
        return f if np.isfinite(f) else np.inf

    def hidden(self, theta):
        """Last hidden layer's outputs, shape (n_samples, units)."""
        Ws, bs = unflatten(theta, self.sizes)
        acts = [self.act] * (len(self.sizes) - 2) + [self.out]
        return _forward(Ws, bs, acts, self.X)[1][-2]

    def polish(self, theta):
        """`theta` with its output layer replaced by the exact least-squares one (MSE, linear
        output); unchanged otherwise."""
        if not self.lstsq_output:
            return theta
        theta = theta.copy()
        H = self.hidden(theta)
        if not np.all(np.isfinite(H)):
            return theta
        Ws, bs = unflatten(theta, self.sizes)
        Ws[-1][...], bs[-1][...] = solve_affine(H, self.Y)
        return theta

    def local(self, theta, tol="normal", penalty=None, maxiter=None, abandon_above=None,
              near_zero=True):
        """L-BFGS from `theta`, output layer polished before and after; with `near_zero`,
        a nearly exact fit is then driven to zero loss (:meth:`_near_zero`).

        Returns ``(theta, loss, iterations)``; the loss is ``inf`` when the run
        diverged (non-finite weights or loss), so a failed start never ranks.
        """
        maxiter = self.maxiter if maxiter is None else maxiter
        theta = self.polish(theta)
        fun = self.obj if penalty is None else penalty
        callback = None if abandon_above is None else _Abandon(abandon_above)
        with np.errstate(over="ignore", invalid="ignore"):
            res = minimize(fun, theta, jac=True, method="L-BFGS-B", callback=callback,
                           options={"maxiter": maxiter, "maxcor": 20, **_TOL[tol]})
            theta, nit = res.x, int(res.nit)
            if (near_zero and penalty is None and tol != "loose"
                    and 0 < self.value(theta) < _NEAR_ZERO):
                theta, it = self._near_zero(theta, maxiter)
                nit += it
            if not np.all(np.isfinite(theta)):
                return theta, np.inf, nit
            theta = self.polish(theta)
            return theta, self.value(theta), nit


    def _near_zero(self, theta, maxiter):
        """Drive a nearly exact fit to zero loss: Levenberg-Marquardt when the Jacobian is
        affordable (one hidden ReLU layer, MSE, linear output), else L-BFGS with ftol=0."""
        n, m, p = self.n, self.Y.shape[1], theta.size
        if self.unit_moves and n * m >= p and n * m * p <= _MAX_JACOBIAN:
            res = least_squares(self._residuals, theta, jac=self._jacobian, method="lm",
                                xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=100 * (p + 1))
            if np.all(np.isfinite(res.x)) and self.value(res.x) <= self.value(theta):
                return res.x, int(res.njev or 0)
            return theta, int(res.njev or 0)
        res = minimize(self.obj, theta, jac=True, method="L-BFGS-B",
                       options={"maxiter": maxiter, "maxcor": 20, "ftol": 0.0, "gtol": 1e-15})
        return res.x, int(res.nit)

    def _split(self, theta):
        d, h, m = self.sizes
        i = (d + 1) * h
        return theta[:i].reshape(d + 1, h), theta[i:i + h * m].reshape(h, m), theta[i + h * m:]

    def _residuals(self, theta):
        Wa, W2, b2 = self._split(theta)
        H = activation(self.act)(self.obj._XaT.T @ Wa)
        return (H @ W2 + b2 - self.Y).ravel()

    def _jacobian(self, theta):
        """d residuals / d theta, rows (sample, output), columns in the flat layout."""
        Wa, W2, _ = self._split(theta)
        Xa = self.obj._XaT.T
        Z = Xa @ Wa
        H, slope = activation(self.act)(Z), activation_derivative(self.act)(Z)
        n, (d1, h), m = len(Xa), Wa.shape, W2.shape[1]
        J = np.empty((n, m, theta.size))
        for j in range(m):
            # d r_ij / d Wa[a, u] = Xa[i, a] * act'(z_iu) * W2[u, j]
            J[:, j, :d1 * h] = (Xa[:, :, None] * (slope * W2[:, j])[:, None, :]).reshape(n, -1)
            J[:, j, d1 * h:d1 * h + h * m] = 0.0
            J[:, j, d1 * h + j:d1 * h + h * m:m] = H  # d r_ij / d W2[u, j]
            J[:, j, d1 * h + h * m:] = 0.0
            J[:, j, d1 * h + h * m + j] = 1.0  # d r_ij / d b2[j]
        return J.reshape(n * m, -1)


class _Abandon:
    """L-BFGS callback: stop a run still 0.5% above `target` after 15 iterations."""

    def __init__(self, target):
        self.target, self.count = target, 0

    def __call__(self, intermediate_result):
        self.count += 1
        if self.count >= 15 and intermediate_result.fun > self.target * 1.005:
            raise StopIteration

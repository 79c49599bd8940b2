"""Exact global MSE optimum of a width-k two-layer ReLU network on 1-D inputs.

In the spirit of Arora, Basu, Mianjy & Mukherjee (2018), "Understanding deep
neural networks with rectified linear units": enumerate where the breakpoints
fall among the sorted data and solve a convex problem for each placement.

Why a finite enumeration is exact. Let ``u_1 < ... < u_N`` be the distinct inputs.
A unit ``a * relu(w x + b)`` is, on the data, a constant (``w = 0``) or
``alpha * relu(s (x - t))`` with ``s = sign(w)``. If ``t`` lies in
``[u_m, u_{m+1}]``, write ``t = (1 - lam) u_m + lam u_{m+1}``; then on every data
point ``relu(s (x - t)) = (1 - lam) relu(s (x - u_m)) + lam relu(s (x - u_{m+1}))``,
so the unit's data vector is ``p h_m + q h_{m+1}`` with ``p, q`` of the sign of
``alpha``. Breakpoints outside the data give a linear or zero vector plus a
constant, the same as a breakpoint at ``u_1`` or ``u_N``. Conversely every
``p h_m + q h_{m+1}`` with ``p q >= 0`` is a unit. Hence the network's fits on
the data are exactly ``c + sum_j sigma_j (p_j h_{m_j}^{s_j} + q_j h_{m_j+1}^{s_j})``
with ``p_j, q_j >= 0``: for each choice of ``(m_j, s_j, sigma_j)`` a non-negative
least-squares problem (with a free intercept), solved exactly by
``scipy.optimize.nnls``. The minimum over all choices is the global optimum.
"""

import itertools
import math
import time

import numpy as np
from scipy.optimize import nnls
from tqdm.auto import tqdm

from .._validation import check_data, check_positive_int
from ..losses import mse
from ..network import Network
from ..result import FitResult

__all__ = ["exact_1d"]


def exact_1d(x, y, hidden=2, max_configurations=1_000_000, progress=False):
    """Exact global minimum of the MSE of a 1 -> `hidden` ReLU -> 1 network on 1-D data.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, 1)
        One input feature.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        One output.
    hidden : int, default=2
        Width k of the hidden ReLU layer (linear output with bias).
    max_configurations : int, default=1_000_000
        Refuse to start when more breakpoint placements than this would be solved
        (``C(4 (N - 1), k)`` for N distinct inputs; about 20 microseconds each).
    progress : bool, default=False
        Show a progress bar over placements.

    Returns
    -------
    FitResult
        ``evidence="certified"``, ``method="certify:exact_1d"``; ``network`` is a
        global minimiser, ``loss`` its MSE (from :func:`exactfit.mse`);
        ``n_configurations`` placements were solved; ``certificate`` states the claim.

    Notes
    -----
    The module docstring gives the argument. The claim is: no network
    ``x -> sum_j a_j relu(w_j x + b_j) + c`` with k units reaches a lower MSE on
    these data. It is exact up to the floating-point accuracy of each NNLS solve.
    Cost grows as ``N^k``: meant for the small 1-D questions (lookup tables, abs,
    x^2, sawtooth), not for large N or k.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit.certify import exact_1d
    >>> x = np.linspace(-1, 1, 7)
    >>> exact_1d(x, np.abs(x), hidden=2).loss < 1e-20
    True
    """
    t0 = time.perf_counter()
    x_arr = np.asarray(x)
    if x_arr.ndim == 2 and x_arr.shape[1] != 1:
        raise ValueError(f"exact_1d needs 1-D inputs (one feature); got x with shape "
                         f"{x_arr.shape}. For several features use convex_relu or "
                         f"exactfit.fit_global.")
    if x_arr.ndim > 2:
        raise ValueError(f"x must be of shape (n_samples,) or (n_samples, 1); got {x_arr.shape}.")
    X, Y = check_data(x_arr.reshape(-1, 1) if x_arr.ndim == 1 else x_arr, y, "x", "y")
    if Y.shape[1] != 1:
        raise ValueError(f"exact_1d handles one output; got y with {Y.shape[1]} outputs "
                         f"(units shared across outputs make the subproblems non-convex).")
    k = check_positive_int(hidden, "hidden")
    max_configurations = check_positive_int(max_configurations, "max_configurations")
    xs, ys = X[:, 0], Y[:, 0]
    u = np.unique(xs)
    N = len(u)
    # Columns: h+_p = relu(x - u_p), h-_p = relu(u_p - x), centred (the intercept is free).
    Hp = np.maximum(xs[:, None] - u[None, :], 0.0)
    Hm = np.maximum(u[None, :] - xs[:, None], 0.0)
    Hp_c, Hm_c, yc = Hp - Hp.mean(0), Hm - Hm.mean(0), ys - ys.mean()
    # A unit option: (interval m, s, sigma) -> columns sigma*h^s_m, sigma*h^s_{m+1}.
    options = [(m, s, sg) for m in range(N - 1) for s in (1, -1) for sg in (1.0, -1.0)]
    r = min(k, len(options))
    n_conf = math.comb(len(options), r) if options else 1
    if n_conf > max_configurations:
        raise ValueError(f"exact_1d would solve {n_conf} breakpoint placements for "
                         f"{N} distinct inputs and hidden={k}, more than "
                         f"max_configurations={max_configurations}; use fewer points or "
                         f"units, or raise max_configurations.")
    # Each option at most once: the same cone twice adds nothing, and cones contain 0,
    # so fewer than k units are covered by every superset of options.
    best_sse, best_conf, best_coef = float(yc @ yc), (), np.zeros(0)
    for conf in tqdm(itertools.combinations(options, r), total=n_conf, desc="exact_1d",
                     disable=not progress, leave=False):
        A = np.empty((len(xs), 2 * r))
        for j, (m, s, sg) in enumerate(conf):
            H = Hp_c if s == 1 else Hm_c
            A[:, 2 * j] = sg * H[:, m]
            A[:, 2 * j + 1] = sg * H[:, m + 1]
        coef, rnorm = nnls(A, yc)
        sse = rnorm * rnorm
        if sse < best_sse:
            best_sse, best_conf, best_coef = sse, conf, coef
    net = _build(best_conf, best_coef, u, k, xs, ys)
    loss = mse(net, X, Y)
    cert = (f"no 1 -> {k} ReLU -> 1 network has MSE below {best_sse / len(ys):.10g} on these "
            f"{len(ys)} samples ({N} distinct inputs): minimum over all {n_conf} breakpoint "
            f"placements, each solved exactly by NNLS.")
    return FitResult(network=net, loss=loss, method="certify:exact_1d", evidence="certified",
                     message="exact global optimum by enumeration of breakpoint placements",
                     time=time.perf_counter() - t0, nit=n_conf, n_configurations=n_conf,
                     optimum=float(best_sse / len(ys)), certificate=cert)


def _build(conf, coef, u, k, xs, ys):
    """The network of a placement and its NNLS coefficients (unused units are zero)."""
    w1, b1, w2 = np.zeros(k), np.zeros(k), np.zeros(k)
    for j, (m, s, sg) in enumerate(conf):
        p, q = coef[2 * j], coef[2 * j + 1]
        if p + q <= 0:
            continue
        lam = q / (p + q)
        t = (1 - lam) * u[m] + lam * u[m + 1]
        w1[j], b1[j], w2[j] = s, -s * t, sg * (p + q)
    h = np.maximum(xs[:, None] * w1 + b1, 0.0)
    c = float(np.mean(ys - h @ w2))
    return Network([w1[None, :], w2[:, None]], [b1, np.array([c])], "relu", "linear")

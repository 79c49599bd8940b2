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
least-squares problem (with a free intercept). The minimum over all choices is
the global optimum.

This is the 1-D case of the argument in :mod:`._exact2d`: the choice ``(m, s)``
is the unit's activation pattern (the samples beyond the breakpoint), ``h_m``
and ``h_{m+1}`` are the ray units generating its cone, and a unit active on
every sample is affine. :func:`exact_1d` runs the shared engine
(:mod:`._enumeration`): pattern sets are bounded below by least squares without
sign constraints, and only sets whose bound beats the best loss found are solved
exactly (by branch and bound over the units' signs). :func:`_exact_1d_reference`
keeps the plain enumeration of every placement, as an independent check.
"""

import itertools

import numpy as np

from .._validation import check_positive_int
from ._enumeration import run_exact
from ._nnls import nnls_checked

__all__ = ["exact_1d"]


def exact_1d(x, y, hidden=2, incumbent=None, max_configurations=10_000_000_000,
             progress=False, max_time=None):
    """Exact global minimum of the MSE of a 1 -> `hidden` ReLU -> 1 network on 1-D data.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, 1)
        One input feature.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        One output.
    hidden : int, default=2
        Width k of the hidden ReLU layer (linear output with bias).
    incumbent : float, Network or FitResult, optional
        A known loss (MSE on these data) or a network with 1 input and 1 output
        (e.g. from :func:`exactfit.fit_global`): pattern sets whose lower bound
        is above it are skipped from the start. It only speeds the search up.
    max_configurations : int, default=10_000_000_000
        Refuse to start (ValueError) when more sign configurations than this would
        be considered: ``C(4 (N - 1) + 1, k)`` for N distinct inputs (see
        :func:`exact_cost`, which gives the count for free). Most are pruned by
        bounds; the bounding work is ``C(2 N - 1, k)``-ish pattern sets.
    progress : bool, default=False
        Show progress bars (tqdm) over pattern sets.
    max_time : float, optional
        Stop the enumeration after this many seconds (wall clock): the result is
        then the best network found so far, ``evidence="search"``, ``success=False``,
        ``timed_out=True``, with a warning, as after Ctrl-C. It is not certified.

    Returns
    -------
    FitResult
        ``evidence="certified"``, ``method="certify:exact_1d"``; ``network`` a
        global minimiser (up to the tolerance), ``loss`` its MSE from
        :func:`exactfit.mse`, ``optimum`` the certified minimum, ``tolerance``
        the claim's slack (``1e-9 * var(y)``), ``n_configurations`` (considered),
        ``n_solved`` (NNLS solves), ``n_pruned`` (configurations skipped by a
        bound), ``n_bounds``, ``certificate`` (the claim in words). When
        interrupted (Ctrl-C) the best network found so far is returned with
        ``evidence="search"``, ``success=False`` and a warning.

    Raises
    ------
    ValueError
        Bad input (the message names the argument), or a problem larger than
        `max_configurations`.

    See Also
    --------
    exact_2d : the same for two input features.
    exact_cost : the size of the enumeration, before running it.

    Notes
    -----
    The module docstring gives the argument. The claim is: no network
    ``x -> sum_j a_j relu(w_j x + b_j) + c`` with k units reaches an MSE below
    ``optimum - tolerance`` on these data. A single distinct input gives the
    constant fit (the mean); more units than useful leave the extra ones at zero.
    Cost: the bounds grow like ``N^k / k!``; ``benchmarks/exact.py`` compares it
    with the plain enumeration.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit.certify import exact_1d
    >>> x = np.linspace(-1, 1, 7)
    >>> exact_1d(x, np.abs(x), hidden=2).loss < 1e-20
    True
    """
    return run_exact(x, y, hidden, incumbent, max_configurations, progress, n_features=1,
                     name="exact_1d", X_name="x", y_name="y", max_time=max_time)


def _exact_1d_reference(x, y, hidden):
    """The plain enumeration of every breakpoint placement: ``(sse, n_placements)``.

    ``C(4 (N - 1), k)`` NNLS problems, each over the columns ``sigma h^s_m,
    sigma h^s_{m+1}`` of k distinct options ``(m, s, sigma)`` (each option at most
    once: the same cone twice adds nothing, and cones contain 0, so fewer than k
    units are covered by every superset). Independent of the engine; for tests
    and the benchmark's side-by-side timing. Returns the minimum SSE (sum over
    all samples), not a network.
    """
    xs = np.asarray(x, dtype=float).ravel()
    ys = np.asarray(y, dtype=float).ravel()
    k = check_positive_int(hidden, "hidden")
    u = np.unique(xs)
    N = len(u)
    # Columns: h+_p = relu(x - u_p), h-_p = relu(u_p - x), centred (the intercept is free).
    Hp = np.maximum(xs[:, None] - u[None, :], 0.0)
    Hm = np.maximum(u[None, :] - xs[:, None], 0.0)
    Hp_c, Hm_c, yc = Hp - Hp.mean(0), Hm - Hm.mean(0), ys - ys.mean()
    options = [(m, s, sg) for m in range(N - 1) for s in (1, -1) for sg in (1.0, -1.0)]
    r = min(k, len(options))
    best, count = float(yc @ yc), 0
    for conf in itertools.combinations(options, r):
        A = np.empty((len(xs), 2 * r))
        for j, (m, s, sg) in enumerate(conf):
            H = Hp_c if s == 1 else Hm_c
            A[:, 2 * j] = sg * H[:, m]
            A[:, 2 * j + 1] = sg * H[:, m + 1]
        count += 1
        best = min(best, nnls_checked(A, yc)[1])
    return best, max(count, 1)

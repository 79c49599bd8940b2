"""Exact global MSE optimum of a width-k two-layer ReLU network on 2-D inputs.

The argument (Arora, Basu, Mianjy & Mukherjee 2018 enumerate the same way).
Take n samples ``x_i`` in R^2 with targets ``y_i`` and a network
``f(x) = c + sum_j a_j relu(w_j . x + b_j)`` with k units.

1. *Row space.* Let ``A = [X, 1]`` and V an orthonormal basis of its row space
   (rank r: 3 in general, 2 for collinear samples, 1 for a single distinct
   point); ``B = A V`` has full column rank. On the data a unit only sees
   ``A (w, b) = B u`` with ``u = V^T (w, b)``.
2. *Signs.* ``a relu(z) = sigma relu(|a| z)`` with ``sigma = sign(a)``: fold
   ``|a|`` into u. A unit with ``a = 0`` is dropped.
3. *Patterns.* ``D = {i : (B u)_i > 0}``. If D is empty the unit is zero on the
   data and is dropped. Otherwise D is one of the nonempty patterns
   :func:`~exactfit.certify.enumerate_patterns` lists (all sets a line cuts out,
   the full set included), and u lies in the closed cone
   ``K(D) = {u : (B u)_i >= 0 on D, <= 0 off D}``, on which
   ``relu(B u) = 1_D * (B u)``. Samples exactly on the unit's line have
   ``relu = 0`` whichever side they are counted on: the closed cone holds both.
4. *Rays.* K(D) is pointed (``B u = 0`` forces ``u = 0``), so it is the conic
   hull of its extreme rays. A ray has r - 1 independent tight rows; distinct
   rows of A are never parallel, so for r = 3 it is ``+-(b_i x b_j)`` for two
   samples on it (the line through two points), for r = 2 a normal ``+-b_i^perp``,
   for r = 1 ``+-1``: all enumerated, and a candidate is a ray of K(D) exactly
   when it lies in K(D). Writing ``u = sum_t lam_t u_t`` (``lam >= 0``) over the
   rays of K(D), ``relu(B u) = 1_D * B u = sum_t lam_t relu(B u_t)``: each unit's
   data vector is a non-negative combination of its pattern's *ray units*
   (units whose line passes through two samples).
5. *Merging.* Two units with the same pattern and sign are one: K(D) is a convex
   cone and ``relu`` is additive on it. So the (pattern, sign) *options* of a
   network's units can be taken distinct; a network with fewer distinct
   options than k, or with units dropped above, is padded with unused options
   at zero coefficients (the zero unit), so k distinct options (all of them if
   there are fewer than k) describe every network.
6. *The full pattern* (a unit active on every sample) is affine on the data.
   With the free intercept one such unit gives *any* affine function ``B z``:
   take ``u = z + t e`` with ``B e = 1`` and ``t >= -min(B z)``, and subtract t
   from c. So it is one option, with both signs of its ray columns.
7. *Converse.* For any non-negative coefficients of a configuration, each
   option's ``u = sum lam_t u_t`` lies in K(D), so the combination is a real
   unit; the full option is one unit by 6; a pattern taken with both signs is
   two units. Hence the fits of k-unit networks on the data are exactly the
   union, over configurations of k options, of
   ``c + sum_options sigma * (non-negative combinations of ray units)``.
8. *Duplicates.* Equal inputs get equal outputs: the SSE is the weighted SSE of
   the distinct points' means (weights = counts) plus the spread of the
   duplicates about their means, which no network removes.

So the global optimum is the minimum, over configurations, of a non-negative
least-squares problem with a free intercept (the weighted columns and target
are centred), each solved exactly by an active-set method. The enumeration is
exhaustive over pattern *sets* (a pattern used by two units is taken with
opposite signs); configurations are skipped only when a lower bound on them is
at least the best loss found (minus the stated tolerance). The bounds drop
constraints, which can only lower a minimum: the unconstrained least squares
over the columns ``1_D * B`` of a set's patterns (they contain every ray unit of
both signs), then the same with one unit's sign and cone kept (solved exactly
over the cone's faces), then NNLS with some signs fixed (see
:mod:`._enumeration`).
"""

from ._enumeration import run_exact

__all__ = ["exact_2d"]


def exact_2d(X, y, hidden=2, incumbent=None, max_configurations=10_000_000_000,
             progress=False, max_time=None):
    """Certified global minimum of the MSE of a 2 -> `hidden` ReLU -> 1 network.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Two input features.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        One output.
    hidden : int, default=2
        Width k of the hidden ReLU layer (linear output with bias).
    incumbent : float, Network or FitResult, optional
        A known loss (MSE on these data) or a network with 2 inputs and 1 output
        (e.g. from :func:`exactfit.fit_global`): pattern sets whose lower bound
        is above it are skipped from the start. It only speeds the search up;
        the result is the same.
    max_configurations : int, default=10_000_000_000
        Refuse to start (ValueError) when more sign configurations than this
        would be considered (``C(2P - 1, k)`` for P activation patterns; see
        :func:`exact_cost`). Most are pruned by bounds; the bounding work, about
        ``C(P, k)`` least-squares bounds, grows like ``n^(2k)``. The default
        admits 3 units on 40 points (about 5e9 configurations, minutes; see
        ``benchmarks/exact.py``) and refuses what would take hours.
    progress : bool, default=False
        Show progress bars (tqdm) over pattern sets.
    max_time : float, optional
        Stop the enumeration after this many seconds (wall clock): the result is
        then the best network found so far, ``evidence="search"``, ``success=False``,
        ``timed_out=True``, with a warning, as after Ctrl-C. It is not certified.

    Returns
    -------
    FitResult
        ``evidence="certified"``, ``method="certify:exact_2d"``; ``network`` a
        global minimiser (up to the tolerance), ``loss`` its MSE from
        :func:`exactfit.mse`, ``optimum`` the certified minimum of the
        enumeration, ``tolerance`` the claim's slack (``1e-9 * var(y)``),
        ``n_configurations`` (considered), ``n_solved`` (NNLS solves),
        ``n_pruned`` (skipped by a bound), ``n_bounds`` (pattern sets bounded),
        ``n_patterns``, ``certificate`` (the claim in words). When interrupted
        (Ctrl-C) the best network found so far is returned with
        ``evidence="search"``, ``success=False`` and a warning: it is not
        certified.

    Raises
    ------
    ValueError
        Bad input (the message names the argument), or a problem larger than
        `max_configurations`.
    RuntimeError
        If `incumbent` is a network below the certified optimum: the
        certificate would be wrong (this is a bug; please report it).

    See Also
    --------
    exact_1d : the same for one input feature.
    exact_cost : the size of the enumeration, before running it.

    Notes
    -----
    The module docstring proves that the enumeration covers every network.
    The claim: no network ``x -> sum_j a_j relu(w_j . x + b_j) + c`` with k
    units has an MSE below ``optimum - tolerance`` on these data. Each
    configuration is a non-negative least-squares problem solved by
    ``scipy.optimize.nnls`` and checked against its KKT conditions. The work
    grows like ``n^(2k)`` (P is about n^2 patterns): meant for small samples.
    ``benchmarks/exact.py`` measures how far it reaches.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit.certify import exact_2d
    >>> rs = np.random.RandomState(0)
    >>> X = rs.uniform(-1, 1, size=(8, 2))
    >>> res = exact_2d(X, np.maximum(X[:, 0], 0.0), hidden=1)
    >>> res.loss < 1e-20
    True
    """
    return run_exact(X, y, hidden, incumbent, max_configurations, progress,
                     n_features=2, name="exact_2d", X_name="X", y_name="y", max_time=max_time)

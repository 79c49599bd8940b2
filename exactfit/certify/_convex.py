"""Convex reformulation of two-layer ReLU networks with weight decay (Pilanci & Ergen, 2020).

For data ``X`` (n x d), augmented ``Xa = [X, 1]`` and activation patterns
``D_i = diag(1[Xa g_i > 0])``, the program solved here is::

    minimise   0.5 * ||sum_i D_i Xa (v_i - w_i) - y||^2 + beta * sum_i (||v_i|| + ||w_i||)
    subject to (2 D_i - I) Xa v_i >= 0,  (2 D_i - I) Xa w_i >= 0.

Its Lagrange dual, used for the duality gap, is::

    maximise   -0.5 * ||z||^2 - z . y
    subject to ||Xa^T (D_i z) - Xa^T ((2 D_i - 1) * lam_i)|| <= beta,
               ||Xa^T (D_i z) + Xa^T ((2 D_i - 1) * mu_i)|| <= beta,  lam_i, mu_i >= 0,

whose optimum has ``z`` equal to the primal residual and ``lam, mu`` the
multipliers cvxpy returns for the orthant constraints.

Screening. Most orthant rows are redundant: pattern i's cone
``{u : (2 D_i - I) Xa u >= 0}`` is cut out by the rows on the extreme rays of the
cone they generate (:func:`~exactfit.certify._patterns.orthant_facets`). The
program keeps only those: same feasible set, same optimum, far fewer rows. A
dual point of the screened program with zero multipliers on the dropped rows
satisfies the full dual's constraints term for term (the dropped rows add
``0 * a_j``), so the certificate below, evaluated on all rows, stays valid.
"""

import math
import time
import warnings

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from .._validation import (check_bool, check_data, check_memory, check_network,
                           check_nonnegative, check_positive_int, check_random_state)
from ..losses import mse
from ..network import Network
from ..result import FitResult
from ._patterns import (_as_pattern_matrix, augment, enumerate_patterns, network_patterns,
                        orthant_facets, sample_patterns)

__all__ = ["convex_relu", "regularized_objective", "beta_path", "PATTERN_MODES"]

#: Ways of choosing the activation patterns of :func:`convex_relu`.
PATTERN_MODES = ("auto", "enumerate", "sample")

# Above this many samples, "auto" samples patterns for 2-D data instead of
# enumerating the ~n^2 patterns of the arrangement.
_AUTO_ENUMERATE_MAX_SAMPLES = 60

# Gaps below this fraction of the zero network's objective are round-off (times tol).
_GAP_FLOOR = 1e-6
# Neurons with ||v|| below this fraction of the largest are solver round-off.
_NEURON_RTOL = 1e-7
# Interior-point solutions are not exactly sparse: neurons below this fraction of
# the largest ||v|| are not counted in the effective width.
_EFFECTIVE_RTOL = 1e-4


def regularized_objective(network, X, y, beta):
    """``0.5 * n * mse + beta / 2 * (||W1||^2 + ||b1||^2 + ||W2||^2)`` of a two-layer net.

    The non-convex objective whose global minimum :func:`convex_relu` computes:
    half the sum of squared errors (from :func:`exactfit.mse`) plus weight decay on
    every weight and first-layer bias. The output bias is not part of that model
    and must be zero.

    Parameters
    ----------
    network : Network or FitResult
        Two-layer, ReLU hidden layer, linear output.
    X, y : array-like
    beta : float
        Weight decay, >= 0.

    Returns
    -------
    float
    """
    beta = check_nonnegative(beta, "beta")
    network = check_network(network, "network")
    _check_relu_net(network)
    X, Y = check_data(X, y)
    if X.shape[1] != network.n_inputs or Y.shape[1] != network.n_outputs:
        raise ValueError(f"X, y have {X.shape[1]} features and {Y.shape[1]} output(s) but the "
                         f"network is {network.layer_sizes}.")
    if np.any(network.biases[1] != 0):
        raise ValueError("network has a nonzero output bias, which the weight-decay model of "
                         "convex_relu does not include; set network.biases[1] to zeros.")
    W1, W2 = network.weights
    sq = float(np.sum(W1 ** 2) + np.sum(network.biases[0] ** 2) + np.sum(W2 ** 2))
    return 0.5 * Y.size * mse(network, X, Y) + 0.5 * beta * sq


def _check_relu_net(network):
    if not isinstance(network, Network) or len(network.weights) != 2 \
            or network.hidden != "relu" or network.output != "linear":
        raise ValueError(f"network must be a two-layer Network with hidden='relu' and "
                         f"output='linear'; got {network!r}.")


def _check_solver(solver):
    installed = cp.installed_solvers()
    if not isinstance(solver, str) or solver.upper() not in installed:
        raise ValueError(f"solver {solver!r} is not installed for cvxpy; installed solvers: "
                         f"{installed}.")
    return solver.upper()


def _choose_patterns(X, patterns, networks, n_patterns, random_state):
    """Pattern matrix (n, P) and whether it is the complete arrangement."""
    n, d = X.shape
    full = None
    if isinstance(patterns, str):
        if patterns not in PATTERN_MODES:
            raise ValueError(f"Unknown patterns {patterns!r}; expected one of "
                             f"{list(PATTERN_MODES)} or a boolean array of shape (n_samples, "
                             f"n_patterns).")
        mode = patterns
        if mode == "auto":
            mode = "enumerate" if d == 1 or (d == 2 and n <= _AUTO_ENUMERATE_MAX_SAMPLES) \
                else "sample"
        if mode == "enumerate":
            P = full = enumerate_patterns(X)
        else:
            P = sample_patterns(X, n_patterns, random_state)
    else:
        P = np.asarray(patterns)
        if P.ndim != 2 or P.shape[0] != n or P.shape[1] == 0:
            raise ValueError(f"patterns must be a non-empty array of shape (n_samples={n}, "
                             f"n_patterns); got shape {P.shape}.")
        if not np.all((P == 0) | (P == 1)):
            raise ValueError("patterns must hold only 0/1 (or boolean) entries.")
    if networks is not None:
        P = np.hstack([np.asarray(P, dtype=bool), network_patterns(networks, X)])
    P = _as_pattern_matrix(P, n)
    if P.shape[1] == 0:
        raise ValueError("the pattern set is empty once all-zero patterns are removed: give "
                         "at least one pattern that activates some sample.")
    # m distinct hyperplanes of rank >= 2 cut space into at least 2m regions: fewer
    # patterns than 2m - 1 (the all-zero one is dropped) cannot be complete.
    n_distinct = len(np.unique(X, axis=0))
    if full is None and d <= 2 and n <= 4 * _AUTO_ENUMERATE_MAX_SAMPLES \
            and P.shape[1] >= 2 * n_distinct - 1:
        full = enumerate_patterns(X)
    complete = full is not None and _contains(P, full)
    return P, complete


def _contains(P, full):
    have = {c.tobytes() for c in P.T}
    return all(c.tobytes() in have for c in full.T)


def convex_relu(X, y, beta, patterns="auto", networks=None, n_patterns=200,
                random_state=None, solver="CLARABEL", solver_kwargs=None, screen=True,
                tol=1e-6):
    """Global optimum of a weight-decayed two-layer ReLU network, by its convex program.

    Solves the Pilanci-Ergen program (module docstring) with cvxpy, recovers a
    network from its solution, and checks the solution with an independent dual
    certificate.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Several outputs are solved one at a time: this program shares no hidden
        unit across outputs, so its optimum is that of one independent network per
        output (stacked side by side in the returned network).
    beta : float
        Weight decay, >= 0 (the penalty ``beta/2 * ||weights||^2`` of
        :func:`regularized_objective`).
    patterns : {"auto", "enumerate", "sample"} or array-like of shape (n_samples, n_patterns)
        Activation patterns ``D_i``. "enumerate": every pattern of the hyperplane
        arrangement (1-D and 2-D inputs). "sample": `n_patterns` random hyperplanes
        through data points. "auto": enumerate for 1-D inputs and for 2-D inputs
        with at most 60 samples, else sample. An array gives the patterns (0/1 per
        sample and pattern). All-zero and duplicate patterns are dropped.
    networks : list of Network or FitResult, optional
        Two-layer networks whose first-layer patterns are added, so the certificate
        covers them (e.g. the optimum found by :func:`exactfit.fit_global`).
    n_patterns : int, default=200
        Gates drawn when sampling.
    random_state : int, RandomState or None
        Seed of the sampled gates.
    solver : str, default="CLARABEL"
        A cvxpy solver that handles second-order cones (CLARABEL, SCS, ...).
    solver_kwargs : dict, optional
        Passed to ``cvxpy.Problem.solve``.
    screen : bool, default=True
        Drop the orthant constraints that the others imply (exactly: each pattern's
        feasible cone is unchanged, so is the optimum; module docstring). Applies
        to data of rank up to 4 (``n_features <= 3``); wider data keep every row.
        ``False`` solves the program with all ``n`` rows per pattern.
    tol : float, default=1e-6
        The claim is certified when the independently evaluated duality gap is at
        most ``tol * (network_objective + 1e-6 * 0.5 * ||y||^2)``: relative to the
        recovered network's objective, with a floor at a millionth of the zero
        network's objective so that an exact fit can be certified (see Returns).

    Returns
    -------
    FitResult
        ``method="certify:convex_relu"``. ``evidence="certified"`` and
        ``success=True`` only when the duality gap is within `tol` (above): the
        gap is evaluated here from the recovered network and a dual-feasible point,
        independently of the solver's status and its reported objective (a solver
        at a loose tolerance or an iteration limit can report "optimal" with an
        objective below the true optimum). Otherwise ``evidence="bound"``,
        ``success=False`` and the message says what holds: ``dual_bound`` is still
        a valid lower bound on the optimum, and the network is within
        ``duality_gap`` of it. ``certified`` (bool) and ``relative_gap`` record the
        test. Further fields:

        - ``network``: the recovered network (``n_neurons`` hidden units, zero output
          bias); ``loss``: its MSE. ``effective_width``: units with ``||v||`` at
          least 1e-4 of the largest (interior-point solutions are not exactly sparse).
          Units are ordered by pattern, not by size.
        - ``objective``: the optimal value the solver reports (not checked by itself);
          ``network_objective``: the recovered network's :func:`regularized_objective`,
          an upper bound on the optimum.
        - ``dual_bound``: a lower bound on the convex optimum from a dual-feasible
          point built from cvxpy's multipliers; ``duality_gap``:
          ``network_objective - dual_bound``. With ``beta=0`` an inexact dual point
          cannot be scaled into feasibility, so the bound falls back to 0.
        - ``primal_infeasibility``, ``dual_infeasibility``, ``complementarity``:
          the largest violation of each optimality condition.
        - ``patterns`` (n_samples, n_patterns) and ``complete``: whether they are
          every pattern of the arrangement (checkable for 1-D and 2-D inputs).
        - ``n_constraints``: orthant rows in the program, per sign (``v`` or ``w``)
          and summed over patterns (``n_samples * n_patterns`` without screening).
        - ``status``, ``solver``, ``solver_stats``, ``beta``, ``certificate`` (text).

    Notes
    -----
    What it proves. Every two-layer ReLU network of any width whose hidden
    units' patterns lie in the set maps to a feasible point of the program with
    no larger objective, so ``dual_bound`` is a lower bound on
    :func:`regularized_objective` of every such network, and the recovered network
    attains it up to ``duality_gap``. When ``complete`` is True, this holds for
    every two-layer ReLU network (any width, zero output bias).

    Scaling. The program is solved on ``Xa / a`` and ``y / c`` (``a`` the largest
    entry of ``[X, 1]``, ``c`` the largest ``|y|``) with ``beta / (a c)``, which has
    the same minimisers up to the factor ``c / a`` on every weight and objective
    ``1 / c^2`` times the original: solvers see numbers near 1 whatever the units
    of the data. The dual bound is evaluated on that scaled program (where
    nothing overflows) and multiplied by ``c^2``; the network, its MSE and its
    objective are computed in the original units.

    What it does not prove. It does not certify the minimum MSE of a fixed-width
    network without weight decay: weight decay changes the optimum, and the width
    of the optimal network is whatever the program picks. :func:`beta_path` bridges
    the two, as a search, not a certificate.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit.certify import convex_relu
    >>> X = np.linspace(-1, 1, 9)[:, None]
    >>> res = convex_relu(X, np.abs(X[:, 0]), beta=1e-3)
    >>> res.complete, res.duality_gap < 1e-6
    (True, True)
    """
    t0 = time.perf_counter()
    beta = check_nonnegative(beta, "beta")
    X, Y = check_data(X, y)
    n_patterns = check_positive_int(n_patterns, "n_patterns")
    solver = _check_solver(solver)
    screen = check_bool(screen, "screen")
    tol = check_nonnegative(tol, "tol")
    if solver_kwargs is not None and not isinstance(solver_kwargs, dict):
        raise TypeError(f"solver_kwargs must be a dict of options for cvxpy's solve; got "
                        f"{type(solver_kwargs).__name__}.")
    rs = check_random_state(random_state)
    P, complete = _choose_patterns(X, patterns, networks, n_patterns, rs)
    n, p, m = X.shape[0], P.shape[1], X.shape[1] + 1
    # The dense prediction map M (n x p m) and its copies inside cvxpy dominate.
    check_memory(8 * 6 * float(n) * p * m, f"convex_relu on {n} samples with {p} patterns",
                 "Use fewer samples or patterns (n_patterns, patterns=...).")
    Xa = augment(X)
    # The cones depend on the patterns only, not on y: screen once for all outputs.
    keep = orthant_facets(Xa, P) if screen else [np.arange(len(Xa))] * P.shape[1]
    parts = [_solve_one(Xa, Y[:, k], P, keep, beta, solver, solver_kwargs or {})
             for k in range(Y.shape[1])]
    net = _stack_networks([p["neurons"] for p in parts], X.shape[1])
    objective = sum(p["objective"] for p in parts)
    # The objective is a sum of squares plus norms: 0 is a lower bound as well.
    dual_bound = sum(max(p["dual_bound"], 0.0) for p in parts)
    net_obj = regularized_objective(net, X, Y, beta)
    gap = net_obj - dual_bound
    rel_gap = gap / net_obj if net_obj > 0 else (0.0 if gap <= 0 else math.inf)
    # Relative to the network's objective, with a floor of 1e-6 of the zero network's
    # objective 0.5 ||y||^2 (the problem's scale), so an exact fit (objective ~ 0) can
    # be certified: a gap below that floor is round-off.
    certified = bool(gap <= tol * (net_obj + _GAP_FLOOR * 0.5 * float(np.sum(Y ** 2))))
    statuses = [p["status"] for p in parts]
    scope = ("every two-layer ReLU network (the pattern set is the complete arrangement)"
             if complete else "two-layer ReLU networks whose units' patterns are in the set "
             "(the set is not the complete arrangement)")
    cert = (f"0.5*SSE + beta/2*||weights||^2 >= {dual_bound:.10g} for {scope}, any width, "
            f"zero output bias; the returned {net.layer_sizes[1]}-unit network attains "
            f"{net_obj:.10g} (gap {gap:.3g}, relative {rel_gap:.3g}). Not a bound on the "
            f"fixed-width MSE optimum.")
    head = f"{solver}: {', '.join(statuses)}; {P.shape[1]} patterns" \
        + (" (complete arrangement)" if complete else "")
    if certified:
        message = (f"{head}; certified: duality gap {gap:.3g} (relative {rel_gap:.3g}) within "
                   f"tol {tol:g}")
    else:
        message = (f"{head}; NOT certified: duality gap {gap:.3g} (relative {rel_gap:.3g}) "
                   f"beyond tol {tol:g}. "
                   f"What holds: the optimum lies in [{dual_bound:.6g}, {net_obj:.6g}] "
                   f"(dual_bound is a valid lower bound; the network attains the upper end)."
                   + (" Tighten the solver's tolerances (solver_kwargs) or use CLARABEL."
                      if solver != "CLARABEL" else " Tighten the solver's tolerances "
                      "(solver_kwargs)."))
        warnings.warn(f"convex_relu: {message}", ConvergenceWarning, stacklevel=2)
    return FitResult(
        network=net, loss=mse(net, X, Y), method="certify:convex_relu",
        success=certified, message=message,
        evidence="certified" if certified else "bound", time=time.perf_counter() - t0,
        random_state=random_state if isinstance(random_state, int) else None,
        objective=objective, network_objective=net_obj, dual_bound=dual_bound,
        duality_gap=gap, relative_gap=rel_gap, certified=certified, tol=tol,
        primal_infeasibility=max(p["primal_infeasibility"] for p in parts),
        dual_infeasibility=max(p["dual_infeasibility"] for p in parts),
        complementarity=max(p["complementarity"] for p in parts),
        patterns=P, n_patterns=P.shape[1], complete=complete, n_neurons=net.layer_sizes[1],
        n_constraints=int(sum(len(k) for k in keep)),
        effective_width=_effective_width(net),
        beta=beta, status=statuses[0] if len(statuses) == 1 else statuses, solver=solver,
        solver_stats=[p["solver_stats"] for p in parts] if len(parts) > 1
        else parts[0]["solver_stats"],
        certificate=cert)


def _solve_one(Xa, y, P, keep, beta, solver, solver_kwargs):
    """Solve the program for one output; return neurons and the certificate pieces.

    ``keep[i]`` lists the samples whose orthant constraints pattern i keeps.
    """
    n, m = Xa.shape
    p = P.shape[1]
    D = P.astype(float)
    S = 2.0 * D - 1.0
    # Solve on Xa / a, y / c with beta / (a c): the same program up to the factor c / a
    # on every weight (class docstring); everything below is mapped back.
    a = float(np.max(np.abs(Xa)))
    c = float(np.max(np.abs(y))) or 1.0
    y_s = y / c
    Xs = Xa / a
    rows = np.concatenate(keep)
    cols = np.repeat(np.arange(p), [len(k) for k in keep])
    # The zero network is optimal when z = -y is dual feasible with zero multipliers,
    # ||Xa^T D_i y|| <= beta for every pattern: then no solver is needed (and a very
    # large beta, which solvers handle badly, is answered exactly).
    if np.max(np.linalg.norm(Xs.T @ (D * y_s[:, None]), axis=0)) <= beta / (a * c):
        Vs = Ws = np.zeros((p, m))
        lam = mu = np.zeros((n, p))
        status, value = cp.OPTIMAL, 0.5 * float(y_s @ y_s)
        solver_stats = {"solver_name": "closed form (zero network)", "solve_time": 0.0,
                        "setup_time": 0.0, "num_iters": 0}
    else:
        Vs, Ws, lam, mu, status, value, solver_stats = _solve_scaled(
            Xs, y_s, D, S, keep, rows, cols, beta / (a * c), solver, solver_kwargs)
    # The certificate is homogeneous: evaluated on the scaled program (where every
    # number is near 1 and nothing overflows), its bound times c^2 bounds the original.
    cert = _dual_certificate(Xa / a, y_s, D, S, Vs, Ws, lam, mu, beta / (a * c))
    cert["dual_bound"] *= c * c
    cert["dual_infeasibility"] *= a * c
    cert["primal_infeasibility"] *= c
    cert["complementarity"] *= c * c
    # Back to the original units: every weight times c / a.
    cert.update(status=status, objective=value * c * c, solver_stats=solver_stats,
                neurons=_neurons(Vs * (c / a), Ws * (c / a)))
    return cert


def _solve_scaled(Xs, y_s, D, S, keep, rows, cols, beta, solver, solver_kwargs):
    """cvxpy on the scaled program; returns its weights, multipliers, status, value."""
    n, m = Xs.shape
    p = D.shape[1]
    # Linear maps on vec(V) (row-major, V is p x m): prediction and orthant constraints.
    # M = [D_1 Xa, ..., D_p Xa] and G = blockdiag((2 D_i - 1) Xa restricted to the
    # kept rows), built sparse so that cvxpy compiles in time linear in the number
    # of patterns.
    M = (D[:, :, None] * Xs[:, None, :]).reshape(n, p * m)
    G = sp.block_diag([S[k, i:i + 1] * Xs[k] for i, k in enumerate(keep)], format="csr")
    v = cp.Variable(p * m)
    w = cp.Variable(p * m)
    pred = M @ (v - w)
    objective = 0.5 * cp.sum_squares(pred - y_s) + beta * (
        cp.sum(cp.norm(cp.reshape(v, (p, m), order="C"), 2, axis=1))
        + cp.sum(cp.norm(cp.reshape(w, (p, m), order="C"), 2, axis=1)))
    cons = [G @ v >= 0, G @ w >= 0]
    prob = cp.Problem(cp.Minimize(objective), cons)
    try:
        prob.solve(solver=solver, **solver_kwargs)
    except cp.error.SolverError as exc:
        raise cp.error.SolverError(f"cvxpy solver {solver} failed on the convex ReLU "
                                   f"program: {exc}") from exc
    except TypeError as exc:  # an option the solver does not know
        raise TypeError(f"solver_kwargs: {exc}") from None
    status = prob.status
    if status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise cp.error.SolverError(f"cvxpy solver {solver} returned status {status!r} on the "
                                   f"convex ReLU program (always feasible and bounded): no "
                                   f"solution to certify.")
    if status == cp.OPTIMAL_INACCURATE:
        warnings.warn(f"{solver} returned 'optimal_inaccurate'; the certificate's gap tells "
                      f"how far from optimal the solution is.", ConvergenceWarning, stacklevel=4)
    Vs = np.asarray(v.value).reshape(p, m)
    Ws = np.asarray(w.value).reshape(p, m)
    # (n, p) multipliers, column i is lam_i; dropped rows get 0, which the full
    # dual accepts (they enter its constraints only as 0 * a_j).
    lam = np.zeros((n, p))
    mu = np.zeros((n, p))
    lam[rows, cols] = np.asarray(cons[0].dual_value).ravel()
    mu[rows, cols] = np.asarray(cons[1].dual_value).ravel()
    stats = prob.solver_stats
    solver_stats = {"solver_name": stats.solver_name, "solve_time": stats.solve_time,
                    "setup_time": stats.setup_time, "num_iters": stats.num_iters}
    return Vs, Ws, lam, mu, status, float(prob.value), solver_stats


def _dual_certificate(Xa, y, D, S, V, W, lam, mu, beta):
    """Dual bound, infeasibilities and complementarity of a primal-dual pair."""
    z = np.sum(D * (Xa @ (V - W).T), axis=1) - y  # the residual is the optimal dual z
    Dz = D * z[:, None]
    lam = np.maximum(lam, 0.0)  # project multipliers onto their domain
    mu = np.maximum(mu, 0.0)
    Rv = np.linalg.norm(Xa.T @ (Dz - S * lam), axis=0)
    Rw = np.linalg.norm(Xa.T @ (Dz + S * mu), axis=0)
    worst = max(Rv.max(), Rw.max())
    if beta > 0:
        # Scale (z, lam, mu) into the dual feasible set: a valid lower bound.
        c = max(1.0, worst / beta)
        dual_bound = -0.5 * (z @ z) / c ** 2 - (z @ y) / c
    elif worst == 0:
        dual_bound = -0.5 * (z @ z) - z @ y
    else:
        # With beta = 0 the dual constraints are equalities that no scaling restores:
        # fall back on the trivial bound (the objective is a sum of squares).
        dual_bound = 0.0
    GV = S * (Xa @ V.T)
    GW = S * (Xa @ W.T)
    return {
        "dual_bound": float(dual_bound),
        "dual_infeasibility": float(max(0.0, worst - beta)),
        "primal_infeasibility": float(max(0.0, -GV.min(), -GW.min())),
        "complementarity": float(max(np.abs(lam * GV).max(), np.abs(mu * GW).max())),
    }


def _neurons(V, W):
    """(u, alpha) pairs: u = v / sqrt(||v||), alpha = +-sqrt(||v||), tiny ones dropped."""
    norms = np.concatenate([np.linalg.norm(V, axis=1), np.linalg.norm(W, axis=1)])
    U = np.vstack([V, W])
    signs = np.concatenate([np.ones(len(V)), -np.ones(len(W))])
    keep = norms > _NEURON_RTOL * max(norms.max(), 1e-300)
    keep &= norms > 0
    r = np.sqrt(norms[keep])
    return U[keep] / r[:, None], signs[keep] * r


def _effective_width(net):
    """Units whose ||v|| = a^2 (at the balanced recovery) is >= 1e-4 of the largest."""
    size = np.sum(net.weights[1] ** 2, axis=1)
    return int(np.sum(size >= _EFFECTIVE_RTOL * size.max())) if size.max() > 0 else 0


def _stack_networks(neuron_sets, d):
    """One hidden layer holding each output's neurons; output k reads only its own."""
    cols, outs = [], []
    for k, (U, a) in enumerate(neuron_sets):
        cols.append(U)
        block = np.zeros((len(a), len(neuron_sets)))
        block[:, k] = a
        outs.append(block)
    U = np.vstack(cols) if cols else np.zeros((0, d + 1))
    A = np.vstack(outs)
    if len(U) == 0:  # beta so large that the zero network is optimal
        U = np.zeros((1, d + 1))
        A = np.zeros((1, len(neuron_sets)))
    return Network([U[:, :d].T, A], [U[:, d], np.zeros(A.shape[1])], "relu", "linear")


def beta_path(X, y, hidden, betas=None, patterns="auto", n_patterns=200, random_state=None,
              solver="CLARABEL", fit_global_kwargs=None, progress=False):
    """Smallest MSE found with at most `hidden` neurons along a weight-decay path.

    For each ``beta`` the convex program gives the weight-decay optimum and its
    width; every solution with at most `hidden` neurons is padded to `hidden`
    units and polished on the plain MSE by L-BFGS (all weights, output bias free).
    :func:`exactfit.fit_global` at width `hidden` runs too, and the best network of
    all is returned.

    Parameters
    ----------
    X, y : array-like
        One output.
    hidden : int
        Width k.
    betas : array-like, optional
        Weight decays, default ``var(y) * n * logspace(-6, 0, 13)``.
    patterns, n_patterns, solver :
        As in :func:`convex_relu`.
    random_state : int, RandomState or None
        Seeds the patterns, the padding units and ``fit_global``.
    fit_global_kwargs : dict, optional
        Extra arguments of :func:`exactfit.fit_global`.
    progress : bool, default=False
        Show a progress bar over the betas.

    Returns
    -------
    FitResult
        ``evidence="search"`` (the fixed-width MSE optimum is not certified),
        ``method="certify:beta_path"``, and ``path``: a list of dicts with
        ``beta, n_neurons`` (effective width), ``objective, duality_gap, mse_convex,
        mse_polished``
        (``mse_polished`` is None where the width exceeds `hidden`),
        ``fit_global_loss`` and ``source`` ("beta=..." or "fit_global").
    """
    import exactfit  # fit_global lives at the package root
    from scipy.optimize import minimize
    from tqdm.auto import tqdm

    from ..construct._lstsq import solve_affine
    from ..losses import Objective

    t0 = time.perf_counter()
    X, Y = check_data(X, y)
    if Y.shape[1] != 1:
        raise ValueError(f"beta_path handles one output; got y with {Y.shape[1]} outputs.")
    hidden = check_positive_int(hidden, "hidden")
    n_patterns = check_positive_int(n_patterns, "n_patterns")
    # The L-BFGS polish holds a few (hidden x n_samples) arrays (pre-activations,
    # activations, their gradient and temporaries).
    check_memory(8 * 8 * float(hidden) * (X.shape[0] + X.shape[1] + 2),
                 f"beta_path(hidden={hidden}) on {X.shape[0]} samples", "Use fewer units.")
    progress = check_bool(progress, "progress")
    if fit_global_kwargs is not None and not isinstance(fit_global_kwargs, dict):
        raise TypeError(f"fit_global_kwargs must be a dict; got "
                        f"{type(fit_global_kwargs).__name__}.")
    rs = check_random_state(random_state)
    seeds = rs.randint(np.iinfo(np.int32).max, size=3)
    if betas is None:
        betas = float(np.var(Y)) * len(Y) * np.logspace(-6, 0, 13)
    if np.iscomplexobj(betas):
        raise TypeError("betas must be real weight decays; got complex values.")
    try:
        betas = np.atleast_1d(np.asarray(betas, dtype=float))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"betas must be a sequence of weight decays >= 0: {exc}") from None
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D sequence of weight decays; got shape "
                         f"{betas.shape}.")
    for b in betas:
        check_nonnegative(float(b), "betas")
    P, _ = _choose_patterns(X, patterns, None, n_patterns, check_random_state(seeds[0]))
    sizes = (X.shape[1], hidden, 1)
    obj = Objective(X, Y, sizes, "relu", "linear", "mse")
    pad_rs = check_random_state(seeds[1])
    best_theta, best_loss, source, path = None, np.inf, None, []
    for beta in tqdm(betas, desc="beta path", disable=None if progress else True, leave=False):
        res = convex_relu(X, Y, beta, patterns=P, solver=solver)
        row = {"beta": float(beta), "n_neurons": res.effective_width,
               "objective": res.objective, "duality_gap": res.duality_gap,
               "mse_convex": res.loss, "mse_polished": None}
        if res.effective_width <= hidden:
            W1 = np.zeros((X.shape[1], hidden))
            b1 = np.zeros(hidden)
            k = res.effective_width
            top = np.argsort(-np.sum(res.network.weights[1] ** 2, axis=1))[:k]
            W1[:, :k], b1[:k] = res.network.weights[0][:, top], res.network.biases[0][top]
            # Spare units: boundaries through random samples (their output weight starts at 0).
            g = pad_rs.normal(size=(X.shape[1], hidden - k))
            W1[:, k:] = g
            b1[k:] = -np.sum(X[pad_rs.randint(len(X), size=hidden - k)] * g.T, axis=1)
            W2, b2 = solve_affine(np.maximum(X @ W1 + b1, 0), Y)
            theta0 = Network([W1, W2], [b1, b2]).to_flat()
            out = minimize(obj, theta0, jac=True, method="L-BFGS-B",
                           options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
            loss = obj.value(out.x)
            row["mse_polished"] = float(loss)
            if loss < best_loss:
                best_theta, best_loss, source = out.x, loss, f"beta={beta:.3g}"
        path.append(row)
    fg = exactfit.fit_global(X, Y, hidden=hidden, random_state=int(seeds[2]),
                             **(fit_global_kwargs or {}))
    if fg.loss < best_loss:
        best_theta, best_loss, source = fg.network.to_flat(), fg.loss, "fit_global"
    net = Network.from_flat(best_theta, sizes, "relu", "linear")
    return FitResult(network=net, loss=mse(net, X, Y), method="certify:beta_path",
                     evidence="search", time=time.perf_counter() - t0,
                     random_state=random_state if isinstance(random_state, int) else None,
                     message=f"best of {sum(r['mse_polished'] is not None for r in path)} "
                             f"polished convex solutions and fit_global; from {source}",
                     path=path, fit_global_loss=float(fg.loss), source=source)

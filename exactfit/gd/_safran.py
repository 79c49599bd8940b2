"""Safran & Shamir's gradient descent on the population loss, batched over seeds (PyTorch).

The protocol of "Spurious local minima are common in two-layer ReLU neural
networks" (ICML 2018), read from their code (github.com/ItaySafran/
OneLayerGDconvergence, ``GD_code/findBadMinima.m``, ``findMinimum.m``,
``objval.m``):

- teacher ``sum_{i<=k} relu(v_i . x)``, ``v_i = e_i`` in ``R^d`` with ``d = k``;
  student ``sum_{j<=n} relu(w_j . x)``, output weights fixed at 1, no biases;
  ``x ~ N(0, I_d)``;
- objective ``F(W) = E[(student - teacher)^2] / 2`` in closed form
  (:mod:`exactfit.population`; ``objval.m``);
- ``W0 = randn(d, n) / sqrt(d)`` ("Xavier initialization");
- plain gradient descent ``W -= 0.1 grad F(W)``. Their code computes
  ``G = 2 pi grad F`` and steps by ``0.1 / (2 pi) * G``;
- it stops once ``max_j ||G[:, j]|| <= 1e-9``: the largest **column norm**
  (per student unit) of ``2 pi grad F``, computed before the step, which is
  still taken;
- if that norm exceeds ``1e4`` ("Divergence") it restarts from ``W0`` with half
  the step;
- a run is stuck ("bad minimum") when it ends with ``F >= 1e-3``.

Where we had to choose: MATLAB's ``abs(acos(c))`` turns a cosine rounded just
above 1 into a tiny positive angle; we clip cosines to ``[-1, 1]`` (the two
differ by ~1e-24 in the gradient). Their loop has no iteration limit; ours stops
at `max_iter` and says so (``success=False``). Their random numbers are MATLAB's;
ours are ``numpy.random.default_rng(seed).standard_normal((d, n)) / sqrt(d)``,
the same distribution.
"""

import math
import time

import numpy as np
from tqdm.auto import tqdm

from .._validation import check_nonnegative, check_positive_int
from ..network import Network
from ..population import population_mse
from ..result import FitResult
from ._batched_population import _Grad2Pi
from ._torch_common import _check_device, _check_seeds, _import_torch

__all__ = ["safran_gd", "SAFRAN_SHAMIR_STUCK"]

#: Their stuck runs out of 1000 per (k, n): the sum of ``magnitude`` (runs per
#: family of equivalent bad minima) in ``Results/newExp-<k>-<n>.mat`` of
#: github.com/ItaySafran/OneLayerGDconvergence (``Results/readme.txt``). Their
#: repository has no file for (9, 10), read here as 0 (no bad minimum to store).
SAFRAN_SHAMIR_STUCK = {
    (6, 6): 3, (7, 7): 55, (8, 8): 126, (9, 9): 218, (10, 10): 346, (11, 11): 455,
    (12, 12): 585, (13, 13): 730, (14, 14): 736, (15, 15): 803, (16, 16): 851,
    (17, 17): 897, (18, 18): 900, (19, 19): 934, (20, 20): 949,
    (8, 9): 1, (9, 10): 0, (10, 11): 1, (11, 12): 1, (12, 13): 3, (13, 14): 15,
    (14, 15): 55, (15, 16): 102, (16, 17): 180, (17, 18): 233, (18, 19): 369, (19, 20): 491}


def _initial(seed, d, n):
    """``randn(d, n) / sqrt(d)`` of one seed."""
    return np.random.default_rng(seed).standard_normal((d, n)) / math.sqrt(d)


def safran_gd(k, n, seeds=range(1000), d=None, teacher=None, learning_rate=0.1, tol=1e-9,
              diverge_above=1e4, stuck_above=1e-3, max_iter=1_000_000, decide_below=None,
              check_every=100, device="cpu", progress=True, n_threads=1):
    """Safran & Shamir's gradient descent on the population loss, one run per seed.

    Parameters
    ----------
    k : int
        Teacher units (``v_i = e_i``).
    n : int
        Student units.
    seeds : iterable of int >= 0, default=range(1000)
        One run per seed; a seed fixes ``W0`` whatever else is in the batch.
    d : int, optional
        Input dimension, default `k` (theirs).
    teacher : array-like of shape (d, k), optional
        Teacher directions as columns (default the first `k` axes).
    learning_rate : float, default=0.1
        Step on ``F`` (their ``stepsize``).
    tol : float, default=1e-9
        Stop once the largest column norm of ``2 pi grad F`` is at most this.
    diverge_above : float, default=1e4
        Restart from ``W0`` with half the step when that norm exceeds this.
    stuck_above : float, default=1e-3
        A run ending with ``F >= stuck_above`` is stuck.
    max_iter : int, default=1_000_000
        Safety limit (theirs has none); a run that reaches it is returned with
        ``success=False``.
    decide_below : float, optional
        Off by default (their protocol). When given (e.g. 1e-6, far below
        `stuck_above`), a run is stopped early as **not stuck** once ``F <
        decide_below`` at a check and ``F`` has not risen between any two
        checks: gradient descent does not climb back over ``stuck_above`` from
        there. It spares the slow final approach to the degenerate global minima
        of over-parameterised students (``n > k``: about 10^6 steps to meet the
        `tol` rule at k = 4, n = 5, with ``F < 1e-10`` long before). Stuck runs
        are unaffected: they run to the `tol` rule.
    check_every : int, default=100
        Steps between the checks of `decide_below`.
    device : str, default="cpu"
        torch device.
    progress : bool, default=True
        tqdm bar over iterations (with the number of runs still going).
    n_threads : int or None, default=1
        ``torch.set_num_threads`` during the run (restored afterwards).

    Returns
    -------
    list of FitResult
        One per seed, in order: ``network`` (the student, output weights 1, no
        biases), ``loss`` = ``F`` at the end (half the population MSE,
        ``loss_kind="population_mse/2"``), ``population_mse`` = ``2 F``,
        ``stuck`` (``F >= stuck_above``), ``nit`` (gradient steps, restarts
        included), ``restarts``, ``learning_rate`` (the step at the end),
        ``grad_norm`` (the last stopping statistic), ``success`` (stopped by
        the `tol` rule or, with `decide_below`, decided), ``decided_early``,
        ``random_state`` (the seed), ``time`` (the batch's wall time divided by
        the number of seeds), ``batch_time``.

    Notes
    -----
    Runs that have stopped leave the batch, so the batch does not run at the
    pace of the slowest. Ctrl-C returns every run as it is, ``success=False``.
    """
    k = check_positive_int(k, "k")
    n = check_positive_int(n, "n")
    d = k if d is None else check_positive_int(d, "d")
    if k > d:
        raise ValueError(f"k must be at most d (orthonormal teacher); got k={k}, d={d}.")
    seeds = _check_seeds(seeds)
    if teacher is None:
        V = np.eye(d)[:, :k]
    else:
        V = np.asarray(teacher, dtype=np.float64)
        if V.shape != (d, k) or not np.all(np.isfinite(V)):
            raise ValueError(f"teacher must be a finite array of shape (d, k) = ({d}, {k}); "
                             f"got shape {V.shape}.")
        if np.any(np.linalg.norm(V, axis=0) == 0):
            raise ValueError("teacher has a zero column (a unit with no direction).")
    learning_rate = check_nonnegative(learning_rate, "learning_rate")
    if learning_rate == 0:
        raise ValueError("learning_rate must be > 0.")
    tol = check_nonnegative(tol, "tol")
    diverge_above = check_nonnegative(diverge_above, "diverge_above", allow_inf=True)
    stuck_above = check_nonnegative(stuck_above, "stuck_above")
    max_iter = check_positive_int(max_iter, "max_iter")
    if decide_below is not None:
        decide_below = check_nonnegative(decide_below, "decide_below")
        if decide_below > stuck_above:
            raise ValueError(f"decide_below must be at most stuck_above ({stuck_above:g}); "
                             f"got {decide_below:g}.")
    check_every = check_positive_int(check_every, "check_every")
    if n_threads is not None:
        n_threads = check_positive_int(n_threads, "n_threads")

    torch = _import_torch()
    device = _check_device(torch, device)
    t_start = time.perf_counter()
    K = len(seeds)
    W0 = np.stack([_initial(s, d, n) for s in seeds])
    old_threads = torch.get_num_threads()
    if device.type == "cpu" and n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        with torch.inference_mode():
            W, nit, restarts, steps, gnorm, done, decided, interrupted = _run(
                torch, W0, V, device, learning_rate, tol, diverge_above, max_iter,
                decide_below, check_every, progress)
    finally:
        torch.set_num_threads(old_threads)
    batch_time = time.perf_counter() - t_start

    results = []
    for i, seed in enumerate(seeds):
        Wi = W[i]
        finite = bool(np.all(np.isfinite(Wi)))
        F = 0.5 * population_mse(Wi, V) if finite else float("nan")
        if decided[i]:
            message = (f"Decided not stuck: F = {F:.3g} < {decide_below:g} after {nit[i]} "
                       f"steps, never rising between checks (the tol rule was not waited "
                       f"for).")
        elif done[i]:
            message = (f"Converged: 2 pi |grad F| per unit <= {tol:g} after {nit[i]} steps"
                       + (f" ({restarts[i]} restart(s) with a halved step)" if restarts[i]
                          else "") + ".")
        elif not finite:
            message = "Diverged: the weights became non-finite."
        elif interrupted:
            message = f"Interrupted (KeyboardInterrupt) after {nit[i]} steps."
        else:
            message = f"Stopped at max_iter={max_iter} steps before the gradient rule was met."
        net = Network([Wi, np.ones((n, 1))], [np.zeros(n), np.zeros(1)])
        results.append(FitResult(
            network=net, loss=F, loss_kind="population_mse/2", population_mse=2 * F,
            stuck=bool(not finite or F >= stuck_above), method="safran-gd",
            success=bool(done[i] or decided[i]), decided_early=bool(decided[i]),
            message=message, nit=int(nit[i]),
            restarts=int(restarts[i]), learning_rate=float(steps[i]),
            grad_norm=float(gnorm[i]), random_state=seed, evidence="none",
            time=batch_time / K, batch_time=batch_time, n_batched=K, k=k, n=n, d=d,
            device=str(device)))
    return results


def _run(torch, W0, V, device, lr, tol, diverge_above, max_iter, decide_below, check_every,
         progress):
    """The batched loop; runs leave the batch as they stop.

    Returns the final weights (K, d, n) and, per run: steps, restarts, final
    step size, last stopping statistic, whether the tol rule stopped it, whether
    the early decision did, and whether Ctrl-C ended the loop.
    """
    K = W0.shape[0]
    f64 = torch.float64
    grad = _Grad2Pi(torch, V, K, device)
    W_init = torch.tensor(W0, dtype=f64, device=device)
    W = W_init.clone()
    step = torch.full((K, 1, 1), lr / (2 * math.pi), dtype=f64, device=device)
    idx = torch.arange(K, device=device)  # original index of each active run
    F_last = torch.full((K,), math.inf, dtype=f64, device=device)  # at the last check
    monotone = torch.ones(K, dtype=torch.bool, device=device)

    W_out = np.array(W0)
    nit = np.zeros(K, dtype=np.int64)
    restarts = np.zeros(K, dtype=np.int64)
    steps = np.full(K, lr)
    gnorm = np.full(K, np.inf)
    done = np.zeros(K, dtype=bool)
    decided = np.zeros(K, dtype=bool)
    interrupted = False
    it = 0
    bar = tqdm(total=max_iter, desc=f"safran-gd x{K}", unit="step", disable=None if progress else True,
               leave=False, mininterval=1.0)

    def retire(mask, g):
        # write back the runs in `mask` (a bool tensor over the active ones), drop them
        nonlocal idx, W, W_init, step, F_last, monotone
        sel = idx[mask].cpu().numpy()
        W_out[sel] = W[mask].cpu().numpy()
        gnorm[sel] = g[mask].cpu().numpy()
        nit[sel] = it
        steps[sel] = (step[mask, 0, 0] * 2 * math.pi).cpu().numpy()
        keep = ~mask
        idx, W, W_init, step = idx[keep], W[keep], W_init[keep], step[keep]
        F_last, monotone = F_last[keep], monotone[keep]
        return sel

    tol2, div2 = tol * tol, diverge_above * diverge_above
    sq = torch.empty(W.shape, dtype=f64, device=device)
    per_unit = torch.empty((K, W.shape[2]), dtype=f64, device=device)
    g2 = torch.empty(K, dtype=f64, device=device)
    try:
        while idx.numel() > 0 and it < max_iter:
            Ka = idx.numel()
            G = grad(W)
            # the stopping statistic, squared: largest per-unit |G[:, j]|^2
            torch.mul(G, G, out=sq[:Ka])
            torch.sum(sq[:Ka], 1, out=per_unit[:Ka])
            torch.amax(per_unit[:Ka], 1, out=g2[:Ka])
            W.addcmul_(step, G, value=-1.0)
            it += 1
            if progress and it % 1000 == 0:
                bar.update(1000)
                bar.set_postfix(running=Ka)
            g = None
            if decide_below is not None and it % check_every == 0:
                # F after this step; a run whose F has never risen between checks
                # and is now far below the stuck threshold is decided: not stuck
                F = grad.objective(W)
                monotone &= F <= F_last
                F_last = F
                g_all = g2[:Ka].sqrt()
                sure = monotone & (F < decide_below) & (g_all <= diverge_above)
                if bool(sure.any()):
                    decided[retire(sure, g_all)] = True
                    g = g_all[~sure]
                    if idx.numel() == 0:
                        continue
            if g is None:
                lo, hi = torch.aminmax(g2[:Ka])
                if lo.item() > tol2 and not hi.item() > div2:
                    continue  # the common case: every run goes on (NaN falls through)
                g = g2[:Ka].sqrt()
            diverged = g > diverge_above
            if bool(diverged.any()):
                W[diverged] = W_init[diverged]
                step[diverged] /= 2
                F_last[diverged] = math.inf  # a restart starts the record afresh
                restarts[idx[diverged].cpu().numpy()] += 1
            stop = (g <= tol) | torch.isnan(g)
            if bool(stop.any()):
                converged = ~torch.isnan(g[stop]).cpu().numpy()
                done[retire(stop, g)] = converged
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if idx.numel() > 0:  # out of iterations (or interrupted)
        G = grad(W)
        retire(torch.ones(idx.numel(), dtype=torch.bool, device=device),
               torch.sqrt((G * G).sum(1).amax(1)))
    return W_out, nit, restarts, steps, gnorm, done, decided, interrupted

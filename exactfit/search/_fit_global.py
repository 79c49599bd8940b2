"""fit_global: the best-known optimum of a small network, with the evidence for it.

The algorithm (details in the modules named):

1. Standardise X and y (:mod:`._scaling`); all tolerances are then relative to
   ``var(y)``, and the weights are mapped back exactly at the end. The loss the
   result states is recomputed on the caller's data from the returned network.
2. One or two inputs, one output, one hidden ReLU layer, MSE: when the exact
   enumeration of :func:`exactfit.certify.exact_1d` / :func:`~exactfit.certify.exact_2d`
   is cheap (its time estimated from :func:`exactfit.certify.exact_cost`, not
   tried), return its certified optimum: on such tiny samples the search is not
   reliable (its minima are many and close).
3. Search on the data, or on a random subsample of `subsample` rows when there
   are more ("auto": only when there are more than twice as many). In 1-D (one ReLU layer, MSE) the first, uncounted warm start is the
   certified optimum of the data averaged in bins (:func:`._exact.binned_exact_start`).
   Each start (:mod:`._starts`): a construction or random point, a short
   repulsion stage (units pushed apart), L-BFGS (:mod:`._local`). Starts of
   kind "grow" build the network a unit at a time (best new unit or a split);
   with 3 or more inputs every other start is "wide" (:mod:`._wide`: the best
   units of a network 4 times as wide, fitted by L-BFGS). A
   start that ended in the best's funnel (its loss matches the best's or a
   copy's, or it has the same arrangement of unit boundaries up to a few
   samples, :func:`._canonical.same_arrangement`) has reached the best and
   costs nothing more. Any other start then gets the moves of :mod:`._moves`
   (wasted units replaced by the best unit for the residual, any unit swapped
   for it while that lowers the loss, then with 2 or more inputs several units
   flipped at once, :mod:`._reorient`); if it then ends within 5% of the
   incumbent without matching it, it is canonicalised (:mod:`._canonical`: its
   symmetric copies re-optimised, then monotonic basin hopping, again from any
   lower minimum the hop reached), so that starts in one basin report one loss.
4. Starts are drawn until the best minimum has been reached by `confirm`
   independent starts, counting copies of it under the data's symmetries
   (:mod:`._stopping`, :mod:`._symmetry`), or until `max_restarts` or
   `max_time` runs out; then the result says so and a
   :class:`UnconfirmedOptimumWarning` is raised. The stopping point is decided
   on the starts in seed order, so the result does not depend on ``n_jobs``.
   Each time the starts would stop (one hidden ReLU layer, MSE), the units of
   all the minima met are recombined (:mod:`._recombine`: the best subsets of
   them by exact least squares, settled by L-BFGS and the moves) and offered
   uncounted, with the best minimum's near-linear unit replaced after flipping
   other units (:func:`._reorient.flip_replaced`) and with each of its units flipped
   alone (:func:`._reorient.single_flips`) and, on 1-D inputs (or units all
   along one direction), the best's breakpoints moved between samples
   (:mod:`._intervals`), and with 2+ inputs and at most 2 units the best
   networks of one projection ``v . x`` along the best's unit directions; a new
   best found so is
   confirmed by no start, so the starts go on while the budget allows.
5. After a subsampled search, the best minima (and the best's symmetric copies)
   are polished on ever larger samples (x8 each, the last below all the data at most
   a quarter of it) up to all the data; on the first
   of these the best is canonicalised again (copies, basin hopping), since the
   subsample's ranking of nearby minima need not hold on more data. The best on
   all the data wins; a final tight L-BFGS run and the least-squares output
   layer finish it.
6. Where step 2's enumeration was not cheap but is affordable (estimated under
   300 s, without `max_time`), it runs now with the search's best as incumbent and
   returns the certified optimum; the message says how far above it the search
   had stopped.
"""

import math
import time
import warnings

import numpy as np
from joblib import effective_n_jobs
from tqdm.auto import tqdm

from .._parallel import draw_seeds, one_blas_thread, run_trials
from .._validation import (check_choice, check_data, check_hidden, check_nonnegative,
                           check_positive_int, check_random_state)
from ..activations import check_activation
from ..construct._lstsq import solve_affine
from ..losses import LOSSES, loss as loss_of
from ..network import Network, n_params, unflatten
from ..result import FitResult
from ._canonical import BAND, _local_run, arrangement, canonical, same_arrangement
from ._checks import (check_bool, check_exact, check_init, check_max_time, check_memory,
                      check_n_jobs, check_n_restarts, check_subsample, check_symmetries,
                      int_seed, start_kinds)
from ._exact import _EXACT_FLOOR, binned_exact_start, exact_optimum
from ._intervals import interval_descent, ridge_starts
from ._local import Problem
from ._moves import grown, revive, swap_descent
from ._penalty import MAX_REPULSION_UNITS, penalised
from ._recombine import recombined
from ._reorient import flip_replaced, single_flips
from ._scaling import Scaling
from ._starts import START_KINDS, initial, padded  # noqa: F401 (START_KINDS: docs)
from ._stopping import Minima, UnconfirmedOptimumWarning
from ._symmetry import box_symmetries, image
from ._wide import pruned_wide

__all__ = ["fit_global"]

# Two starts are in the same minimum when their losses agree to this relative tolerance
# (after basin hopping, the minima of a finite sample that remain distinct differ by
# more; kinks where a sample crosses a unit's boundary make minima ~1/n apart).
_RTOL = 1e-4


# Rows of the search sample when subsample="auto": at least _SEARCH_ROWS, and at least
# _ROWS_PER_PARAMETER per parameter. With fewer rows per parameter the sample's minima
# stop being the data's: teacher-student d = k = 20 (441 parameters) on 2000 rows, plain
# starts landed with every unit aligned to a teacher unit in 0 of 8 starts, on 4000 rows
# in 1 of 10, on 8000 rows in 3 of 3 (docs/notes/teacher20.md).
_SEARCH_ROWS = 2000
_ROWS_PER_PARAMETER = 20
# ... used only when the data have more than this many times as many rows (see the
# `subsample` parameter): below it the search runs on all rows.
_SUBSAMPLE_FACTOR = 2
# Basin-hopping patience when a start is canonicalised: perturbations in a row that fail.
_HOP_PATIENCE = 5
# The polish ladder (_polish_ladder): each rung multiplies the rows by _LADDER_FACTOR,
# but a rung after the first that is below all the data holds at most _LADDER_LAST of it: at 200000 rows
# the old rungs 16000, 128000, 200000 spent most of the polish on the 128000-row rung,
# which costs nearly what all the rows cost; 16000, 50000, 200000 needs 30% fewer
# row-evaluations (5 calls on a Euclid square, same losses). Rungs below all the data only
# rank the candidates, at L-BFGS tolerance _LADDER_TOL. Not the last: loose there too took
# 25% fewer evaluations on the Euclid square, but on a 60000-point Gaussian sample (4
# units, |x1 - 0.2| + tanh(2 x2)) it ranked a candidate 3.2e-4 above the full-data optimum
# first, where the normal tolerance ranks the optimum first (by hand).
_LADDER_FACTOR, _LADDER_LAST, _LADDER_TOL = 8, 0.25, "loose"
# Candidates carried from a subsampled search to the full-data polish, and the band
# (relative to the best on the search sample) they are taken from.
_CARRY, _CARRY_BAND = 8, 0.02
# Starts of "auto", cycled: with the unit moves (one hidden ReLU layer, MSE,
# linear output), and otherwise.
_AUTO_MOVES = ("spread", "data", "grow", "random", "grow")
# With 3 or more inputs every other start is "wide" (_wide.py), beginning with one:
# random hyperplanes rarely meet the target's units there, and a wider network
# fitted by L-BFGS holds them (teacher-student d = k = 20, 4000 points: 0 of 16 plain
# L-BFGS starts ended near the teacher; single "wide" starts of fit_global reached it
# in 2 of 4 draws).
_WIDE_MIN_INPUTS = 3
_AUTO_WIDE = tuple(kind for other in _AUTO_MOVES for kind in ("wide", other))
# The search's time budget when the caller gives no max_time: without one, a call on a
# wide layer in many inputs runs to max_restarts, which at teacher-student d = k = 20
# (90 to 140 s of CPU per start) is hours. The default calls of
# benchmarks/reliability.py take at most about 120 s, so this bound leaves them as they
# are (and their results independent of the machine's speed).
_DEFAULT_MAX_TIME = 600.0
# Default max_restarts (at least n_restarts), and the starts whose seeds come before the
# recombination rounds' (see _start_seeds): with 100 as the default budget until
# 2026-11-30 (stop 22), a call that stops within 100 starts is what it was then.
_MAX_RESTARTS = 200
# Starts per worker in each batch when n_jobs > 1: joblib's dispatch costs about a start's
# time here (10-20 ms a call), so batches of one start per worker gained nothing (Euclid
# square, 3 units, 2 workers: 1.96 s against 1.84 s in one process); 2, 4 and 8 per worker
# took 10.3, 9.5-10.0 and 9.6-10.3 s for 4 calls (by hand, 2 cores).
_STARTS_PER_WORKER = 4
_SEED_BLOCK = 100
# n_restarts="auto": the fewest starts after which a basin drawing _MISSABLE of the starts
# would have been reached with probability 95% (see Minima.missable): 45 for 6.5% (29 for
# 10% until stop 23: on the ninth held-out set, 4 of 72 default calls confirmed a miss,
# 3 of them after 29 starts, beside a best basin drawing 4% to 5% of a long search's
# starts; replayed on the 196 long searches of 12 fresh runs, confirmed misses went from
# 2.6% of replays with 29 to 1.7% with 45 and 1.4% with 59, mean starts 55.5 -> 61.9 ->
# 68.2: benchmarks/results/fresh_pooled9_replay.md).
_MISSABLE = 0.065
_MIN_STARTS = math.ceil(math.log(0.05) / math.log(1 - _MISSABLE))
_AUTO_PLAIN = ("spread", "data", "spread", "random")
# Start kinds whose runs the stopping rule's conditions leave out (they still compete for
# the best and count towards n_restarts): a grown start is a greedy build whose runs
# end in one minimum nearly always (see _stopping's module docstring).
_DEPENDENT_KINDS = frozenset({"grow"})
# Two or more hidden ReLU layers: every other start "fold" (_starts._fold), beginning
# with one: a deep network's many linear pieces come from folds, which the other
# starts almost never draw (tasks.sawtooth(3), 1-2-2-2-1: 0 of 300 spread/data/random
# starts of one call reached the exact fit; benchmarks/deep_fold.py: fold 1 of 30,
# others 0 of 30 each, default calls 9 of 10).
_AUTO_DEEP = tuple(kind for other in _AUTO_PLAIN for kind in ("fold", other))


@one_blas_thread
def fit_global(X, y, hidden=3, activation="relu", output="linear", loss="mse",
               n_restarts="auto", max_restarts=None, max_time=None, confirm=5, repulsion=0.1,
               n_anneal=1, revive=2, starts="auto", symmetries="auto", maxiter=3000,
               init=None, exact="auto", subsample="auto", recombine=True, random_state=None,
               n_jobs=None, progress=False):
    """Best-known optimum of a fully connected network, confirmed by independent starts.

    Multistart L-BFGS with moves that leave wrong minima, a stopping rule that
    keeps starting until the best is confirmed, and, for one or two inputs, the
    exact optimum when it is affordable (see `exact`). See the module docstring for
    the algorithm.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    hidden : int or tuple of int, default=3
        Units per hidden layer.
    activation : str, default="relu"
        Hidden activation (see :data:`exactfit.ACTIVATIONS`).
    output : str, default="linear"
        Output activation.
    loss : {"mse", "mae"}, default="mse"
        Loss minimised (least-squares output layers apply to "mse" only).
    n_restarts : int or "auto", default="auto"
        Fewest starts (warm starts not included). "auto": enough that a minimum
        whose basin draws 6.5% of the starts would have been reached with
        probability 95% (45 starts; fewer only if `max_restarts` is smaller), unless
        an exact fit ends the search first. Why: with 3 starts as the fewest, 6 of
        120 default calls on 24 random problems (benchmarks/fresh.py) confirmed a
        best 3% to 103% above the best-known, five of them after 5 to 14 starts
        had agreed on a popular basin; replaying the stopping
        rule on those problems' long searches, confirmed misses fell from 7.0% of
        replays with 3 starts as the fewest to 0.5% with 30
        (``python benchmarks/fresh.py --replay``). 29 (for 10%) was the default until
        stop 23; on twelve held-out runs' long searches the replayed confirmed misses
        fell from 2.6% with 29 to 1.7% with 45 (``fresh_pooled9_replay.md``).
    max_restarts : int, optional
        Most starts; default ``max(200, n_restarts)``. The first 100 starts and the
        recombination rounds have the same seeds whatever the budget, so a call that
        stops within 100 starts does not depend on it. Why 200 (100 until stop 22): the
        suite's only rows below 99% of calls within 1e-3 of the best-known,
        2d-prod-annulus-800-k6 (18 of 20) and euclid-square-1200-k8 (19 of 20), missed
        with calls that ran to 100 starts unconfirmed (the best's basin draws 1% to 5%
        of the starts); with 200, 19 of 20 and 20 of 20 (``benchmarks/reliability.py``),
        and on a held-out set of random problems (``benchmarks/fresh.py --seed 9700``)
        the one warned miss became a hit, for about 1.7x the CPU of the calls that ran
        to the budget (summed from the two runs' checkpoints). Only calls that run past
        100 starts pay.
    max_time : float, optional
        Stop starting after this many seconds (the start under way finishes); the
        result then depends on the machine's speed, and says so. None: 600 s, so
        that a default call on a wide layer in many inputs cannot run for hours
        (teacher-student d = k = 20 costs 90 to 140 s of CPU per start); the small
        problems this package is about finish far sooner. Pass `progress=True` to
        watch a long call. A given `max_time` also skips the exact check of step 6
        (see `exact`).
    confirm : int, default=5
        The stopping rule: stop once this many counted starts reached the best
        minimum (within 1e-4 relative of its loss or of a symmetric copy's, or in
        its funnel; an exact fit confirms itself), after at least `n_restarts`
        starts, and the chance that one more start finds a minimum not seen yet
        (``unseen``) is at most the best's share of the starts. Both conditions count
        the starts other than "grow" ones (a greedy build whose runs end in one minimum
        nearly always; see :mod:`exactfit.search._stopping`); grown starts compete for
        the best and count towards `n_restarts`.
    repulsion : float, default=0.1
        Initial weight of the repulsion penalty (:func:`repulsion_penalty`),
        relative to ``var(y)``; 0 turns it off. It costs ``units^2 (inputs + 1)``
        operations and ``units^2`` floats per evaluation, so layers wider than
        2000 units skip it (the message says so).
    n_anneal : int, default=1
        Penalised stages (weight divided by 10 each) before the unpenalised one.
    revive : int, default=2
        Rounds per start in which units that are dead or never bend on the data
        are given a new role (the best unit for the residual of the others, with
        one hidden ReLU layer; a random boundary through a sample otherwise); each
        round is kept if the loss went down. 0 turns it off. Starts that ended in
        the best's funnel skip it (and the swap moves): see step 3 of the module
        docstring.
    starts : "auto" or one of :data:`START_KINDS` or list of them, default="auto"
        Kind of each start, cycled. "auto": "spread", "data", "grow", "random",
        "grow" with one hidden ReLU layer, MSE and a linear output, each preceded
        by a "wide" start for 3 or more inputs; "spread", "data", "spread",
        "random" otherwise ("grow" and "wide" need the former).
    symmetries : "auto" or bool, default="auto"
        Re-optimise the images of each new best network under the symmetries of
        the data's bounding box (signed permutations of the standardised inputs:
        7 images in 2-D, 47 in 3-D), and count starts that end in a copy of the
        best as reaching it. "auto": on for 1 to 3 inputs. True is refused for
        more than 4 inputs (``d! 2^d - 1`` images).
    maxiter : int, default=3000
        L-BFGS iterations per run.
    init : Network or sequence of Network, optional
        Warm starts, run before the other starts: a previous fit, a
        gradient-descent run, the optimum of a narrower network. A network with one
        hidden layer of fewer units is padded with units of outgoing weight 0 (same
        function, same loss), so the result is never worse than it (MSE). Warm
        starts compete for the best but are not counted by the stopping rule.
    exact : "auto" or bool, default="auto"
        One or two features, one output, one hidden ReLU layer, linear output,
        MSE: return the certified optimum of :func:`exactfit.certify.exact_1d` or
        :func:`exactfit.certify.exact_2d` (evidence "certified"). "auto": when it
        is cheap, its estimated time from :func:`exactfit.certify.exact_cost`
        and memory at most 10 s and 1 GiB: distinct points up to 2209, 845,
        94, 34, 19 in 1-D and 85, 42, 14, 8, 6 in 2-D for 1 to 5 units; up to an
        estimated 300 s (in practice seconds, pruned by the search's best), after
        the search, to certify or correct its best (the message gives the
        search's loss; skipped when `max_time` is given). True:
        always (the enumeration's own limits apply; refused when it would need
        more than half the memory available); False: never.
    subsample : "auto", int or None, default="auto"
        Search on this many randomly chosen rows, then polish the best minima on all
        the data. "auto": 2000, or 20 per parameter of the network if that is
        more, when the data have more than twice as many rows; otherwise all rows
        (a subsample keeping half the rows or more saves less than half of each
        evaluation, and its minima are not the data's: on a 3000-point Euclid
        rectangle, 3 units, 1 of 20 default calls searching 2000 rows confirmed a
        best 0.54% above the optimum, 0 of 20 on all rows, for 22% more CPU).
        None: search on all rows.
    recombine : bool, default=True
        One hidden ReLU layer, MSE, linear output: each time the starts would stop,
        try the best networks made of units of the minima met, the best
        minimum with its near-linear unit replaced after flipping others, and on
        1-D inputs the best with its breakpoints moved (step 4 of the module
        docstring). They are offered uncounted, like warm starts; a new best
        they find keeps the starts going (it is not confirmed by any start). Why:
        a best basin that draws 1% of the starts is missed by a default call
        most of the time, while its units often sit in minima the starts did
        reach (benchmarks/fresh.py).
    random_state : int, RandomState or None
        Seeds of every start (drawn up front) and of the subsample.
    n_jobs : int or None
        Starts run in batches through joblib (``None``: 1 unless inside
        ``joblib.parallel_config``), 4 per worker, each with its unit moves; the
        symmetric copies of canonicalisation and the polish ladder's candidates
        run side by side too. Basin hopping and the bookkeeping stay in this
        process. The result does not depend on it, to the bit: starts past the
        stopping point are discarded. (Euclid square, 3 units, on 2 cores:
        ``benchmarks/scaling.py --n-jobs 2``.)
    progress : bool, default=False
        Show a progress bar over starts.

    Returns
    -------
    FitResult
        ``method="fit_global"``; ``evidence="search"`` (or "certified" from
        exact_1d); ``loss`` is ``exactfit.loss(network, X, y, loss)`` recomputed.
        Search fields:

        - ``confirmed``: the stopping rule was met, `confirm` starts reached the
          best and ``unseen`` is at most the best's share of the starts,
          ``n_reached / n_starts`` (otherwise ``message`` says why not and an
          :class:`UnconfirmedOptimumWarning` was raised);
        - ``unseen``: the Good-Turing estimate of the chance that one more start
          would find a minimum not seen yet (minima reached by one start only,
          over the starts; see :mod:`exactfit.search._stopping`);
        - ``missable_share``: what the starts could not rule out. A minimum
          whose basin draws a larger share of the starts than this would have
          been reached by one of them with probability at least 95%,
          ``1 - 0.05 ** (1 / n_starts)`` (about ``3 / n_starts``). A better
          minimum with a smaller basin can hide behind a confirmed best: on a
          350-point triangle sample with 3 units, 17 of 20 default calls
          confirmed a basin up to 7.3% above the best-known
          (benchmarks/reliability.py, 2d-kinkroot-triangle-350-k3;
          benchmarks/fresh.py measures how often this happens on random
          problems);
        - ``n_reached``: counted starts that reached the best (or a copy);
        - ``n_minima``: distinct minima among the counted starts (losses 1e-4
          apart and unit arrangements different; the best's copies one);
        - ``p_better``: Boender & Rinnooy Kan's (1987) posterior probability
          that a better, unseen minimum exists, ``n_minima / (n_starts - 1)``;
          0 for an exact fit. Reported, not used to stop: their model ignores
          how often the best was reached, so it is a conservative upper
          estimate (see :mod:`exactfit.search._stopping`);
        - ``expected_minima``: their posterior mean number of minima;
        - ``n_starts``, ``n_failed`` (starts whose L-BFGS diverged; they have no
          loss), ``stop_reason``;
        - ``restart_losses``, ``restart_seeds``, ``restart_starts``: loss (on the
          search sample), seed and kind of each start that finished, warm starts
          (kind "init") first, the recombination round's starts (kinds "recombined",
          "flipped", "intervals", "ridge") after the starts that preceded them;
          ``failed_seeds``;
        - ``start_minima``, ``start_minimum_ids``: for each counted start in seed
          order, the loss (on the search sample) of the minimum it ended in after
          the moves and canonicalisation (inf if it failed), and which of the
          distinct minima that is (-1 if it failed), and ``start_kinds``, its kind:
          what the stopping rule saw, so that other rules can be replayed on it;
        - ``n_ruled``, ``n_reached_ruled``: the counted starts the stopping rule's
          conditions count (all but "grow" ones) and those of them at the best;
        - ``search_samples``: rows the search ran on; ``improved_by_symmetry``;
        - ``n_recombined``: starts of the recombination rounds tried (uncounted, kinds
          "recombined", "flipped", "intervals", "ridge"); ``improved_by_recombination``: one of
          them set a new best.

    Examples
    --------
    >>> import exactfit
    >>> task = exactfit.tasks.euclid(500, random_state=0)
    >>> res = exactfit.fit_global(task.X, task.y, hidden=3, random_state=0)
    >>> res.confirmed
    True
    >>> res.loss < exactfit.construct.norm_pyramid(3, task.X, task.y).loss
    True
    """
    t0 = time.perf_counter()
    X, Y = check_data(X, y)
    hidden = check_hidden(hidden)
    check_activation(activation, "activation")
    check_activation(output, "output")
    check_choice(loss, LOSSES, "loss")
    auto_restarts = check_n_restarts(n_restarts) == "auto"
    n_restarts = _MIN_STARTS if auto_restarts else n_restarts
    max_restarts = (max(_MAX_RESTARTS, n_restarts) if max_restarts is None
                    else check_positive_int(max_restarts, "max_restarts"))
    if auto_restarts:
        n_restarts = min(n_restarts, max_restarts)
    if max_restarts < n_restarts:
        raise ValueError(f"max_restarts ({max_restarts}) must be at least n_restarts "
                         f"({n_restarts}).")
    max_time = check_max_time(max_time)
    time_limit = _DEFAULT_MAX_TIME if max_time is None else max_time
    confirm = check_positive_int(confirm, "confirm")
    repulsion = check_nonnegative(repulsion, "repulsion")
    n_anneal = check_positive_int(n_anneal, "n_anneal", minimum=0)
    revive = check_positive_int(revive, "revive", minimum=0)
    maxiter = check_positive_int(maxiter, "maxiter")
    check_bool(progress, "progress")
    check_bool(recombine, "recombine")
    check_n_jobs(n_jobs)
    check_random_state(random_state)
    d, m = X.shape[1], Y.shape[1]
    sizes = (d,) + hidden + (m,)
    init = check_init(init, sizes)
    symmetries = check_symmetries(symmetries, d)
    exact = check_exact(exact)
    auto_rows = max(_SEARCH_ROWS, _ROWS_PER_PARAMETER * n_params(sizes))
    n_search = check_subsample(subsample, len(X),
                               auto_rows if len(X) > _SUBSAMPLE_FACTOR * auto_rows else len(X))
    unit_moves = len(hidden) == 1 and activation == "relu" and output == "linear" and loss == "mse"
    kinds = start_kinds(starts, unit_moves, _AUTO_WIDE if X.shape[1] >= _WIDE_MIN_INPUTS
                        else _AUTO_MOVES,
                        _AUTO_DEEP if len(hidden) > 1 and activation == "relu" else _AUTO_PLAIN)
    recombine = recombine and unit_moves
    skip_repulsion = repulsion > 0 and max(hidden) > MAX_REPULSION_UNITS
    check_memory(len(X), n_search, sizes, repulsion > 0 and not skip_repulsion, unit_moves,
                 workers=effective_n_jobs(n_jobs))

    if exact is not False:
        res = exact_optimum(X, Y, sizes, activation, output, loss, exact, t0, random_state)
        if res is not None:
            return res
        binned = binned_exact_start(X, Y, sizes, activation, output, loss)
        if binned is not None:
            init = init + [binned]

    scaling = Scaling(X, Y, scale_y=output == "linear")
    Xs, Ys = scaling.X(X), scaling.Y(Y)
    # seeds[0]: subsample and warm starts; then two per start (_start_seeds) and the
    # recombination rounds' seed after the first _SEED_BLOCK starts' (warm starts change
    # none of them, and neither does a budget beyond _SEED_BLOCK starts).
    seeds = draw_seeds(random_state, 3 + 2 * max(max_restarts, _SEED_BLOCK))
    recombine_rs = check_random_state(seeds[1 + 2 * _SEED_BLOCK])
    aux = check_random_state(seeds[0])
    rows = (np.sort(aux.choice(len(X), n_search, replace=False)) if n_search < len(X)
            else None)
    data = (Xs, Ys) if rows is None else (Xs[rows], Ys[rows])
    opts = dict(sizes=sizes, act=activation, output=output, loss=loss, maxiter=maxiter,
                repulsion=0.0 if skip_repulsion else repulsion, n_anneal=n_anneal,
                revive=revive)
    search = _Search(Problem(*data, sizes, activation, output, loss, maxiter),
                     box_symmetries(d) if symmetries else [],
                     _EXACT_FLOOR if loss == "mse" else 0.0, n_jobs, revive)
    warm_seeds = draw_seeds(aux, 2 * len(init))
    finished = []  # (kind, seed, raw loss) of every start that finished, in order
    counted_kinds = []  # kind of each counted start, in seed order (as minima.losses)
    failed_seeds = []
    interrupted, stop_reason = False, None
    bar = tqdm(total=max_restarts + len(init), desc="fit_global starts",
               disable=None if progress else True, leave=False)
    try:
        if init:
            args = [(data, "init", s, opts, net.to_flat(), net.layer_sizes, scaling)
                    for net, s in zip(init, warm_seeds[::2])]
            runs = search.run_starts(args, warm_seeds[1::2])
            interrupted = len(runs) < len(args)
            for (theta, f, nit, ahead), s, s_hop in zip(runs, warm_seeds[::2],
                                                        warm_seeds[1::2]):
                (finished.append(("init", s, f)) if np.isfinite(f) else failed_seeds.append(s))
                search.offer(theta, f, nit, s_hop, counted=False, ahead=ahead)
                bar.update()
        # With workers, several starts each (joblib's dispatch costs ~10-20 ms a call here,
        # about a start's time); the starts past the stopping point are discarded. The
        # batches grow from one start per worker (as many as the starts done so far),
        # because an exact fit often ends the search at its first start.
        workers = max(1, effective_n_jobs(n_jobs))
        i = 0
        while not interrupted and stop_reason is None:
            batch = min(_STARTS_PER_WORKER * workers, max(workers, i))
            todo = list(range(i, min(i + batch, max_restarts)))
            args = [(data, kinds[j % len(kinds)], _start_seeds(seeds, j)[0], opts)
                    for j in todo]
            runs = search.run_starts(args, [_start_seeds(seeds, j)[1] for j in todo])
            interrupted = len(runs) < len(args)
            for j, (theta, f, nit, ahead) in zip(todo, runs):
                kind, (seed, hop_seed) = kinds[j % len(kinds)], _start_seeds(seeds, j)
                (finished.append((kind, seed, f)) if np.isfinite(f) else failed_seeds.append(seed))
                search.offer(theta, f, nit, hop_seed, counted=True,
                             independent=kind not in _DEPENDENT_KINDS, ahead=ahead)
                counted_kinds.append(kind)
                bar.update()
                i = j + 1
                stop_reason = _stop(search.minima, confirm, n_restarts, max_restarts,
                                    time.perf_counter() - t0, time_limit)
                if stop_reason:
                    break  # later starts of the batch are discarded: results independent of n_jobs
            if stop_reason and not interrupted and recombine and not search.minima.exact:
                # Before stopping, recombine the units of the minima met; a new best found
                # so is not confirmed by any start, so the starts go on (budget allowing).
                found = search.recombine(draw_seeds(recombine_rs, 1)[0], finished)
                if found and stop_reason == "confirmed":
                    stop_reason = _stop(search.minima, confirm, n_restarts, max_restarts,
                                        time.perf_counter() - t0, time_limit)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if search.theta is None:
        if interrupted:
            raise KeyboardInterrupt("fit_global was interrupted before any start finished.")
        raise RuntimeError(f"every start of fit_global diverged (non-finite weights or loss; "
                           f"{len(failed_seeds)} starts): check the data's scale.")
    if interrupted:
        stop_reason = "interrupted"

    # Polish on all the data (a ladder of samples after a subsampled search), then tightly.
    nit = search.nit
    if rows is not None:
        theta, it, by_sym = _polish_ladder(search.pool, search.f, Xs, Ys, rows, opts, n_search,
                                           search.mats, check_random_state(seeds[0]), n_jobs,
                                           search.minima.floor)
        nit += it
        search.by_symmetry = search.by_symmetry or by_sym
    else:
        theta = search.theta
    full = Problem(Xs, Ys, sizes, activation, output, loss, maxiter)
    theta, _, it = full.local(theta, tol="tight")
    net, stated = _network(theta, sizes, activation, output, loss, scaling, X, Y)
    # The check by enumeration may take minutes: not when the caller bounded the time.
    if exact == "auto" and not interrupted and max_time is None:
        res = exact_optimum(X, Y, sizes, activation, output, loss, "verify", t0, random_state,
                     incumbent=net, searched=stated)
        if res is not None:
            return res

    minima = search.minima
    n_reached, n_minima, expected, p_better = minima.summary()
    confirmed = stop_reason == "confirmed"
    n_starts = len(minima.losses)
    msg = _message(stop_reason, n_starts, len(init), n_reached, n_minima, p_better,
                   minima.unseen, minima.missable, confirm, max_restarts, time_limit,
                   max_time is None, len(data[0]), len(X), minima.exact, skip_repulsion,
                   search.by_symmetry, search.n_recombined, search.by_recombination,
                   ruled=(minima.n_reached_ruled, minima.n_ruled))
    if not confirmed:
        # stacklevel 3: past one_blas_thread's wrapper, to the caller's line
        warnings.warn(msg, UnconfirmedOptimumWarning, stacklevel=3)
    factor = scaling.loss_factor(loss)
    return FitResult(network=net, loss=stated, loss_kind=loss, method="fit_global",
                     success=not interrupted, message=msg, evidence="search",
                     nit=int(nit + it), time=time.perf_counter() - t0,
                     random_state=int_seed(random_state), confirmed=confirmed,
                     stop_reason=stop_reason, n_reached=int(n_reached),
                     n_minima=int(n_minima), p_better=float(p_better),
                     unseen=float(minima.unseen),
                     n_ruled=int(minima.n_ruled), n_reached_ruled=int(minima.n_reached_ruled),
                     missable_share=float(minima.missable),
                     expected_minima=float(expected), n_starts=n_starts,
                     n_failed=len(failed_seeds),
                     restart_losses=np.array([f for _, _, f in finished
                                              if np.isfinite(f)]) * factor,
                     start_minima=np.array(minima.losses) * factor,
                     start_minimum_ids=np.array(minima.labels, dtype=int),
                     start_kinds=counted_kinds,
                     restart_seeds=[s for _, s, f in finished if np.isfinite(f)],
                     restart_starts=[k for k, _, f in finished if np.isfinite(f)],
                     failed_seeds=failed_seeds,
                     reached_fraction=n_reached / n_starts if n_starts else 0.0,
                     search_samples=len(data[0]), improved_by_symmetry=search.by_symmetry,
                     n_recombined=search.n_recombined,
                     improved_by_recombination=search.by_recombination)


def _start_seeds(seeds, j):
    """Seeds of start `j` (its start, its basin hopping) in fit_global's `seeds`: those of
    the first _SEED_BLOCK starts come before the recombination rounds' seed, later ones
    after it."""
    i = 1 + 2 * j + (j >= _SEED_BLOCK)
    return seeds[i], seeds[i + 1]


def _stop(minima, confirm, n_restarts, max_restarts, elapsed, time_limit):
    """Why the starts stop now (None: go on), decided after each start in seed order."""
    n_done = len(minima.losses)
    if minima.exact or (n_done >= n_restarts and minima.confirmed(confirm)):
        return "confirmed"
    if n_done >= max_restarts:
        return "max_restarts"
    if elapsed > time_limit:
        return "max_time"
    return None


# --------------------------------------------------------------------- one start

def _start(data, kind, seed, opts, warm=None, warm_sizes=None, scaling=None):
    """One start's local minimum: ``(theta, loss, iterations)``; loss inf if it diverged.

    The unit moves (:func:`_moves`) are not applied here but by :meth:`_Search.offer`,
    only to starts that did not end in the best's funnel: there they cannot find
    anything the best's own moves did not.
    """
    rs = check_random_state(seed)
    problem = Problem(*data, opts["sizes"], opts["act"], opts["output"], opts["loss"],
                      opts["maxiter"])
    nit = 0
    if kind == "init":
        theta = padded(problem, scaling.to_search(warm, warm_sizes), warm_sizes, rs)
        theta, f, it = problem.local(theta)
        nit += it
    elif kind == "grow":
        d, k, m = problem.sizes
        problems = {w: Problem(*data, (d, w, m), "relu", "linear", "mse", opts["maxiter"])
                    for w in range(1, k)}
        problems[k] = problem
        theta, f, nit = grown(problems, rs)
    else:
        theta = pruned_wide(problem, rs, initial) if kind == "wide" else None
        # A pruned wide network is settled already (its units are those of a minimum):
        # the repulsion stages would push them off. When none could be made, a "wide"
        # start is a "random" one.
        anneal = theta is None
        if theta is None:
            theta = initial(problem, "random" if kind == "wide" else kind, rs)
        for stage in range(opts["n_anneal"] if opts["repulsion"] > 0 and anneal else 0):
            # Penalised stages only steer (units apart); they need not converge tightly.
            lam = opts["repulsion"] * float(np.var(problem.Y)) / 10 ** stage
            theta, _, it = problem.local(theta, tol="loose", maxiter=20,
                                         penalty=penalised(problem.obj, problem.sizes, lam))
            nit += it
        theta, f, it = problem.local(theta)
        nit += it
    if not np.isfinite(f):
        return theta, np.inf, nit
    return theta, f, nit


def _moves(problem, theta, f, rs, n_revive):
    """The unit moves after a start's local run: revival of wasted units, swap descent."""
    theta, f, nit = revive(problem, theta, f, rs, n_revive)
    if problem.unit_moves:
        theta, f, it = swap_descent(problem, theta, f, rs)
        nit += it
    return theta, f, nit


def _start_ahead(reach, hop_seed, n_revive, *args):
    """One start (:func:`_start` of `args`) and, run ahead in the worker, the unit moves
    the parent will give it unless it reached the best: ``(theta, f, nit, ahead)``.

    With ``n_jobs > 1`` the starts run in workers but the moves would run in the
    parent, one start after another: they took as long as the starts themselves
    (Euclid square, 3 units). `reach` (a :class:`_Reach`, the parent's best when the
    batch was sent) skips the moves of a start that will most likely reach the best.
    ``ahead`` is ``(theta, f, nit, random state after the moves)`` or None; the moves
    depend only on the start's minimum and `hop_seed`, so the parent uses them as if
    it had made them (results do not depend on ``n_jobs``), and makes them itself when
    ``ahead`` is None but the start did not reach its best after all.
    """
    theta, f, nit = _start(*args)
    problem = Problem(*args[0], args[3]["sizes"], args[3]["act"], args[3]["output"],
                      args[3]["loss"], args[3]["maxiter"])
    return (theta, f, nit, _moved_ahead(problem, theta, f, reach, hop_seed, n_revive))


def _local_ahead(reach, hop_seed, n_revive, problem, theta):
    """A recombination round's local run with its moves run ahead (as :func:`_start_ahead`)."""
    theta, f, nit = _local_run(problem, theta)
    return (theta, f, nit, _moved_ahead(problem, theta, f, reach, hop_seed, n_revive))


def _moved_ahead(problem, theta, f, reach, hop_seed, n_revive):
    if not np.isfinite(f) or f <= reach.minima.floor or reach(problem, theta, f):
        return None
    rs = check_random_state(hop_seed)
    theta, f, nit = _moves(problem, theta, f, rs, n_revive)
    return theta, f, nit, rs.get_state()


class _Reach:
    """Whether a start's minimum reached the best (see :meth:`_Search.offer`), from a
    snapshot of the best that can travel to a worker."""

    def __init__(self, search):
        self.f, self.funnel = search.f, search.funnel
        self.has_best = search.theta is not None
        self.minima = Minima(search.minima.rtol, search.minima.floor)
        self.minima.best, self.minima.orbit = search.minima.best, list(search.minima.orbit)

    def __call__(self, problem, theta, f):
        """Whether a start at `theta` (loss `f`) is in the best's funnel: its loss
        matches the best's or a copy's, or (within BAND above it) it has the best's
        or a copy's arrangement, up to a few samples."""
        if not self.has_best or f < self.f * (1 - _RTOL):
            return False
        if self.minima.in_best(f):
            return True
        return f <= self.f * (1 + BAND) and self.in_funnel(problem, theta)

    def in_funnel(self, problem, theta):
        if not self.funnel or self.funnel[0] is None:
            return False
        mine = arrangement(problem, theta)
        return any(same_arrangement(mine, a) for a in self.funnel)


# --------------------------------------------------------------------- the record of starts

class _Search:
    """The incumbent, the starts' losses and the candidates for the polish, built up
    start by start in seed order (so the outcome does not depend on ``n_jobs``)."""

    def __init__(self, problem, mats, floor, n_jobs, n_revive):
        self.problem, self.mats, self.n_jobs = problem, mats, n_jobs
        self.n_revive = n_revive
        self.minima = Minima(_RTOL, floor)
        self.theta, self.f = None, np.inf
        self.pool = []  # (theta, f) of the minima met: candidates for the final polish
        self.nit = 0
        self.by_symmetry = False
        self.funnel = []  # arrangements of the best and its images (see same_arrangement)
        self._recombined_at, self.n_recombined, self.by_recombination = -1, 0, False

    def _set_best(self, theta, f):
        self.theta, self.f = theta, f
        thetas = [theta] + [image(theta, self.problem.sizes, P) for P in self.mats]
        self.funnel = [arrangement(self.problem, t) for t in thetas]

    def _reached(self, theta, f):
        """Whether a start at `theta` (loss `f`, not below the best) is in the best's funnel."""
        return _Reach(self)(self.problem, theta, f)

    def in_funnel(self, theta):
        """Whether `theta` has the best's arrangement (or a copy's), up to a few samples."""
        return _Reach(self).in_funnel(self.problem, theta)

    def _ahead(self):
        """Whether the moves run ahead in the workers (:func:`_start_ahead`)."""
        return effective_n_jobs(self.n_jobs) > 1

    def run_starts(self, args, hop_seeds):
        """Run the starts of `args` (:func:`_start`'s arguments): ``(theta, f, nit, ahead)``
        each, ``ahead`` None unless the moves ran ahead in a worker."""
        if not self._ahead():
            return [(*run, None) for run in run_trials(_start, args, n_jobs=self.n_jobs)]
        reach = _Reach(self)
        return run_trials(_start_ahead, [(reach, s, self.n_revive, *a)
                                         for a, s in zip(args, hop_seeds)], n_jobs=self.n_jobs)

    def recombine(self, seed, finished):
        """One round of recombination (:mod:`._recombine`): the best subsets of the units
        of the minima met, settled by L-BFGS, offered uncounted (kind "recombined"); with
        them the best minimum's flip-replacements (:func:`._reorient.flip_replaced`)
        and single-unit flips (:func:`._reorient.single_flips`), kind "flipped", and,
        on 1-D inputs, its interval descent (:func:`._intervals.interval_descent`, kind
        "intervals"); with 2 or more inputs
        and at most 2 units (or all units along one direction), the best 1-D networks
        along its units' directions (:func:`._intervals.ridge_starts`, kind "ridge").

        Skipped when no minimum was added since the last round. Returns whether it
        found a new best (lower by more than the tolerance).
        """
        if len(self.pool) == self._recombined_at:
            return False
        rs = check_random_state(seed)
        thetas = recombined(self.problem, self.pool, rs)
        kinds = ["recombined"] * len(thetas)
        if self.problem.sizes[1] > 1:
            flips = (flip_replaced(self.problem, self.theta, self.f, rs)
                     + single_flips(self.problem, self.theta))
            thetas, kinds = thetas + flips, kinds + ["flipped"] * len(flips)
        placed = interval_descent(self.problem, self.theta, self.f)  # 1-D / ridge only
        thetas, kinds = thetas + placed, kinds + ["intervals"] * len(placed)
        ridges = ridge_starts(self.problem, self.theta)  # 2+ inputs
        thetas, kinds = thetas + ridges, kinds + ["ridge"] * len(ridges)
        seeds = draw_seeds(rs, len(thetas))  # (before the runs: they draw nothing from rs)
        if self._ahead():
            reach = _Reach(self)
            runs = run_trials(_local_ahead, [(reach, s, self.n_revive, self.problem, t)
                                             for t, s in zip(thetas, seeds)], n_jobs=self.n_jobs)
        else:
            runs = [(*run, None) for run in run_trials(
                _local_run, [(self.problem, t) for t in thetas], n_jobs=self.n_jobs)]
        before = self.f
        for (theta, f, nit, ahead), s, kind in zip(runs, seeds, kinds):
            finished.append((kind, s, f))
            self.offer(theta, f, nit, s, counted=False, ahead=ahead)
            self.n_recombined += 1
        # (the pool now holds the recombinations' own minima: a round on it alone would
        # find them again)
        self._recombined_at = len(self.pool)
        improved = self.f < before * (1 - _RTOL)
        self.by_recombination = self.by_recombination or improved
        return improved

    def offer(self, theta, f, nit, seed, counted, independent=True, ahead=None):
        """Fold one start's local minimum in.

        A start that ended in the best's funnel (its loss matches the best's or a
        copy's, or it has their arrangement: :func:`.same_arrangement`) reached the
        best, and is recorded at the funnel's bottom. Any other start first gets
        the unit moves (:func:`_moves`; `ahead`: those a worker made already, see
        :func:`_start_ahead`); then, below the incumbent or within :data:`BAND` above
        it without matching it, it is canonicalised; then it is counted.
        """
        self.nit += nit
        if not np.isfinite(f):
            self.minima.add(np.inf, counted, independent=independent)
            return
        rs = check_random_state(seed)
        if f <= self.minima.floor:  # an exact fit: nothing to improve, nothing below it
            self.pool.append((theta, f))
            if f < self.f:
                self._set_best(theta, f)
            self.minima.add(f, counted, arrangement(self.problem, theta), independent)
            return
        reached = self._reached(theta, f)
        if not reached:
            if ahead is not None:  # the same moves, made in the worker
                theta, f, it, state = ahead
                rs.set_state(state)
            else:
                theta, f, it = _moves(self.problem, theta, f, rs, self.n_revive)
            self.nit += it
            reached = self._reached(theta, f)
        self.pool.append((theta, f))
        if reached:
            if f < self.f:  # within the tolerance below it: the same minimum, a bit lower
                self._set_best(theta, f)
            self.minima.add(min(f, self.minima.best), counted, self.funnel[0] if self.funnel
                            else arrangement(self.problem, theta), independent)
            return
        if (self.theta is None or f < self.f * (1 - _RTOL)
                or (f <= self.f * (1 + BAND) and not self.minima.in_best(f))):
            theta, f, orbit, found, it, sym = canonical(
                self.problem, theta, f, self.mats, rs, _HOP_PATIENCE, _RTOL, self.n_jobs)
            self.nit += it
            self.pool += found
            new_best = self.theta is None or f < self.f * (1 - _RTOL)
            if f < self.f:
                self._set_best(theta, f)
                self.by_symmetry = sym
            # (a new best clears the old best's copies)
            self.minima.add(f, counted, arrangement(self.problem, theta), independent)
            if new_best:
                self.minima.orbit = orbit
            elif f < self.f * (1 + _RTOL):
                self.minima.orbit = self.minima.orbit + orbit  # more copies of the best
            return
        if f < self.f:
            self._set_best(theta, f)
        self.minima.add(f, counted, arrangement(self.problem, theta), independent)


# --------------------------------------------------------------------- full-data polish

def _polish_ladder(pool, best, Xs, Ys, rows, opts, n_search, mats, rs, n_jobs, floor):
    """Polish the best minima of a subsampled search on ever larger samples.

    Candidates: the distinct minima within ``_CARRY_BAND`` of the best on the
    search sample (the best's symmetric copies included), at most ``_CARRY``.
    Each rung multiplies the sample by 8 (the search rows first, so each rung's
    sample contains the last) until all rows are used, a later rung below all of
    them holding at most a quarter of the rows (:func:`_next_rung`); rungs below all
    the data run L-BFGS at the loose tolerance (they only rank), all the data at the
    normal one (the winner's tight run comes after the ladder); after each rung the
    distinct candidates within ``_CARRY_BAND`` of the rung's best go on (at most
    ``_CARRY``), except those behind it by more than three standard errors of
    the per-sample loss difference (:func:`_may_overtake`). On a 200000-point
    Euclid square, two minima 5e-4 apart (copies under the square's symmetry)
    swap ranks between 16000 rows and all of them: carrying only the best 3
    within 0.5% ended in the worse one in 2 of 4 calls, carrying the
    statistically undecided ones in 0 of 3 (measured by hand once; the check
    that stays is benchmarks/scaling.py against a full-data search).

    On the first rung the best is also canonicalised (copies, basin hopping):
    the search sample's ranking of nearby minima need not hold on more data (on
    a 1500-row sample of a 6000-row Euclid square, the best basin of the sample
    was 5e-4 above the best of all the data), and walking the funnel again on
    8 times the rows costs far less than on all of them; the kink minima left
    by the larger sample are about 1/(8 n_search) apart.

    Returns ``(theta, iterations, improved_by_symmetry)``.
    """
    pool = sorted(pool, key=lambda p: p[1])
    cands = []
    for theta, f in pool:
        if f > best * (1 + _CARRY_BAND) or len(cands) == _CARRY:
            break
        if all(abs(f - g) > _RTOL * g for _, g in cands):
            cands.append((theta, f))
    n = len(Xs)
    outside = np.ones(n, bool)
    outside[rows] = False
    rest = check_random_state(len(rows)).permutation(np.flatnonzero(outside))
    order = np.concatenate([rows, rest])
    size, nit, by_sym, first = n_search, 0, False, True
    while True:
        size = _next_rung(size, n, first)
        idx = order[:size]
        problem = Problem(Xs[idx], Ys[idx], opts["sizes"], opts["act"], opts["output"],
                          opts["loss"], opts["maxiter"])
        tol = "normal" if size == n else _LADDER_TOL
        # Threads: the rungs' runs are numpy passes over up to all the rows (the GIL is
        # released there), and threads share the rows where worker processes would each
        # get a copy (megabytes per candidate). By hand, 3 calls at 200000 points with
        # n_jobs=2: the ladder took 2% to 15% less time than in one process.
        runs = run_trials(Problem.local, [(problem, t, tol) for t, _ in cands],
                          n_jobs=n_jobs, prefer="threads")
        runs = sorted((r for r in runs if np.isfinite(r[1])), key=lambda r: r[1])
        if not runs:
            return cands[0][0], nit, by_sym
        nit += sum(r[2] for r in runs)
        if first and runs[0][1] > floor:  # (an exact fit has nothing to canonicalise)
            first = False
            theta, f, _, found, it, by_sym = canonical(problem, runs[0][0], runs[0][1], mats,
                                                       rs, _HOP_PATIENCE, _RTOL, n_jobs)
            nit += it
            runs = sorted(runs + [(t, g, 0) for t, g in found] + [(theta, f, 0)],
                          key=lambda r: r[1])
        top = runs[0][1]
        if size == n:
            return runs[0][0], nit, by_sym
        cands = []
        for t, g, _ in runs:
            if g > top * (1 + _CARRY_BAND) or len(cands) == _CARRY:
                break
            if all(abs(g - h) > _RTOL * h for _, h in cands) and (
                    not cands or _may_overtake(problem, t, cands[0][0])):
                cands.append((t, g))


def _next_rung(size, n, first=False):
    """Rows of the polish ladder's rung after one of `size` rows, of `n` (see _LADDER_*).

    The `first` rung (where the best is canonicalised again) is always `_LADDER_FACTOR`
    times the search sample: capped at a quarter of 20000 rows (5000), it ended one of
    5 Euclid calls 0.2% above the optimum that 16000 rows reach (benchmarks/scaling.py).
    """
    nxt = _LADDER_FACTOR * size
    if nxt >= n:
        return n
    if first or nxt <= _LADDER_LAST * n:
        return nxt
    return int(_LADDER_LAST * n) if size < _LADDER_LAST * n else n


def _may_overtake(problem, theta, theta_best, z=3.0):
    """Whether `theta` could still beat `theta_best` on more data.

    On the rung's sample, the mean of the per-sample loss differences must be
    within `z` standard errors of 0 (it is the estimate of the difference on the
    data the rows are drawn from); a candidate behind by more is dropped, which
    spares its L-BFGS runs on every larger rung (200000 rows: about a second each).
    """
    diff = _per_sample_loss(problem, theta) - _per_sample_loss(problem, theta_best)
    return diff.mean() <= z * diff.std() / np.sqrt(len(diff))


def _per_sample_loss(problem, theta):
    err = problem.obj.forward(theta)[1][1][-1] - problem.Y
    return np.mean(err ** 2 if problem.loss == "mse" else np.abs(err), axis=1)


# --------------------------------------------------------------------- result

def _network(theta, sizes, act, out, loss, scaling, X, Y):
    """The network in the data's coordinates and its loss recomputed on the data.

    With a least-squares output layer it is also solved in the data's
    coordinates, and kept when that gives a lower loss (rounding of the map back).
    """
    net = Network.from_flat(scaling.to_data(theta, sizes), sizes, act, out)
    stated = float(loss_of(net, X, Y, loss))
    if loss == "mse" and out == "linear":
        flat = net.to_flat()
        Ws, bs = unflatten(flat, sizes)
        H = net.hidden_outputs(X)[-1]
        Ws[-1][...], bs[-1][...] = solve_affine(H, Y)
        if np.all(np.isfinite(flat)):
            other = Network.from_flat(flat, sizes, act, out)
            other_loss = float(loss_of(other, X, Y, loss))
            if other_loss < stated:
                net, stated = other, other_loss
    return net, stated


def _message(reason, n, n_warm, reached, minima, p_better, unseen, missable, confirm,
             max_restarts, max_time, default_time, n_search, n_data, exact, skip_repulsion,
             by_symmetry, n_recombined=0, by_recombination=False, ruled=None):
    where = (f" on a subsample of {n_search} of {n_data} rows, then polished on all"
             if n_search < n_data else "")
    head = f"best of {n} starts" + (f" and {n_warm} warm starts" if n_warm else "") + where
    if exact:
        body = f"; an exact fit (loss at the floor {_EXACT_FLOOR:g} x var(y)): optimal"
    else:
        reached_ruled, n_ruled = ruled if ruled is not None else (reached, n)
        counted = (f" ({reached_ruled} of the {n_ruled} not grown, which the stopping rule "
                   f"counts)" if n_ruled < n else "")
        body = (f"; {reached} of {n} starts reached it{counted}, {minima} distinct minima "
                f"seen, "
                f"chance that one more start finds a new one {unseen:.2g} (Good-Turing); "
                f"a minimum whose basin draws more than {missable:.0%} of starts would have "
                f"been seen (95%), a smaller basin may hide a better one; "
                f"Boender-Rinnooy Kan posterior chance that an unseen minimum is lower "
                f"{p_better:.2g} (conservative: it ignores how often the best was reached)")
    if by_symmetry:
        body += "; improved by a symmetric image"
    if n_recombined:
        body += (f"; {n_recombined} recombinations tried (of the minima's units, and of the "
                 f"best's with units flipped, moved or along one direction; uncounted)"
                 + (", one gave the best" if by_recombination else ""))
    if skip_repulsion:
        body += f"; repulsion skipped (layers wider than {MAX_REPULSION_UNITS} units)"
    if reason == "confirmed":
        rule = ("an exact fit" if exact else
                f"stopping rule met: {confirm} starts (grown ones aside) reached the best, "
                f"and a new start is no more likely to find a new minimum than the best")
        return f"CONFIRMED ({rule}): " + head + body
    why = (f"max_restarts={max_restarts} starts ran out" if reason == "max_restarts" else
           f"max_time={max_time:g} s{' (the default)' if default_time else ''} ran out; "
           f"the result depends on the machine's speed" if reason == "max_time"
           else "interrupted")
    short = (f"{confirm} starts (grown ones aside) reached the best"
             if (ruled[0] if ruled is not None else reached) < confirm else
             "the chance of a new minimum fell below the best's share of the starts")
    return (f"UNCONFIRMED ({why} before {short}; a better minimum may exist): " + head
            + body)

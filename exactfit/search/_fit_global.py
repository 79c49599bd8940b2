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
   flipped at once, :mod:`._reorient`; in a network of two or more hidden ReLU or
   leaky-ReLU layers, MSE and a linear output, the swaps of its last hidden layer on
   the features of the layers below, :mod:`._layerwise`); if it then ends within 5% of the
   incumbent without matching it, it is canonicalised (:mod:`._canonical`: its
   symmetric copies re-optimised, under the signed permutations of the inputs the
   search sample looks invariant under, :func:`._symmetry.invariant`; then
   monotonic basin hopping, again from any
   lower minimum the hop reached), so that starts in one basin report one loss.
4. Starts are drawn until the best minimum has been reached by `confirm`
   independent starts, counting copies of it under the data's symmetries
   (:mod:`._stopping`, :mod:`._symmetry`), or until `max_restarts` or
   `max_time` runs out; then the result says so and a
   :class:`UnconfirmedOptimumWarning` is raised. The stopping point is decided
   on the starts in seed order, so the result does not depend on ``n_jobs``.
   Each time the starts would stop (one hidden ReLU layer, MSE; "ReLU" here and in
   step 3's moves includes leaky ReLU, :data:`._local.PIECEWISE_LINEAR`), the units of
   all the minima met are recombined (:mod:`._recombine`: the best subsets of
   them by exact least squares, settled by L-BFGS and the moves) and offered
   uncounted, with the best minimum's near-linear unit replaced after flipping
   other units (:func:`._reorient.flip_replaced`) and with each of its units flipped
   alone (:func:`._reorient.single_flips`) and, on 1-D inputs (or units all
   along one direction), the best's breakpoints moved between samples
   (:mod:`._intervals`), and with 2+ inputs and at most 2 units the best
   networks of one projection ``v . x`` along the best's unit directions, and with
   each of its units redrawn at random (:func:`._moves.redrawn`); a new
   best found so is
   confirmed by no start, so the starts go on while the budget allows; once
   `max_restarts` is spent, rounds follow one another while each lowers the best.
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

from .._parallel import draw_seeds, inside_trials, one_blas_thread
from .._validation import (check_choice, check_data, check_hidden, check_nonnegative,
                           check_positive_int, check_random_state)
from ..activations import check_activation
from ..construct._lstsq import solve_affine
from ..losses import LOSSES, loss as loss_of
from ..network import Network, n_params, unflatten
from ..result import FitResult
from ._checks import (check_bool, check_exact, check_init, check_max_time, check_memory,
                      check_n_jobs, check_n_restarts, check_subsample, check_symmetries,
                      int_seed, start_kinds)
from ._exact import _EXACT_FLOOR, CheckTimedOut, binned_exact_start, exact_optimum
from ._ladder import polish_ladder
from ._local import Problem, has_top_moves, has_unit_moves
from ._penalty import MAX_REPULSION_UNITS
from ._scaling import Scaling
from ._search import Search
from ._starts import START_KINDS  # noqa: F401 (START_KINDS: docs)
from ._stopping import UnconfirmedOptimumWarning
from ._symmetry import box_symmetries, invariant

__all__ = ["fit_global"]

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
# Starts of "auto", cycled: with the unit moves (one hidden ReLU or leaky-ReLU layer,
# MSE, linear output), and otherwise.
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
        Stop starting after this many seconds (the start under way finishes, and no
        recombination round follows; a round under way finishes the batch of 8 of its
        starts under way, and the message says it stopped; the polish on all the data
        still runs); the
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
        one hidden ReLU or leaky-ReLU layer; a random boundary through a sample
        otherwise); each round is kept if the loss went down. 0 turns it off.
        Starts that ended in the best's funnel skip it (and the swap moves): see
        step 3 of the module docstring.
    starts : "auto" or one of :data:`START_KINDS` or list of them, default="auto"
        Kind of each start, cycled. "auto": "spread", "data", "grow", "random",
        "grow" with one hidden ReLU or leaky-ReLU layer, MSE and a linear output
        (the unit moves' case), each preceded by a "wide" start for 3 or more
        inputs; "spread", "data", "spread", "random" otherwise ("grow" and "wide"
        need the former).
    symmetries : "auto" or bool, default="auto"
        Re-optimise the images of each new best network under the symmetries of
        the data's bounding box (signed permutations of the standardised inputs:
        7 images in 2-D, 47 in 3-D), and count starts that end in a copy of the
        best as reaching it. "auto": on for 1 to 3 inputs, and only the images
        under which the search sample looks invariant (:func:`._symmetry.invariant`:
        a skewed or clustered sample has no copies to find). True: all of them;
        refused for more than 4 inputs (``d! 2^d - 1`` images).
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
        94, 34, 19 in 1-D and 85, 61, 23, 10, 7 in 2-D for 1 to 5 units; up to an
        estimated 300 s (2-D: 85, 85, 44, 16, 10 points; the estimate is usually
        pessimistic, ``benchmarks/exact_estimate.py``: 31- to 36-point samples with 3
        units take 27 to 87 s of CPU, 40 and 48 points 77 to 112 s and 238 to 249 s),
        after the search, to certify or correct its best (the
        message gives the search's loss; skipped when `max_time` is given). Either runs
        under a hard limit of wall clock (20 s and 300 s): past it the search's answer
        stands and the message says so. True:
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
        One hidden ReLU or leaky-ReLU layer, MSE, linear output: each time the
        starts would stop, try the best networks made of units of the minima met,
        the best minimum with its near-linear unit replaced after flipping others,
        and on 1-D inputs the best with its breakpoints moved (step 4 of the module
        docstring). They are offered uncounted, like warm starts; a new best
        they find keeps the starts going (it is not confirmed by any start). Why:
        a best basin that draws 1% of the starts is missed by a default call
        most of the time, while its units often sit in minima the starts did
        reach (benchmarks/fresh.py). Two or more hidden ReLU or leaky-ReLU layers,
        MSE, linear output: the rounds redraw one unit of the best at a time
        (:func:`._layerwise.redrawn_layers`).
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
        Show a progress bar over starts, and one over pattern sets while the exact
        enumeration runs (steps 2 and 6: the check can take minutes).

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
          "flipped", "intervals", "ridge", "redrawn") after the starts that preceded them;
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
          "recombined", "flipped", "intervals", "ridge", "redrawn");
          ``improved_by_recombination``: one of them set a new best.

        Ctrl-C stops the call wherever it lands and returns the best so far with
        ``success=False`` and ``interrupted=True`` (False otherwise): during the
        starts or a recombination round, the best minimum met, polished on all the
        data (``stop_reason="interrupted"``, an UnconfirmedOptimumWarning); during
        that polish, the best so far with its output layer fitted on all the data
        (the same); during the check by enumeration, the search's answer as it was
        (its ``stop_reason``), the message saying the check was interrupted. Before
        any start finished (or during the enumeration of step 2), the
        KeyboardInterrupt reaches the caller; so it does inside a trial of
        :func:`exactfit.benchmark` or :func:`exactfit.sweep`, so that one Ctrl-C
        stops the whole run.

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
    auto_symmetries = isinstance(symmetries, str)
    symmetries = check_symmetries(symmetries, d)
    exact = check_exact(exact)
    auto_rows = max(_SEARCH_ROWS, _ROWS_PER_PARAMETER * n_params(sizes))
    n_search = check_subsample(subsample, len(X),
                               auto_rows if len(X) > _SUBSAMPLE_FACTOR * auto_rows else len(X))
    unit_moves = has_unit_moves(sizes, activation, output, loss)
    kinds = start_kinds(starts, unit_moves, _AUTO_WIDE if X.shape[1] >= _WIDE_MIN_INPUTS
                        else _AUTO_MOVES,
                        _AUTO_DEEP if len(hidden) > 1 and activation == "relu" else _AUTO_PLAIN)
    top_moves = has_top_moves(sizes, activation, output, loss)
    recombine = recombine and (unit_moves or top_moves)
    skip_repulsion = repulsion > 0 and max(hidden) > MAX_REPULSION_UNITS
    check_memory(len(X), n_search, sizes, repulsion > 0 and not skip_repulsion,
                 unit_moves or top_moves,
                 workers=effective_n_jobs(n_jobs))

    check_note = ""  # what became of a check by enumeration that ran out of time
    if exact is not False:
        try:
            res = exact_optimum(X, Y, sizes, activation, output, loss, exact, t0,
                                random_state, progress=progress)
        except CheckTimedOut as out:  # estimated cheap, but was not: the search decides
            res, check_note = None, f"; {out}, so the search was run instead"
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
    mats = box_symmetries(d) if symmetries else []
    if auto_symmetries:  # only the copies the search sample has
        mats = invariant(data[0], mats)
    search = Search(Problem(*data, sizes, activation, output, loss, maxiter), mats,
                    _EXACT_FLOOR if loss == "mse" else 0.0, n_jobs, revive)
    warm_seeds = draw_seeds(aux, 2 * len(init))
    finished = []  # (kind, seed, raw loss) of every start that finished, in order
    counted_kinds = []  # kind of each counted start, in seed order (as minima.losses)
    failed_seeds = []
    interrupted, stop_reason = False, None
    # Where a Ctrl-C stopped the call (None: in the starts, or not at all), and whether
    # the starts had met the stopping rule by then (the message says both).
    phase, cut, rule_met = None, None, False
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
            if (stop_reason in ("confirmed", "max_restarts") and not interrupted and recombine
                    and not search.minima.exact):
                # Before stopping, recombine the units of the minima met; a new best found
                # so is not confirmed by any start, so the starts go on (budget allowing).
                # Not once max_time ran out: a round is many starts (2-D, 60 points, 20
                # units: max_time=60 ended after 91 s with it); and a round under way
                # starts no batch of its starts past max_time (deadline).
                phase = "a recombination round"
                deadline = t0 + time_limit
                found = search.recombine(draw_seeds(recombine_rs, 1)[0], finished, deadline)
                if found and stop_reason == "confirmed":
                    stop_reason = _stop(search.minima, confirm, n_restarts, max_restarts,
                                        time.perf_counter() - t0, time_limit)
                # Out of starts: while a round lowers the best, the next round starts from
                # the new best (its flips, redraws and recombinations are new). Built on a
                # fresh 8-input problem (benchmarks/fresh.py, seed 10609 of --dims 4 5 6 8:
                # 163 points, 4 units) where no start came within 5% of the best and every
                # call's best came from its last round; there the extra rounds lowered 3 of
                # 4 runs by 0.006% to 0.5% (fresh_highdim_rounds.md; 3% by hand with other
                # round seeds, not reproduced by this loop).
                while (found and stop_reason == "max_restarts"
                       and time.perf_counter() - t0 <= time_limit):
                    found = search.recombine(draw_seeds(recombine_rs, 1)[0], finished,
                                             deadline)
                phase = None
    except KeyboardInterrupt:
        if inside_trials():  # a benchmark's or sweep's trial: one Ctrl-C stops them all
            raise
        interrupted, cut = True, phase
    finally:
        bar.close()
    if search.theta is None:
        if interrupted:
            raise KeyboardInterrupt("fit_global was interrupted before any start finished.")
        raise RuntimeError(f"every start of fit_global diverged (non-finite weights or loss; "
                           f"{len(failed_seeds)} starts): check the data's scale.")
    if interrupted:
        rule_met, stop_reason = stop_reason == "confirmed", "interrupted"

    # Polish on all the data (a ladder of samples after a subsampled search), then tightly.
    # A Ctrl-C there keeps the best so far, its output layer fitted on all the data (one
    # least-squares solve): the call then returns at once, marked interrupted.
    nit, it = search.nit, 0
    theta = search.theta
    full = Problem(Xs, Ys, sizes, activation, output, loss, maxiter)
    try:
        if rows is not None:
            theta, it, by_sym = polish_ladder(search.pool, search.f, Xs, Ys, rows, opts,
                                               n_search, search.mats,
                                               check_random_state(seeds[0]), n_jobs,
                                               search.minima.floor)
            nit += it
            search.by_symmetry = search.by_symmetry or by_sym
        theta, _, it = full.local(theta, tol="tight")
    except KeyboardInterrupt:
        if inside_trials():
            raise
        theta, it = full.polish(theta), 0
        if not interrupted:
            rule_met, stop_reason, interrupted = stop_reason == "confirmed", "interrupted", True
        cut = "the polish on all the data"
    net, stated = _network(theta, sizes, activation, output, loss, scaling, X, Y)
    # The check by enumeration may take minutes: not when the caller bounded the time,
    # nor after an exact fit (MSE at the floor, below the certificate's own tolerance of
    # 1e-9 var(y): no network is lower by more; on 34- and 36-point samples the check
    # took 40 to 54 s to say so, benchmarks/results/fresh_small2d_b.md).
    exact_fit = loss == "mse" and stated <= _EXACT_FLOOR * float(np.var(Y))
    if exact == "auto" and not interrupted and max_time is None and not exact_fit:
        try:
            res = exact_optimum(X, Y, sizes, activation, output, loss, "verify", t0,
                                random_state, incumbent=net, searched=stated,
                                progress=progress)
        except CheckTimedOut as out:  # the estimate was too low: the search's answer stands
            res, check_note = None, check_note + f"; its check by {out}"
        except KeyboardInterrupt:  # the search's answer stands as it was, not certified
            if inside_trials():
                raise
            res, interrupted = None, True
            check_note += ("; its check by certify.exact_2d (or exact_1d) was interrupted "
                           "(Ctrl-C): not certified")
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
                   ruled=(minima.n_reached_ruled, minima.n_ruled), cut=cut,
                   rule_met=rule_met, deep=top_moves, round_cut=search.round_cut) + check_note
    if not confirmed:
        # stacklevel 3: past one_blas_thread's wrapper, to the caller's line
        warnings.warn(msg, UnconfirmedOptimumWarning, stacklevel=3)
    factor = scaling.loss_factor(loss)
    return FitResult(network=net, loss=stated, loss_kind=loss, method="fit_global",
                     success=not interrupted, interrupted=interrupted, message=msg,
                     evidence="search",
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
             by_symmetry, n_recombined=0, by_recombination=False, ruled=None, cut=None,
             rule_met=False, deep=False, round_cut=False):
    """fit_global's message. `cut`: what a Ctrl-C cut short after the starts (a
    recombination round, the polish on all the data), with `rule_met`, whether the
    starts had met the stopping rule by then; `deep`: the rounds were a deep network's
    redraws; `round_cut`: a round stopped at `max_time`."""
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
        body += ((f"; {n_recombined} redraws tried (the best's hidden units redrawn one "
                  f"at a time; uncounted)" if deep else
                  f"; {n_recombined} recombinations tried (of the minima's units, and of the "
                  f"best's with units flipped, moved, redrawn or along one direction; "
                  f"uncounted)")
                 + (", one gave the best" if by_recombination else "")
                 + (f"; the last round stopped at max_time={max_time:g} s before all its "
                    f"starts ran" if round_cut else ""))
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
    if reason == "interrupted" and cut is not None:
        rule = ("after the starts had met the stopping rule" if rule_met else
                "before the starts had met the stopping rule")
        kept = ("; the network is the best so far with its output layer fitted on all the "
                "data" if cut == "the polish on all the data" else "")
        return (f"UNCONFIRMED (interrupted (Ctrl-C) during {cut}, {rule}{kept}; a better "
                f"minimum may exist): " + head + body)
    short = (f"{confirm} starts (grown ones aside) reached the best"
             if (ruled[0] if ruled is not None else reached) < confirm else
             "the chance of a new minimum fell below the best's share of the starts")
    return (f"UNCONFIRMED ({why} before {short}; a better minimum may exist): " + head
            + body)

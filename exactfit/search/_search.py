"""The record of starts: one start, its unit moves, and the incumbent they are folded into.

:func:`one_start` runs a start to its local minimum; :class:`Search` folds the
starts in, one after another in seed order (the best, the funnel of arrangements
around it, the record of minima the stopping rule reads, the candidates for the
polish), gives a start the unit moves when it did not reach the best and
canonicalises it when it ends near the best, and runs the recombination rounds.
With ``n_jobs > 1`` the moves are made ahead in the workers (:func:`start_ahead`,
against a :class:`Reach` snapshot of the best); the parent uses them only when
they are the moves it would have made itself, so results do not depend on
``n_jobs``.
"""

import time

import numpy as np
from joblib import effective_n_jobs

from .._parallel import draw_seeds, run_trials
from .._validation import check_random_state
from ._canonical import BAND, _local_run, arrangement, canonical, same_arrangement
from ._intervals import interval_descent, ridge_starts
from ._layerwise import redrawn_layers, screened, top_layer_moves
from ._local import Problem
from ._moves import grown, redrawn, revive, swap_descent
from ._penalty import penalised
from ._recombine import recombined
from ._reorient import flip_replaced, single_flips
from ._starts import initial, padded
from ._stopping import Minima
from ._symmetry import image
from ._wide import pruned_wide

# Two starts are in the same minimum when their losses agree to this relative tolerance
# (after basin hopping, the minima of a finite sample that remain distinct differ by
# more; kinks where a sample crosses a unit's boundary make minima ~1/n apart).
_RTOL = 1e-4
# Basin-hopping patience when a start is canonicalised: perturbations in a row that fail.
_HOP_PATIENCE = 5
# A recombination round with a deadline runs its starts in batches of this many, and
# starts no batch past the deadline (a deep network's round of 5 + 5 units is 80
# redraws, minutes on 1500 rows). A fixed size, so that where a round stops does not
# depend on n_jobs.
_ROUND_BATCH = 8


# --------------------------------------------------------------------- one start

def one_start(data, kind, seed, opts, warm=None, warm_sizes=None, scaling=None):
    """One start's local minimum: ``(theta, loss, iterations)``; loss inf if it diverged.

    The unit moves (:func:`start_moves`) are not applied here but by :meth:`Search.offer`,
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
        problems = {w: Problem(*data, (d, w, m), opts["act"], "linear", "mse", opts["maxiter"])
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


def start_moves(problem, theta, f, rs, n_revive):
    """The unit moves after a start's local run: revival of wasted units, swap descent (of
    the last hidden layer, on the features of the layers below, in a deep network)."""
    theta, f, nit = revive(problem, theta, f, rs, n_revive)
    if problem.unit_moves:
        theta, f, it = swap_descent(problem, theta, f, rs)
        nit += it
    elif problem.top_moves:
        theta, f, it = top_layer_moves(problem, theta, f, rs)
        nit += it
    return theta, f, nit


def start_ahead(reach, hop_seed, n_revive, *args):
    """One start (:func:`one_start` of `args`) and, run ahead in the worker, the unit moves
    the parent will give it unless it reached the best: ``(theta, f, nit, ahead)``.

    With ``n_jobs > 1`` the starts run in workers but the moves would run in the
    parent, one start after another: they took as long as the starts themselves
    (Euclid square, 3 units). `reach` (a :class:`Reach`, the parent's best when the
    batch was sent) skips the moves of a start that will most likely reach the best.
    ``ahead`` is ``(theta, f, nit, random state after the moves)`` or None; the moves
    depend only on the start's minimum and `hop_seed`, so the parent uses them as if
    it had made them (results do not depend on ``n_jobs``), and makes them itself when
    ``ahead`` is None but the start did not reach its best after all.
    """
    theta, f, nit = one_start(*args)
    problem = Problem(*args[0], args[3]["sizes"], args[3]["act"], args[3]["output"],
                      args[3]["loss"], args[3]["maxiter"])
    return (theta, f, nit, _moved_ahead(problem, theta, f, reach, hop_seed, n_revive))


def local_ahead(reach, hop_seed, n_revive, problem, theta):
    """A recombination round's local run with its moves run ahead (as :func:`start_ahead`)."""
    theta, f, nit = _local_run(problem, theta)
    return (theta, f, nit, _moved_ahead(problem, theta, f, reach, hop_seed, n_revive))


def _moved_ahead(problem, theta, f, reach, hop_seed, n_revive):
    if not np.isfinite(f) or f <= reach.minima.floor or reach(problem, theta, f):
        return None
    rs = check_random_state(hop_seed)
    theta, f, nit = start_moves(problem, theta, f, rs, n_revive)
    return theta, f, nit, rs.get_state()


#: Kinds of the recombination rounds' starts (uncounted; see :meth:`Search.recombine`).
ROUND_KINDS = ("recombined", "flipped", "intervals", "ridge", "redrawn")


class Reach:
    """Whether a start's minimum reached the best (see :meth:`Search.offer`), from a
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

class Search:
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
        self._recombined_at, self.n_recombined, self.by_recombination = None, 0, False
        self.round_cut = False  # a round stopped at its deadline

    def _set_best(self, theta, f):
        self.theta, self.f = theta, f
        thetas = [theta] + [image(theta, self.problem.sizes, P) for P in self.mats]
        self.funnel = [arrangement(self.problem, t) for t in thetas]

    def _reached(self, theta, f):
        """Whether a start at `theta` (loss `f`, not below the best) is in the best's funnel."""
        return Reach(self)(self.problem, theta, f)

    def in_funnel(self, theta):
        """Whether `theta` has the best's arrangement (or a copy's), up to a few samples."""
        return Reach(self).in_funnel(self.problem, theta)

    def _ahead(self):
        """Whether the moves run ahead in the workers (:func:`start_ahead`)."""
        return effective_n_jobs(self.n_jobs) > 1

    def run_starts(self, args, hop_seeds):
        """Run the starts of `args` (:func:`one_start`'s arguments): ``(theta, f, nit, ahead)``
        each, ``ahead`` None unless the moves ran ahead in a worker."""
        if not self._ahead():
            return [(*run, None) for run in run_trials(one_start, args, n_jobs=self.n_jobs)]
        reach = Reach(self)
        return run_trials(start_ahead, [(reach, s, self.n_revive, *a)
                                         for a, s in zip(args, hop_seeds)], n_jobs=self.n_jobs)

    def recombine(self, seed, finished, deadline=None):
        """One round of recombination (:mod:`._recombine`): the best subsets of the units
        of the minima met, settled by L-BFGS, offered uncounted (kind "recombined"); with
        them the best minimum's flip-replacements (:func:`._reorient.flip_replaced`)
        and single-unit flips (:func:`._reorient.single_flips`), kind "flipped", and,
        on 1-D inputs, its interval descent (:func:`._intervals.interval_descent`, kind
        "intervals"); with 2 or more inputs
        and at most 2 units (or all units along one direction), the best 1-D networks
        along its units' directions (:func:`._intervals.ridge_starts`, kind "ridge");
        and the best minimum with one unit redrawn at random (:func:`._moves.redrawn`,
        kind "redrawn"). A deep network (``problem.top_moves``) gets only the redraws,
        of any hidden layer's units (:func:`._layerwise.redrawn_layers`).

        Skipped when no minimum was added since the last round and the best is (within
        the tolerance) the one that round began from: a round that lowered the best
        can be followed by one from the new best. Returns whether it found a new best
        (lower by more than the tolerance). `deadline` (a ``time.perf_counter()``
        value): no batch of the round's starts begins after it (:attr:`round_cut`
        then says so); None: the whole round runs.
        """
        if self._recombined_at is not None:
            n_pool, began_at = self._recombined_at
            if len(self.pool) == n_pool and self.f >= began_at * (1 - _RTOL):
                return False
        rs = check_random_state(seed)
        if self.problem.top_moves:  # a deep network: its units' redraws only
            thetas, nit = screened(self.problem,
                                   redrawn_layers(self.problem, self.theta, rs), self.n_jobs)
            self.nit += nit
            return self._round(thetas, ["redrawn"] * len(thetas), draw_seeds(rs, len(thetas)),
                               finished, deadline)
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
        # (the redraws come after the other starts' seeds, so those stay as they were)
        redraws = redrawn(self.problem, self.theta, rs)  # none for one unit
        thetas, kinds = thetas + redraws, kinds + ["redrawn"] * len(redraws)
        seeds += draw_seeds(rs, len(redraws))
        return self._round(thetas, kinds, seeds, finished, deadline)

    def _round(self, thetas, kinds, seeds, finished, deadline=None):
        """Run a round's starts and offer them, uncounted; whether one lowered the best."""
        before = self.f
        reach = Reach(self) if self._ahead() else None  # (the best the round began from)
        step = max(len(thetas), 1) if deadline is None else _ROUND_BATCH
        for i in range(0, len(thetas), step):
            if i and time.perf_counter() > deadline:
                self.round_cut = True
                break
            batch, batch_seeds = thetas[i:i + step], seeds[i:i + step]
            # partial=False: a round cut short by Ctrl-C would pass for a finished one;
            # the KeyboardInterrupt goes on to fit_global, which stops there.
            if reach is not None:
                runs = run_trials(local_ahead, [(reach, s, self.n_revive, self.problem, t)
                                                 for t, s in zip(batch, batch_seeds)],
                                  n_jobs=self.n_jobs, partial=False)
            else:
                runs = [(*run, None) for run in run_trials(
                    _local_run, [(self.problem, t) for t in batch], n_jobs=self.n_jobs,
                    partial=False)]
            for (theta, f, nit, ahead), s, kind in zip(runs, batch_seeds, kinds[i:i + step]):
                finished.append((kind, s, f))
                self.offer(theta, f, nit, s, counted=False, ahead=ahead)
                self.n_recombined += 1
        # (the pool now holds the recombinations' own minima: a round on it alone would
        # find them again)
        self._recombined_at = (len(self.pool), before)
        improved = self.f < before * (1 - _RTOL)
        self.by_recombination = self.by_recombination or improved
        return improved

    def offer(self, theta, f, nit, seed, counted, independent=True, ahead=None):
        """Fold one start's local minimum in.

        A start that ended in the best's funnel (its loss matches the best's or a
        copy's, or it has their arrangement: :func:`.same_arrangement`) reached the
        best, and is recorded at the funnel's bottom. Any other start first gets
        the unit moves (:func:`start_moves`; `ahead`: those a worker made already, see
        :func:`start_ahead`); then, below the incumbent or within :data:`BAND` above
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
                theta, f, it = start_moves(self.problem, theta, f, rs, self.n_revive)
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

"""When to stop starting: the best confirmed by independent starts.

The search keeps drawing starts until the best minimum seen has been reached by
`confirm` of them (after at least `n_restarts`), or a budget runs out. A start
*reaches* the best when its final loss is within `rtol` of the best loss, or of
the loss of a re-optimised symmetric image of the best (:mod:`._symmetry`): on
a symmetric sample the copies of one minimum have losses up to ~1% apart, and
a start ending in any copy would lead the search to the best copy.

*Distinct minima* are the classes of final losses that lie within `rtol` of
each other (after merging the best's copies). Flat directions (a dead unit,
two units that could trade places) do not create new classes, since only the
loss is compared; two genuinely different minima whose losses agree within
`rtol` count as one, which is harmless here because the search reports a loss.

The estimated chance that a better minimum exists is Boender & Rinnooy Kan's
Bayesian one (Boender, C.G.E. and Rinnooy Kan, A.H.G., 1987, "Bayesian stopping
rules for multistart global optimization methods", Mathematical Programming 37,
59-80). Their model: the number of minima K has a uniform (improper) prior on
{1, 2, ...}; given K, the shares of the starts that end in each minimum are
uniform on the simplex; starts are independent. After n starts that found w
distinct minima the posterior is

    P(K | n, w)  proportional to  K! (K - 1)! / ((K - w)! (K + n - 1)!),  K >= w,

whose mean is their estimate of the number of minima, ``w (n - 1) / (n - w - 2)``.
If, as the model has no reason to deny, the global minimum is any of the K
minima with equal chance, independently of the shares, the probability that it
is one not yet seen is ``E[(K - w) / K | n, w]``, which equals ``w / (n - 1)``
(for n >= w + 2; with fewer starts the posterior is improper and the estimate
is 1). :func:`posterior` computes both; :func:`_posterior_sum` checks the closed
forms against the posterior summed term by term (tests).

Two quantities, and which one decides:

- **The stopping rule** (decides ``confirmed``): stop once `confirm` counted
  starts reached the best (or an exact fit was found). Under the same model, the
  chance that `confirm` independent starts all land in the best's basin when its
  share of the starts is p is p^confirm: a best reached 5 times out of 8 has a
  basin no start can easily miss. It is a statement about the best's basin.
- **Coverage** (also decides ``confirmed``): agreement alone is weak evidence on a
  rugged landscape. On wide 2-D problems (6 and 8 units) five starts often agreed
  on a basin 1% to 3% above the optimum while most other starts each found a
  minimum of their own (benchmarks/reliability.py: 10 of 11 missed calls were
  "confirmed"). The Good-Turing estimate of the chance that one more start ends
  in a minimum not seen yet is ``f1 / n`` (``f1``: minima reached by exactly one
  of the `n` counted starts; Good 1953, "The population frequencies of species
  and the estimation of population parameters", Biometrika 40, 237-264; one
  minus the sample coverage of Chao & Jost 2012). The rule asks that it be at
  most the best's own share of the starts, ``n_reached / n``: a new start is no
  more likely to find something new than to land in the best again, so any
  better minimum still unseen has a smaller basin than the best's. Where the
  best attracts most starts (the 3-unit Euclid samples: two thirds of them) this
  costs nothing; where it attracts few and new minima keep appearing, the search
  goes on to its budget and says so. Minima are told apart by loss (`rtol`) and,
  where given, by the arrangement of their units
  (:func:`exactfit.search._canonical.same_arrangement`): the kink minima of one
  funnel on a finite sample are one minimum, not many singletons.
- **Which starts the rule counts.** Both conditions are computed on the starts that
  sample the landscape independently of each other: every kind but "grow". A grown
  start builds the network greedily a unit at a time, so its runs end in one minimum
  nearly always, whichever it is: over 142 long searches of ``benchmarks/fresh.py``
  the share of grow starts ending at the search's best was 0 in most searches (median
  0, mean 0.21; 0 in 77, 0.9 or more in 15, e.g. 1.0 on p9600), where the data,
  random and spread kinds' medians were 0.08 to 0.17
  (``benchmarks/results/fresh_pooled_replay.md``). Counted with the others, their agreement made a
  wrong minimum look confirmed: on p9619 (2-D, 5 units) a default call confirmed 0.8%
  above the best-known after 29 starts, 8 of its 11 reaches grown ones. Replayed on
  151 long searches of ten held-out runs in 200 random orders each (the rule at its
  29-start floor; ``benchmarks/fresh.py --replay --replay-runs ...``, the command and
  table in ``benchmarks/results/fresh_pooled_replay.md``), leaving grow starts out of
  the rule's counts lowered the confirmed misses from 1328 to 887 of 30200 replays
  (4.4% to 2.9%), for 5% more starts (44.3 to 46.6 on average) and more replays
  unconfirmed (45.5% to 49.2%). Grown starts still compete
  for the best, count towards the fewest starts (``n_restarts``) and are reported in
  ``n_reached``. When every start is grown (``starts=("grow",)``) the rule counts them.
- **p_better** (reported, never decides): Boender & Rinnooy Kan's posterior
  probability that the global minimum is one not yet seen, ``w / (n - 1)``. Their
  model takes which minimum is global to be independent of the basins' shares,
  so it ignores how often the best was reached; on a kinked loss of a finite
  sample with many shallow minima (large w) it stays high however often the best
  was reached. Read it as a conservative upper estimate: a small p_better is
  strong evidence, a large one is not evidence against a confirmed best. The
  message says both.
"""

import numpy as np
from scipy.special import gammaln
from sklearn.exceptions import ConvergenceWarning

from ._canonical import same_arrangement

__all__ = ["UnconfirmedOptimumWarning", "posterior", "Minima"]


class UnconfirmedOptimumWarning(ConvergenceWarning):
    """fit_global stopped (budget spent or interrupted) before its best was confirmed.

    A subclass of scikit-learn's ``ConvergenceWarning``: filter either with
    ``warnings.filterwarnings("ignore", category=...)``.
    """


def posterior(n, w):
    """Boender & Rinnooy Kan's posterior after `n` starts found `w` distinct minima.

    Returns
    -------
    expected_minima : float
        Posterior mean of the number of minima, ``w (n - 1) / (n - w - 2)``
        (``inf`` for ``n <= w + 2``, where the mean does not exist).
    p_better : float
        Posterior probability that the global minimum is one not yet seen,
        ``w / (n - 1)`` (1.0 for ``n <= w + 1``: improper posterior, no evidence).
    """
    if w < 1 or n < w:
        raise ValueError(f"need 1 <= w <= n; got n={n}, w={w}.")
    expected = w * (n - 1) / (n - w - 2) if n > w + 2 else np.inf
    p_better = w / (n - 1) if n > w + 1 else 1.0
    return float(expected), float(min(p_better, 1.0))


def _posterior_sum(n, w, terms=2_000_000):
    """(E[K], E[(K - w) / K]) by summing the posterior term by term (for tests)."""
    K = np.arange(w, w + terms, dtype=float)
    log_p = gammaln(K + 1) - gammaln(K - w + 1) + gammaln(K) - gammaln(K + n)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    return float(K @ p), float(((K - w) / K) @ p)


class Minima:
    """Final losses of the starts, in order, and what they say about the best.

    Parameters
    ----------
    rtol : float
        Relative tolerance within which two losses are the same minimum.
    floor : float
        Losses at or below this are exact fits (nothing can be lower); reaching
        one confirms the best at once.
    """

    def __init__(self, rtol, floor):
        self.rtol, self.floor = rtol, floor
        self.losses = []  # one per counted start; inf for a failed one
        self.orbit = []  # losses of the best's re-optimised copies (set after each new best)
        self.best = np.inf  # lowest loss offered, counted or not (warm starts, images)
        # Classes of the counted finite starts' minima: representative (loss,
        # arrangement) and number of starts, for the coverage condition.
        self.reps, self.counts = [], []
        self.labels = []  # per counted start: index of its class in reps (-1: failed)
        self.independent = []  # per counted start: whether the rule's conditions count it

    def add(self, f, counted=True, arrangement=None, independent=True):
        """Record a start's final loss; warm starts and images are offered uncounted.

        `arrangement` (from :func:`exactfit.search._canonical.arrangement`) lets
        two starts at different kink minima of one funnel count as one minimum.
        `independent`: False for a counted start that the stopping rule's conditions
        leave out (a grown one: see the module docstring).
        """
        f = float(f)
        if counted:
            self.losses.append(f)
            self.labels.append(self._classify(f, arrangement) if np.isfinite(f) else -1)
            self.independent.append(bool(independent))
        if np.isfinite(f) and f < self.best:
            if f < self.best * (1 - self.rtol):
                self.orbit = []  # a new best: the old best's copies are not its copies
            self.best = f

    def _classify(self, f, arrangement):
        for i, (g, arr) in enumerate(self.reps):
            if self._same(f, g) or same_arrangement(arrangement, arr):
                self.counts[i] += 1
                if f < g:  # the class's lowest loss represents it
                    self.reps[i] = (f, arrangement if arrangement is not None else arr)
                return i
        self.reps.append((f, arrangement))
        self.counts.append(1)
        return len(self.reps) - 1

    def _ruled(self):
        """Indices of the counted starts the rule's conditions count: the independent
        ones, or all when none is."""
        idx = [i for i, ind in enumerate(self.independent) if ind]
        return idx if idx else list(range(len(self.losses)))

    @property
    def unseen(self):
        """Good-Turing estimate of the chance that one more start finds a new minimum:
        minima reached by exactly one of the rule's starts (:meth:`_ruled`) over its
        finite ones (1.0 before any)."""
        idx = [i for i in self._ruled() if np.isfinite(self.losses[i])]
        if not idx:
            return 1.0
        counts = self._merged_counts([self.labels[i] for i in idx])
        return sum(c == 1 for c in counts) / len(idx)

    def _merged_counts(self, labels=None):
        """Starts per distinct minimum, the best's classes (its copies) merged into one;
        over the starts of class labels `labels` (all counted finite starts if None)."""
        counts = (self.counts if labels is None else
                  np.bincount(labels, minlength=len(self.reps)).tolist())
        at_best = [self.in_best(g) for g, _ in self.reps]
        best = sum(c for c, b in zip(counts, at_best) if b)
        return ([best] if best else []) + [c for c, b in zip(counts, at_best)
                                           if not b and c]

    def _same(self, f, g):
        return abs(f - g) <= self.rtol * max(abs(g), self.floor)

    def in_best(self, f):
        """Whether a start ending at loss `f` reached the best (or a copy of it)."""
        best = self.best
        if not np.isfinite(f):
            return False
        return f <= best or any(self._same(f, g) for g in [best] + self.orbit)

    @property
    def exact(self):
        return self.best <= self.floor

    def _at_best(self, f):
        """Whether a counted start's loss `f` is at the best (at the floor after an exact fit)."""
        return f <= self.floor if self.exact else self.in_best(f)

    @property
    def n_reached(self):
        return sum(self._at_best(f) for f in self.losses)

    @property
    def n_failed(self):
        return sum(not np.isfinite(f) for f in self.losses)

    @property
    def n_minima(self):
        """Distinct minima among the counted starts: classes by loss (within rtol) or
        arrangement, the best's copies one class."""
        return len(self._merged_counts())

    @property
    def finite(self):
        return [f for f in self.losses if np.isfinite(f)]

    @property
    def missable(self):
        """The largest basin share the counted starts could have missed: a minimum drawing
        a larger share of the starts would have been reached by one of the `n` with
        probability at least 95%, ``1 - 0.05 ** (1 / n)`` (1.0 before any start). It is
        what "confirmed" cannot rule out: a better minimum with a smaller basin. (All
        counted starts, grown ones included: each is a draw from the mix of start kinds,
        whose basins this is about; the fewest starts, ``n_restarts``, are set by it.)"""
        n = len(self.finite)
        return 1.0 - 0.05 ** (1.0 / n) if n else 1.0

    @property
    def n_ruled(self):
        """Counted starts the rule's conditions count (:meth:`_ruled`)."""
        return len(self._ruled())

    @property
    def n_reached_ruled(self):
        """Starts that reached the best among those the rule counts (:meth:`_ruled`)."""
        return sum(self._at_best(self.losses[i]) for i in self._ruled())

    @property
    def share(self):
        """The best's share of the rule's finite starts (0.0 before any)."""
        n = sum(np.isfinite(self.losses[i]) for i in self._ruled())
        return self.n_reached_ruled / n if n else 0.0

    def confirmed(self, confirm):
        """The stopping rule: an exact fit, or `confirm` of the rule's starts
        (:meth:`_ruled`: all but grown ones) reached the best and the chance that one more
        start finds a new minimum (:attr:`unseen`) is at most the best's share of them."""
        return self.exact or (self.n_reached_ruled >= confirm and self.unseen <= self.share)

    def summary(self):
        """``(n_reached, n_minima, expected_minima, p_better)`` over the finite starts."""
        n, w = len(self.finite), self.n_minima
        if n == 0:
            return 0, 0, np.inf, 1.0
        expected, p_better = posterior(n, w)
        if self.exact:
            p_better = 0.0  # an exact fit: no lower loss exists
        return self.n_reached, w, expected, p_better

"""The exact enumerations inside fit_global: when they are cheap, their use as the
answer, as a check of the search, and as warm starts on data averaged in bins.

:func:`exactfit.certify.exact_1d` and :func:`~exactfit.certify.exact_2d` certify the
optimum of one hidden ReLU layer on one or two inputs; their cost grows fast with the
samples and units, so fit_global estimates it first (:func:`_exact_estimate`, from
:func:`exactfit.certify.exact_cost`) and runs them only within the budgets below.
"""

import time
import warnings

import numpy as np

from ..losses import loss as loss_of
from ..network import Network
from ..result import FitResult
from ._checks import available_memory, int_seed

# An exact fit: scaled MSE (a fraction of var(y)) at or below this cannot be beaten.
_EXACT_FLOOR = 1e-12
# The exact enumeration (certify.exact_1d / exact_2d) is "cheap" when its estimated time
# is at most _EXACT_SECONDS and its estimated memory at most _EXACT_BYTES. Two parts of
# its work, measured on the shared 2-core machine (see _exact_estimate): the
# least-squares bounds of pattern sets (exact_cost's n_bounds, always done), about
# 3 microseconds per bound and unit (but see _BOUND_SECONDS_2D), and the geometry of
# the patterns (1-D: ~1e-6 s and ~110 bytes per pattern and sample; 2-D: ~1.2e-7 s and
# ~20 bytes per n^4, so that a 200-point 2-D sample would need ~30 GB even with one
# unit). The search itself is not reliable on tiny samples (issue 9: 1-D and 2-D samples of 10 to 40 points), so a
# certified answer in a few seconds is worth more than a fast uncertain one.
_EXACT_SECONDS = 10.0
_EXACT_BYTES = 2 ** 30
# Beyond that, up to this estimated time the search runs first and the enumeration then
# certifies (or corrects) its best, pruned from the start by it as incumbent: on 16- to
# 24-point 2-D samples with 3 units (and a 48-point one with 2) the search alone ends
# "confirmed" 3% to 60% above the optimum (benchmarks/exact.py part 3,
# benchmarks/reliability.py), and seconds for a certified answer are worth more there than
# a fast wrong one. The estimate ignores the incumbent's pruning: measured with it, a
# 24-point sample with 3 units estimated at 254 s took 11 s, a 20-point one (83 s) 5 s;
# noise targets prune less (about 35 s of CPU at 24 points). exact=False skips both.
_EXACT_VERIFY_SECONDS = 300.0
# 2-D: CPU seconds per bounded pattern set, by number of units, as (a, b): a + b / P for
# P activation patterns (others: 3 microseconds per unit). Timed in one process on one
# BLAS thread without an incumbent (benchmarks/exact_estimate.py, stop 31, after the
# enumeration got cheaper where sets escape the least-squares bound: euclid and noise
# targets, 8 to 96 points, and the 12 problems of benchmarks/fresh.py's held-out set
# fresh_small2d, 31 to 36 points, by --fresh). With 2, 4 and 5 units the constant is
# 1.5x the dearest run of a second or more, in microseconds per bound 0.75 (2 units),
# 1.3 (4) and 3.95 (5), as at stop 30. With 3 units the cost per bound falls with the
# sample: each pair of patterns costs a fixed overhead spread over the P - 2 sets it
# completes (0.57 to 1.0 microseconds per bound at 12 to 16 points, 0.16 to 0.23 from 31
# to 40), so a constant sized on small samples was 4.6x to 6.8x too dear on 36 to 48
# points and kept the check below 37 points where it takes 40 to 250 s. The fit of a + b
# / P to the 25 runs of a second or more (relative least squares; printed by
# benchmarks/exact_estimate.py --rescore) is 0.126 + 66 / P microseconds, and the
# constant is 1.5x that: estimate / CPU then 1.06 to 1.89 on 24 runs, and 0.76 on p11008
# (34 noisy points on clustered inputs, 0.37 microseconds per bound: many sets pass the
# least-squares bound and go to the per-unit signed bounds; the hard limit below covers
# such a run). Not fitted on: benchmarks/exact.py's 40- and 48-point runs (stop 32), 77
# to 88 s and 238 to 249 s of CPU, estimated 160 s and 446 s.
_BOUND_SECONDS_2D = {2: (1.2e-6, 0.0), 3: (0.19e-6, 99e-6), 4: (2.0e-6, 0.0),
                     5: (6.0e-6, 0.0)}
# The estimate is a guide, not a bound, so the enumerations run under a hard limit of wall
# clock: twice the budget when estimated cheap (20 s; on a busy machine wall time is 3 to 5
# times CPU time, and a cheap answer is worth the wait), the budget itself for the check
# after the search (300 s: a default call waits no longer than it was meant to). Past it
# the search's answer stands and the message says the check ran out. (A cheap enumeration
# that ran out is tried again as the check, with the search's best as incumbent.)
_EXACT_LIMITS = {"auto": 2 * _EXACT_SECONDS, "verify": _EXACT_VERIFY_SECONDS}
# 1-D searches get a warm start from the exact optimum of the data averaged in at most
# _BINNED_MAX bins, as many as its estimated time allows within _BINNED_SECONDS
# (see binned_exact_start).
_BINNED_SECONDS, _BINNED_MAX = 2.0, 60
# The same, per direction of the recombination round's ridge starts (_intervals.py),
# which run at every round: with 2.0 s, they took a 3-unit Euclid call (2000 points)
# from 2.8 s to 4.9 s of CPU.
_RIDGE_SECONDS = 0.1

def _exact_estimate(n, k, d):
    """(seconds, bytes) the exact enumeration of `n` distinct points and `k` units needs,
    estimated from measurements on a 2-core machine (a rough guide, not a bound)."""
    from ..certify import exact_cost

    cost = exact_cost(n, k, n_features=d)
    P = cost["n_patterns"]
    if d == 2 and k in _BOUND_SECONDS_2D:
        a, b = _BOUND_SECONDS_2D[k]
        per_bound = a + b / P
    else:
        per_bound = 3e-6 * k
    seconds = per_bound * cost["n_bounds"]
    if d == 1:
        return seconds + 1e-6 * P * n, 110.0 * P * n
    return seconds + 1.2e-7 * float(n) ** 4, 20.0 * float(n) ** 4


def binned_exact_start(X, Y, sizes, act, out, loss, budget=_BINNED_SECONDS):
    """1-D, when the exact enumeration is not cheap: the certified optimum of the data
    averaged in bins of consecutive x, as a warm start (or None).

    The bins are as many as keep :func:`exactfit.certify.exact_1d` cheap (at most
    :data:`_BINNED_SECONDS` estimated), equal in count, in order of x; their means
    form the small problem. Its optimum puts the breakpoints near the data's
    optimum's, which random starts can miss: on an 803-point 1-D sample with 4 units
    (benchmarks/fresh.py, problem 9110), 4 of 5 default calls confirmed a best 1.05x
    to 1.62x the best-known; the optimum of 30 bin means (1.6 s), settled on all the
    data, reached the best-known. The warm start competes for the best but is not
    counted by the stopping rule.
    """
    d, k, m = sizes[0], sizes[1], sizes[-1]
    if not (len(sizes) == 3 and d == 1 and m == 1 and act == "relu" and out == "linear"
            and loss == "mse"):
        return None
    from ..certify import exact_1d

    n_bins = 0
    for b in range(2 * k + 2, min(len(X) // 2, _BINNED_MAX) + 1):
        if not _exact_cheap(*_exact_estimate(b, k, 1), budget=budget):
            break
        n_bins = b
    if not n_bins:
        return None
    order = np.argsort(X[:, 0], kind="stable")
    groups = np.array_split(order, n_bins)
    xb = np.array([X[g, 0].mean() for g in groups])
    yb = np.array([Y[g, 0].mean() for g in groups])
    if len(np.unique(xb)) < 3:
        return None
    with warnings.catch_warnings():
        # exact_1d catches a Ctrl-C itself and returns its best, uncertified; the
        # KeyboardInterrupt below says it instead (else the search would go on, the
        # user's Ctrl-C swallowed)
        warnings.filterwarnings("ignore", message="exact_1d interrupted",
                                category=RuntimeWarning)
        res = exact_1d(xb, yb, hidden=k, max_configurations=max(
            1, _exact_configurations(len(np.unique(xb)), k)))
    if res.evidence != "certified" and not res.get("timed_out"):
        raise KeyboardInterrupt("fit_global's exact enumeration (of the data averaged in "
                                "bins) was interrupted.")
    return res.network if res.evidence == "certified" else None


def _exact_configurations(n, k):
    from ..certify import exact_cost

    return exact_cost(n, k, n_features=1)["n_configurations"]


def _exact_cheap(seconds, need, budget=_EXACT_SECONDS):
    return seconds <= budget and need <= _EXACT_BYTES


class CheckTimedOut(Exception):
    """fit_global's enumeration ran past its hard limit (see _EXACT_LIMITS)."""

    def __init__(self, name, limit):
        super().__init__(f"certify.{name} stopped at its {limit:g} s limit (not certified; "
                         f"a faster machine may finish it)")
        self.name, self.limit = name, limit


def exact_optimum(X, Y, sizes, act, out, loss, exact, t0, random_state, incumbent=None,
                  searched=None, progress=False):
    """exact_1d's or exact_2d's certified optimum as fit_global's result, or None when not
    applicable (or, for exact="auto", not cheap; for exact="verify", the check of a
    search's best `incumbent` (loss `searched`), not within _EXACT_VERIFY_SECONDS).

    Raises :class:`CheckTimedOut` past the hard time limit, and KeyboardInterrupt when
    the enumeration was interrupted (it catches Ctrl-C itself and returns its best,
    uncertified: fit_global decides what stands). `progress` shows its progress bar.
    """
    applicable = (len(sizes) == 3 and sizes[0] in (1, 2) and sizes[2] == 1 and act == "relu"
                  and out == "linear" and loss == "mse")
    if not applicable:
        if exact is True:
            raise ValueError("exact=True needs one or two input features, one output, one "
                             "hidden ReLU layer, a linear output and loss='mse' "
                             "(certify.exact_1d, certify.exact_2d).")
        return None
    from ..certify import exact_1d, exact_2d, exact_cost

    d, k = sizes[0], sizes[1]
    # Distinct rows; the first column's distinct values bound them below and are cheaper
    # to count (np.unique over rows of a large 2-D sample costs a noticeable time), and
    # those of the first 4096 rows bound them below more cheaply still (200000 rows:
    # 0.1 s saved per call). The estimate grows with the count, so a lower bound that
    # is already too costly settles it.
    budget = _EXACT_VERIFY_SECONDS if exact == "verify" else _EXACT_SECONDS
    if exact in ("auto", "verify"):
        for rows in (X[:4096, 0], X[:, 0]):
            n_distinct = len(np.unique(rows))
            if not _exact_cheap(*_exact_estimate(n_distinct, k, d), budget=budget):
                return None
    else:
        n_distinct = len(np.unique(X[:, 0]))
    if d == 2:
        n_distinct = len(np.unique(X, axis=0))
    if n_distinct < 3:
        return None  # nothing to enumerate; the search fits it exactly
    seconds, need = _exact_estimate(n_distinct, k, d)
    if exact in ("auto", "verify") and not _exact_cheap(seconds, need, budget=budget):
        return None
    if exact is True and need > 0.5 * available_memory():
        raise ValueError(f"exact=True: the enumeration for {n_distinct} distinct points and "
                         f"{k} units would need about {need / 2 ** 30:.3g} GiB, more than half "
                         f"the memory available; use exact='auto' (the search).")
    cost = exact_cost(n_distinct, k, n_features=d)
    n_conf = cost["n_configurations"]
    # exact=True: the enumeration's own size limit applies (its error names exact=True).
    limit = {} if exact is True else {"max_configurations": max(n_conf, 1)}
    if incumbent is not None:
        limit["incumbent"] = incumbent
    if exact in ("auto", "verify"):
        limit["max_time"] = _EXACT_LIMITS[exact]
    name = "exact_1d" if d == 1 else "exact_2d"
    try:
        with warnings.catch_warnings():
            # a timed-out enumeration warns; fit_global says it in its message instead
            warnings.filterwarnings("ignore", message=f"{name} stopped at max_time",
                                    category=RuntimeWarning)
            # (and an interrupted one: fit_global says so, or the KeyboardInterrupt does)
            warnings.filterwarnings("ignore", message=f"{name} interrupted",
                                    category=RuntimeWarning)
            res = (exact_1d(X[:, 0], Y[:, 0], hidden=k, progress=progress, **limit) if d == 1
                   else exact_2d(X, Y[:, 0], hidden=k, progress=progress, **limit))
    except ValueError as err:
        raise ValueError(f"exact=True: {err}") from err
    if res.evidence != "certified":
        if res.get("timed_out"):
            raise CheckTimedOut(name, limit["max_time"])
        # interrupted: the enumeration's best, not certified
        raise KeyboardInterrupt("fit_global's exact enumeration was interrupted.")
    net = res.network
    stated = float(loss_of(net, X, Y, "mse"))
    if isinstance(incumbent, Network) and searched is not None and searched < stated:
        # The search's network is below the enumeration's, within the certificate's
        # tolerance (1e-9 var(y): its NNLS solves' round-off; on a 35-point 2-D sample
        # searches ended 3.8e-8 relative below it, benchmarks/fresh.py --exact): the
        # lower one is as certified, and it is the better answer.
        net, stated = incumbent, searched
    msg = (f"CONFIRMED (certified): the optimum of certify.{name} ({n_conf} sign "
           f"configurations, {cost['n_bounds']} pattern sets bounded, the rest solved "
           f"exactly)")
    if searched is not None:
        # Above the optimum beyond round-off (relative 1e-9, or the exact-fit floor).
        above = searched > stated * (1 + 1e-9) + _EXACT_FLOOR * float(np.var(Y))
        msg += (f"; the search before it ended at {searched:.6g}"
                + (f", {searched / stated - 1:.3g} above the optimum (relative)"
                   if above and stated > 0 else ", above the optimum" if above
                   else ", the optimum"))
    return FitResult(network=net, loss=stated, loss_kind="mse", method="fit_global",
                     success=True, interrupted=False, message=msg, evidence="certified",
                     nit=int(res.nit or 0),
                     time=time.perf_counter() - t0,
                     random_state=int_seed(random_state),
                     confirmed=True, stop_reason="certified", n_reached=0, n_minima=0,
                     p_better=0.0, unseen=0.0, missable_share=0.0,
                     start_minima=np.zeros(0), start_minimum_ids=np.zeros(0, dtype=int),
                     start_kinds=[], expected_minima=float("nan"), n_starts=0, n_failed=0,
                     restart_losses=np.zeros(0), restart_seeds=[], restart_starts=[],
                     failed_seeds=[], reached_fraction=0.0, search_samples=len(X),
                     improved_by_symmetry=False, n_recombined=0,
                     improved_by_recombination=False, certificate=res.certificate,
                     optimum=res.optimum)

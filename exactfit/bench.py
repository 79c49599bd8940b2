"""benchmark: every method on one task over many seeds, judged against the best loss found.

Per method the report gives the success rate (final MSE within ``rtol`` of the
best loss any method found) with its Wilson 95% interval, the median and best
loss ratio, the time per run, the time to the optimum at 99% confidence, and why
the failed runs failed (dead, collapsed or linear units, see :func:`diagnose`).
"""

import functools
import json
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

from ._parallel import draw_seeds, run_trials
from ._validation import check_data, check_nonnegative, check_positive_int
from .construct import norm_pyramid
from .diagnose import FAILURE_REASONS, diagnose
from .gd import train_gd
from .network import Network
from .search import fit_global
from .tasks import Task

__all__ = ["Method", "BenchmarkReport", "benchmark", "default_methods", "summarize_runs",
           "wilson_interval", "runs_for_confidence", "run_trials"]


@dataclass
class Method:
    """A way of getting weights, benchmarked as ``fn(X, y, random_state=seed) -> FitResult``.

    Attributes
    ----------
    name : str
    fn : callable
        Must be picklable (a module-level function or ``functools.partial``) so
        that trials can run in other processes or on a cluster.
    deterministic : bool
        Run once (a construction gives the same weights for every seed).
    """

    name: str
    fn: object
    deterministic: bool = False


def default_methods(hidden=3, optimizers=("adam", "sgd", "lbfgs"), max_iter=500,
                    n_restarts=3, construction=True):
    """The methods of the Euclid comparison.

    The pyramid construction (2-D inputs only), :func:`exactfit.fit_global`, and
    scikit-learn gradient descent with each optimizer (``max_iter`` epochs, or
    iterations for lbfgs).
    """
    methods = []
    if construction:
        methods.append(Method("pyramid (construction)",
                              functools.partial(_pyramid_method, n_units=hidden), True))
    methods.append(Method("fit_global", functools.partial(fit_global, hidden=hidden,
                                                          n_restarts=n_restarts)))
    for opt in optimizers:
        methods.append(Method(f"sklearn {opt}", functools.partial(
            train_gd, hidden=hidden, optimizer=opt, max_iter=max_iter)))
    return methods


def _pyramid_method(X, y, n_units, random_state=None):
    return norm_pyramid(n_units, X, y)


def wilson_interval(k, n, confidence=0.95):
    """Wilson score interval of a success rate ``k / n`` (scipy's ``binomtest``)."""
    if n == 0:
        return (0.0, 1.0)
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(ci.low), float(ci.high))


def runs_for_confidence(p, confidence=0.99):
    """Runs needed for a `confidence` chance of at least one success: ``ln(1-c)/ln(1-p)``, rounded up."""
    if p <= 0:
        return math.inf
    if p >= 1:
        return 1
    return max(1, math.ceil(math.log(1 - confidence) / math.log(1 - p)))


def _record(result, X, seed):
    """What a report keeps of one run."""
    diag = diagnose(result.network, X)
    return {"seed": seed, "loss": float(result.loss), "time": float(result.time),
            "nit": int(result.get("nit", 0)), "evidence": result.get("evidence", "none"),
            "reasons": diag.reasons(), "n_dead": len(diag.dead),
            "n_collapsed": len(diag.collapsed), "n_linear": len(diag.linear),
            "network": result.network.to_dict(),
            "loss_curve": (np.asarray(result["loss_curve"]).tolist()
                           if result.get("loss_curve") is not None else None)}


def _trial(method, X, y, seed):
    return _record(method.fn(X, y, random_state=seed), X, seed)


def summarize_runs(records, best_loss, rtol=0.01, X=None):
    """One report row from run records (or FitResults, with `X` to diagnose them).

    Returns
    -------
    dict
        runs, successes, success_rate, ci_low, ci_high (Wilson 95%), median_ratio,
        best_ratio, time_per_run (median seconds), time_to_optimum_99 (runs needed for a
        99% chance of one success times the mean time per run), failures (count of
        failed runs showing each reason in :data:`FAILURE_REASONS`, and "other" for
        failed runs with healthy units), evidence.
    """
    records = [r if isinstance(r, dict) and "reasons" in r else _record(r, X, r.get("random_state"))
               for r in records]
    n = len(records)
    losses = np.array([r["loss"] for r in records])
    times = np.array([r["time"] for r in records])
    ok = losses <= best_loss * (1 + rtol) + 1e-300
    k = int(ok.sum())
    lo, hi = wilson_interval(k, n)
    p = k / n if n else 0.0
    failures = {reason: 0 for reason in FAILURE_REASONS + ("other",)}
    for r, good in zip(records, ok):
        if not good:
            for reason in r["reasons"] or ["other"]:
                failures[reason] += 1
    evid = [r["evidence"] for r in records]
    return {"runs": n, "successes": k, "success_rate": p, "ci_low": lo, "ci_high": hi,
            "median_ratio": float(np.median(losses) / best_loss) if n else math.nan,
            "best_ratio": float(losses.min() / best_loss) if n else math.nan,
            "time_per_run": float(np.median(times)) if n else math.nan,
            "time_to_optimum_99": runs_for_confidence(p) * float(np.mean(times)) if n else math.inf,
            "failures": failures, "evidence": max(set(evid), key=evid.count) if evid else "none"}


def benchmark(X, y=None, methods=None, n_runs=30, rtol=0.01, reference_loss=None,
              random_state=0, n_jobs=None, progress=True, name=None):
    """Run every method on one task over many seeds and compare them.

    Parameters
    ----------
    X : Task or array-like of shape (n_samples, n_features)
        A :class:`~exactfit.tasks.Task` (then `y` is omitted) or the inputs.
    y : array-like, optional
    methods : list of Method or dict name -> callable, optional
        Defaults to :func:`default_methods` for the task's hidden width.
    n_runs : int, default=30
        Seeds per (non-deterministic) method; every method sees the same seeds.
    rtol : float, default=0.01
        A run succeeds when its loss is at most ``(1 + rtol)`` times the best loss
        found by any method (and `reference_loss`, if given).
    reference_loss : float, optional
        A known optimum (e.g. from a certificate) to judge against as well.
    random_state : int, RandomState or None, default=0
        Draws the per-run seeds up front.
    n_jobs : int or None
        Trials run through joblib (dask or ray with ``joblib.parallel_config``).
    progress : bool, default=True
    name : str, optional
        Task name for the report.

    Returns
    -------
    BenchmarkReport
    """
    if isinstance(X, Task):
        task, X, y = X, X.X, X.y
        name = name or task.name
        hidden = task.hidden[0] if len(task.hidden) == 1 else task.hidden
    else:
        hidden = 3
    if y is None:
        raise TypeError("benchmark needs y, or a Task as its first argument.")
    X, Y = check_data(X, y)
    y = Y[:, 0] if Y.shape[1] == 1 else Y
    n_runs = check_positive_int(n_runs, "n_runs")
    rtol = check_nonnegative(rtol, "rtol")
    if methods is None:
        methods = default_methods(hidden, construction=X.shape[1] == 2 and Y.shape[1] == 1
                                  and isinstance(hidden, int))
    elif isinstance(methods, dict):
        methods = [Method(k, v) for k, v in methods.items()]
    if not methods:
        raise ValueError("methods must name at least one method.")
    names = [m.name for m in methods]
    if len(set(names)) != len(names):
        raise ValueError(f"method names must be unique; got {names}.")
    seeds = draw_seeds(random_state, n_runs)
    trials = [(m, X, y, s) for m in methods for s in (seeds[:1] if m.deterministic else seeds)]
    t0 = time.perf_counter()
    recs = run_trials(_trial, trials, n_jobs=n_jobs, progress=progress, desc="benchmark trials")
    runs = {m.name: [] for m in methods}
    for (m, *_), rec in zip(trials, recs):
        runs[m.name].append(rec)
    return BenchmarkReport.from_runs(
        runs, rtol=rtol, reference_loss=reference_loss, task=name or "custom",
        n_samples=X.shape[0], interrupted=len(recs) < len(trials),
        wall_time=time.perf_counter() - t0, seeds=seeds)


class _TableReport:
    """Printing shared by the reports: subclasses give ``_COLUMNS``, ``table_rows()``
    and ``_footer()``."""

    def to_markdown(self):
        """The table as GitHub markdown."""
        lines = ["| " + " | ".join(self._COLUMNS) + " |",
                 "|" + "|".join("---" for _ in self._COLUMNS) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.table_rows()]
        return "\n".join(lines) + "\n\n" + self._footer() + "\n"

    def __str__(self):
        rows = [self._COLUMNS] + self.table_rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._COLUMNS))]
        fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
        return "\n".join([fmt(rows[0]), "  ".join("-" * w for w in widths)]
                         + [fmt(r) for r in rows[1:]] + [self._footer()])

    __repr__ = __str__


def _json_rows(rows):
    """Rows with an infinite time to the optimum stored as null (strict JSON)."""
    return [{**r, "time_to_optimum_99": None if math.isinf(r["time_to_optimum_99"])
             else r["time_to_optimum_99"]} for r in rows]


def _unjson_rows(rows):
    for r in rows:
        if r["time_to_optimum_99"] is None:
            r["time_to_optimum_99"] = math.inf
    return rows


class BenchmarkReport(_TableReport):
    """The outcome of :func:`benchmark`: a table per method plus every run.

    Attributes
    ----------
    rows : dict
        Method name -> the row of :func:`summarize_runs`.
    runs : dict
        Method name -> list of run records (seed, loss, time, diagnosis, network).
    best_loss : float
        The loss successes are judged against.
    best_method : str
    rtol : float
    """

    def __init__(self, rows, runs, best_loss, best_method, rtol, meta):
        self.rows, self.runs = rows, runs
        self.best_loss, self.best_method, self.rtol, self.meta = best_loss, best_method, rtol, meta

    @classmethod
    def from_runs(cls, runs, rtol=0.01, reference_loss=None, **meta):
        done = {k: v for k, v in runs.items() if v}
        if not done:
            raise RuntimeError("No run finished: nothing to report.")
        best_method, best = min(((k, min(r["loss"] for r in v)) for k, v in done.items()),
                                key=lambda t: t[1])
        if reference_loss is not None and reference_loss < best:
            best_method, best = "reference", float(reference_loss)
        rows = {k: summarize_runs(v, best, rtol) for k, v in done.items()}
        return cls(rows, done, best, best_method, rtol, meta)

    # ------------------------------------------------------------- accessors
    def network(self, method, which="best"):
        """A network from `method`'s runs: ``"best"``, ``"median"`` or ``"worst"`` loss,
        or ``"failure"`` (the median-loss failed run, None if every run succeeded)."""
        recs = sorted(self.runs[method], key=lambda r: r["loss"])
        if which == "failure":
            recs = [r for r in recs if r["loss"] > self.best_loss * (1 + self.rtol)]
            if not recs:
                return None
            which = "median"
        idx = {"best": 0, "median": (len(recs) - 1) // 2, "worst": -1}[which]
        return Network.from_dict(recs[idx]["network"])

    # ------------------------------------------------------------- output
    _COLUMNS = ("method", "runs", "success", "95% CI", "median ratio", "best ratio",
                "time/run [s]", "time to opt. @99% [s]", "evidence",
                "failures dead/coll./lin./other")

    def table_rows(self):
        out = []
        for name, r in self.rows.items():
            f = r["failures"]
            out.append((name, str(r["runs"]), f"{r['success_rate']:.0%}",
                        f"[{r['ci_low']:.0%}, {r['ci_high']:.0%}]", f"{r['median_ratio']:.4g}",
                        f"{r['best_ratio']:.4g}", f"{r['time_per_run']:.3g}",
                        "inf" if math.isinf(r["time_to_optimum_99"])
                        else f"{r['time_to_optimum_99']:.3g}",
                        r["evidence"], f"{f['dead']}/{f['collapsed']}/{f['linear']}/{f['other']}"))
        return out

    def _footer(self):
        return (f"Success: MSE <= (1 + {self.rtol:g}) x best = {self.best_loss:.6g} "
                f"(found by {self.best_method}); task {self.meta.get('task')}, "
                f"{self.meta.get('n_samples')} samples"
                + ("; INTERRUPTED, partial results" if self.meta.get("interrupted") else ""))

    def to_dict(self):
        rows = dict(zip(self.rows, _json_rows(self.rows.values())))
        return {"rows": rows, "runs": self.runs, "best_loss": self.best_loss,
                "best_method": self.best_method, "rtol": self.rtol, "meta": self.meta}

    def save(self, path):
        """Write the report, every run included, as JSON."""
        with open(path, "w") as fh:
            json.dump(self.to_dict(), fh, default=_json_default, allow_nan=False)

    @classmethod
    def load(cls, path):
        """Read a report written by :meth:`save`."""
        with open(path) as fh:
            d = json.load(fh)
        _unjson_rows(d["rows"].values())
        return cls(d["rows"], d["runs"], d["best_loss"], d["best_method"], d["rtol"], d["meta"])


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot serialise {type(o).__name__}")

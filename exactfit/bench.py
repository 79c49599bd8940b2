"""benchmark: every method on one task over many seeds, judged against the best loss found.

Per method the report gives the success rate (final MSE within ``rtol`` of the
best loss any method found, or below an absolute floor ``atol``) with its Wilson
95% interval, the median and best
loss ratio, the time per run, the time to the optimum at 99% confidence, and why
the failed runs failed (dead, collapsed or linear units, see :func:`diagnose`).
"""

import functools
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

from ._checkpoint import Checkpoint, callable_fingerprint, data_fingerprint
from ._io import read_json, write_json
from ._parallel import draw_seeds, raise_if_interrupted, run_trials
from ._validation import (check_bool, check_data, check_fraction, check_memory, check_n_jobs,
                          check_nonnegative, check_positive_int)
from .construct import norm_pyramid
from .diagnose import FAILURE_REASONS, diagnose
from .gd import train_gd
from .network import Network
from .result import FitResult
from .search import fit_global
from .tasks import Task

__all__ = ["Method", "BenchmarkReport", "benchmark", "default_methods", "summarize_runs",
           "wilson_interval", "runs_for_confidence", "run_trials", "default_atol",
           "ATOL_FACTOR"]


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
                    n_restarts="auto", construction=True):
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
    n = check_positive_int(n, "n", minimum=0)
    k = check_positive_int(k, "k", minimum=0)
    if k > n:
        raise ValueError(f"k must be at most n; got k={k}, n={n}.")
    confidence = check_fraction(confidence, "confidence", 0.0, 1.0)
    if n == 0:
        return (0.0, 1.0)
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(ci.low), float(ci.high))


def runs_for_confidence(p, confidence=0.99):
    """Runs needed for a `confidence` chance of at least one success: ``ln(1-c)/ln(1-p)``, rounded up."""
    p = check_fraction(p, "p", 0.0, 1.0, closed_high=True)
    confidence = check_fraction(confidence, "confidence", 0.0, 1.0)
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
    result = method.fn(X, y, random_state=seed)
    if not isinstance(result, FitResult) or not isinstance(result.get("network"), Network):
        raise TypeError(f"method {method.name!r} must return a FitResult with a network; got "
                        f"{type(result).__name__}.")
    raise_if_interrupted(result)  # a trainer that caught the Ctrl-C itself
    return _record(result, X, seed)


#: Default absolute floor of success, relative to the variance of the targets.
ATOL_FACTOR = 1e-8


def default_atol(y):
    """The absolute floor under which any loss counts as reaching the optimum:
    ``1e-8 * var(y)`` (mean over outputs), or ``1e-8 * mean(y^2)`` for constant
    targets. A loss this small is an exact fit up to round-off; without the floor a
    best loss of 0 (or 2.5e-32) would judge every other run against round-off."""
    Y = np.asarray(y, dtype=float).reshape(len(y), -1)
    scale = float(np.mean(np.var(Y, axis=0)))
    if scale <= 0:
        scale = float(np.mean(Y ** 2))
    return ATOL_FACTOR * scale


def _ratio(loss, best, atol):
    """``loss / best``, taken to ``max(best, atol)`` so an exact optimum (0) gives
    finite ratios (in units of the floor)."""
    denom = max(best, atol)
    if denom > 0:
        return float(loss / denom)
    return 1.0 if loss == 0 else math.inf


def summarize_runs(records, best_loss, rtol=0.01, X=None, atol=0.0):
    """One report row from run records (or FitResults, with `X` to diagnose them).

    A run succeeds when ``loss <= (1 + rtol) * best_loss + atol``.

    Returns
    -------
    dict
        runs, successes, success_rate, ci_low, ci_high (Wilson 95%), median_ratio,
        best_ratio (loss over ``max(best_loss, atol)``, so finite when the best is 0),
        time_per_run (median seconds), time_to_optimum_99 (runs needed for a
        99% chance of one success times the mean time per run), failures (count of
        failed runs showing each reason in :data:`FAILURE_REASONS`, and "other" for
        failed runs with healthy units), evidence.
    """
    records = [r if isinstance(r, dict) and "reasons" in r else _record(r, X, r.get("random_state"))
               for r in records]
    n = len(records)
    losses = np.array([r["loss"] for r in records], dtype=float)
    times = np.array([r["time"] for r in records], dtype=float)
    ok = losses <= best_loss * (1 + rtol) + atol
    k = int(ok.sum())
    lo, hi = wilson_interval(k, n)
    p = k / n if n else 0.0
    failures = {reason: 0 for reason in FAILURE_REASONS + ("other",)}
    for r, good in zip(records, ok):
        if not good:
            for reason in r["reasons"] or ["other"]:
                failures[reason] += 1
    evid = [r["evidence"] for r in records]
    finite = losses[~np.isnan(losses)]
    return {"runs": n, "successes": k, "success_rate": p, "ci_low": lo, "ci_high": hi,
            "median_ratio": _ratio(float(np.median(finite)), best_loss, atol)
            if finite.size else math.nan,
            "best_ratio": _ratio(float(finite.min()), best_loss, atol) if finite.size else math.nan,
            "time_per_run": float(np.median(times)) if n else math.nan,
            "time_to_optimum_99": runs_for_confidence(p) * float(np.mean(times)) if n else math.inf,
            "failures": failures, "evidence": max(set(evid), key=evid.count) if evid else "none"}


def _is_reference(method):
    """Whether a method is :func:`exactfit.fit_global` (the reference search)."""
    fn = method.fn
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn is fit_global or method.name.startswith("fit_global")


def _check_methods(methods):
    if isinstance(methods, dict):
        methods = [Method(k, v) for k, v in methods.items()]
    if isinstance(methods, (str, bytes, Method)) or not hasattr(methods, "__iter__"):
        raise TypeError(f"methods must be a list of Method or a dict name -> callable; got "
                        f"{type(methods).__name__}.")
    methods = list(methods)
    if not methods:
        raise ValueError("methods must name at least one method.")
    for i, m in enumerate(methods):
        if not isinstance(m, Method):
            raise TypeError(f"methods[{i}] must be an exactfit.Method; got {type(m).__name__}.")
        if not isinstance(m.name, str) or not m.name:
            raise TypeError(f"methods[{i}].name must be a non-empty string; got {m.name!r}.")
    names = [m.name for m in methods]
    if len(set(names)) != len(names):
        raise ValueError(f"method names must be unique; got {names}.")
    for i, m in enumerate(methods):
        if not callable(m.fn):
            raise TypeError(f"methods[{i}] ({m.name!r}): fn must be callable as "
                            f"fn(X, y, random_state=seed); got {type(m.fn).__name__}.")
        check_bool(m.deterministic, f"methods[{i}].deterministic")
    return methods


def benchmark(X, y=None, methods=None, n_runs=30, rtol=0.01, reference_loss=None,
              random_state=0, n_jobs=None, progress=True, name=None, atol=None,
              checkpoint=None):
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
        A run succeeds when its loss is at most ``(1 + rtol) * best + atol``, with
        ``best`` the lowest loss seen from any run of any method (and
        `reference_loss`, if given).
    reference_loss : float, optional
        A known optimum (e.g. from a certificate) to judge against as well.
    random_state : int, RandomState or None, default=0
        Draws the per-run seeds up front.
    n_jobs : int or None
        Trials run through joblib (dask or ray with ``joblib.parallel_config``).
    progress : bool, default=True
        Progress bar (shown only when stderr is a terminal).
    name : str, optional
        Task name for the report.
    atol : float, optional
        Absolute floor of success; default :func:`default_atol`, ``1e-8 * var(y)``
        (a loss that small is an exact fit up to round-off). Stated in the report.
    checkpoint : str or os.PathLike, optional
        A JSON file that records each finished run as it finishes (atomically:
        killing the process never corrupts it). Called again with the same file
        and the same task, methods, `n_runs` and `random_state`, the finished runs
        are read back instead of rerun, and the report equals the uninterrupted
        one (run times included: they are the recorded ones). A file made with
        other arguments is refused. With ``random_state=None`` the seeds are read
        from the file. `rtol`, `atol`, `reference_loss` and `name` only judge the
        runs and may change between calls.

    Returns
    -------
    BenchmarkReport
        Its header warns when fit_global's best run is beaten beyond the
        tolerance by another method or by `reference_loss` (a miss of the search,
        not a success of gradient descent); success is always judged against the
        lowest loss seen.

    Notes
    -----
    Ctrl-C stops the benchmark at once (scikit-learn's solvers, which would
    swallow it, included): the report of the runs finished so far is returned,
    marked INTERRUPTED, and a checkpoint holds them for a later call.
    """
    if isinstance(X, Task):
        if y is not None:
            raise TypeError("benchmark(task, ...): give y only with an array X, not with a Task.")
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
    atol_default = atol is None
    atol = default_atol(Y) if atol is None else check_nonnegative(atol, "atol")
    if reference_loss is not None:
        reference_loss = check_nonnegative(reference_loss, "reference_loss")
    check_n_jobs(n_jobs)
    progress = check_bool(progress, "progress")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r}.")
    if methods is None:
        methods = default_methods(hidden, construction=X.shape[1] == 2 and Y.shape[1] == 1
                                  and isinstance(hidden, int))
    methods = _check_methods(methods)
    # Every run keeps its record (network, loss curve) in memory: refuse absurd counts.
    check_memory(4096.0 * n_runs * len(methods), f"benchmark(n_runs={n_runs}) with "
                 f"{len(methods)} methods", "Use fewer runs.")
    seeds = draw_seeds(random_state, n_runs)
    if checkpoint is not None and random_state is None:
        stored = Checkpoint.peek(checkpoint, "benchmark")
        if stored is not None and isinstance(stored["args"].get("seeds"), list):
            seeds = stored["args"]["seeds"]  # random seeds were drawn then: keep those
    trials = [(m, X, y, s) for m in methods for s in (seeds[:1] if m.deterministic else seeds)]
    keys = [Checkpoint.key(m.name, i) for m in methods
            for i in range(1 if m.deterministic else n_runs)]
    ckpt = None
    if checkpoint is not None:
        import exactfit

        ckpt = Checkpoint(checkpoint, "benchmark", {
            "exactfit": exactfit.__version__, "data": data_fingerprint(X, Y),
            "methods": [[m.name, bool(m.deterministic), callable_fingerprint(m.fn)]
                        for m in methods],
            "n_runs": n_runs, "seeds": seeds})
    t0 = time.perf_counter()
    recs = [ckpt[k] if ckpt is not None and k in ckpt else None for k in keys]
    todo = [i for i, r in enumerate(recs) if r is None]

    def save(j, rec):
        i = todo[j]
        recs[i] = ckpt.put(keys[i], rec) if ckpt is not None else rec

    done = run_trials(_trial, [trials[i] for i in todo], n_jobs=n_jobs, progress=progress,
                      desc="benchmark trials", on_result=save)
    interrupted = len(done) < len(todo)
    runs = {m.name: [] for m in methods}
    for (m, *_), rec in zip(trials, recs):
        if rec is not None:
            runs[m.name].append(rec)
    if not any(runs.values()):
        raise KeyboardInterrupt("benchmark was interrupted before any run finished.")
    return BenchmarkReport.from_runs(
        runs, rtol=rtol, reference_loss=reference_loss, atol=atol,
        reference_methods=[m.name for m in methods if _is_reference(m)],
        task=name or "custom", n_samples=X.shape[0], interrupted=interrupted,
        wall_time=time.perf_counter() - t0, seeds=seeds, atol_default=atol_default)


class _TableReport:
    """Printing shared by the reports: subclasses give ``_COLUMNS``, ``table_rows()``,
    ``_footer()`` and ``_header()`` (warnings shown above the table)."""

    def _header(self):
        return ""

    def to_markdown(self):
        """The table as GitHub markdown."""
        head = self._header()
        lines = ["| " + " | ".join(self._COLUMNS) + " |",
                 "|" + "|".join("---" for _ in self._COLUMNS) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.table_rows()]
        return ((f"**{head}**\n\n" if head else "") + "\n".join(lines) + "\n\n"
                + self._footer() + "\n")

    def __str__(self):
        rows = [self._COLUMNS] + self.table_rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._COLUMNS))]
        fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
        head = self._header()
        return "\n".join(([head] if head else [])
                         + [fmt(rows[0]), "  ".join("-" * w for w in widths)]
                         + [fmt(r) for r in rows[1:]] + [self._footer()])

    __repr__ = __str__


def _unjson_rows(rows):
    """Rows of reports saved before non-finite floats were tagged: null was inf."""
    for r in rows:
        if r.get("time_to_optimum_99") is None:
            r["time_to_optimum_99"] = math.inf
    return rows


def _load_report(path, what, keys):
    d = read_json(path, what)
    if not isinstance(d, dict) or not all(k in d for k in keys):
        found = sorted(d)[:8] if isinstance(d, dict) else type(d).__name__
        raise ValueError(f"{what} {str(path)!r} does not hold a report (expected keys "
                         f"{list(keys)}; found {found}).")
    return d


def reference_warning(ref_name, ref_loss, best_name, best_loss, rtol, atol):
    """The report header when the reference search was beaten beyond the tolerance."""
    return (f"WARNING: fit_global missed the optimum. {best_name} reached {best_loss:.6g}, "
            f"below fit_global's best {ref_loss:.6g} ({ref_name}) by more than the tolerance "
            f"(rtol={rtol:g}, atol={atol:.3g}). Success is judged against the lowest loss seen; "
            f"this is a miss of the search, not a success of gradient descent.")


class BenchmarkReport(_TableReport):
    """The outcome of :func:`benchmark`: a table per method plus every run.

    Attributes
    ----------
    rows : dict
        Method name -> the row of :func:`summarize_runs`.
    runs : dict
        Method name -> list of run records (seed, loss, time, diagnosis, network).
    best_loss : float
        The loss successes are judged against: the lowest seen.
    best_method : str
    rtol : float
    meta : dict
        Task name, sample count, ``atol`` (the absolute floor of success),
        ``reference_warning`` (None, or the header saying fit_global was beaten),
        ``interrupted``, seeds, wall time.
    """

    def __init__(self, rows, runs, best_loss, best_method, rtol, meta):
        self.rows, self.runs = rows, runs
        self.best_loss, self.best_method, self.rtol, self.meta = best_loss, best_method, rtol, meta

    @classmethod
    def from_runs(cls, runs, rtol=0.01, reference_loss=None, atol=0.0, reference_methods=None,
                  **meta):
        """A report from ``{method name: [run records]}``.

        Success is ``loss <= (1 + rtol) * best + atol`` with ``best`` the lowest loss of
        any run (or `reference_loss`). `reference_methods` names the fit_global
        methods (default: names starting with "fit_global"); when the best of them
        would itself fail that test, ``meta["reference_warning"]`` says so and the
        report prints it first.
        """
        done = {k: v for k, v in runs.items() if v}
        if not done:
            raise RuntimeError("No run finished: nothing to report.")
        best_method, best = min(((k, min(r["loss"] for r in v)) for k, v in done.items()),
                                key=lambda t: t[1])
        if reference_loss is not None and reference_loss < best:
            best_method, best = "reference", float(reference_loss)
        if reference_methods is None:
            reference_methods = [k for k in done if k.startswith("fit_global")]
        refs = [(min(r["loss"] for r in done[k]), k) for k in reference_methods if k in done]
        warning = None
        if refs:
            ref_loss, ref_name = min(refs)
            if not ref_loss <= best * (1 + rtol) + atol:
                who = ("reference_loss" if best_method == "reference"
                       else f"method {best_method!r}")
                warning = reference_warning(ref_name, ref_loss, who, best, rtol, atol)
                warnings.warn(warning, UserWarning, stacklevel=3)
        rows = {k: summarize_runs(v, best, rtol, atol=atol) for k, v in done.items()}
        meta = {"atol": float(atol), "reference_warning": warning, **meta}
        return cls(rows, done, best, best_method, rtol, meta)

    # ------------------------------------------------------------- accessors
    def network(self, method, which="best"):
        """A network from `method`'s runs: ``"best"``, ``"median"`` or ``"worst"`` loss,
        or ``"failure"`` (the median-loss failed run, None if every run succeeded)."""
        if method not in self.runs:
            raise ValueError(f"Unknown method {method!r}; the report has {list(self.runs)}.")
        if which not in ("best", "median", "worst", "failure"):
            raise ValueError(f"Unknown which {which!r}; expected 'best', 'median', 'worst' or "
                             "'failure'.")
        recs = sorted(self.runs[method], key=lambda r: r["loss"])
        if which == "failure":
            atol = self.meta.get("atol", 0.0)
            recs = [r for r in recs if not r["loss"] <= self.best_loss * (1 + self.rtol) + atol]
            if not recs:
                return None
            which = "median"
        idx = {"best": 0, "median": (len(recs) - 1) // 2, "worst": -1}[which]
        return Network.from_dict(recs[idx]["network"])

    # ------------------------------------------------------------- output
    _COLUMNS = ("method", "runs", "success", "95% CI", "median ratio", "best ratio",
                "time/run [s]", "time to opt. @99% [s]", "evidence",
                "failures dead/coll./lin./other")

    def deterministic_methods(self):
        """Rows run once while the others ran several times (constructions): they have
        a loss ratio, not a success rate or failures."""
        n = len(self.meta.get("seeds") or [])
        return [k for k, r in self.rows.items() if r["runs"] == 1 and n > 1]

    def table_rows(self):
        out = []
        fixed = set(self.deterministic_methods())
        for name, r in self.rows.items():
            f = r["failures"]
            if name in fixed:  # one deterministic run: no rate, interval or failure count
                out.append((name, str(r["runs"]), "-", "-", f"{r['median_ratio']:.4g}",
                            f"{r['best_ratio']:.4g}", f"{r['time_per_run']:.3g}", "-",
                            r["evidence"], "-"))
                continue
            out.append((name, str(r["runs"]), f"{r['success_rate']:.0%}",
                        f"[{r['ci_low']:.0%}, {r['ci_high']:.0%}]", f"{r['median_ratio']:.4g}",
                        f"{r['best_ratio']:.4g}", f"{r['time_per_run']:.3g}",
                        "inf" if math.isinf(r["time_to_optimum_99"])
                        else f"{r['time_to_optimum_99']:.3g}",
                        r["evidence"], f"{f['dead']}/{f['collapsed']}/{f['linear']}/{f['other']}"))
        return out

    def _header(self):
        return self.meta.get("reference_warning") or ""

    def _footer(self):
        atol = self.meta.get("atol", 0.0)
        return (f"Success: MSE <= (1 + {self.rtol:g}) x best + atol, best = {self.best_loss:.6g} "
                f"(found by {self.best_method}), atol = {atol:.3g}"
                + (" (1e-8 x var(y))" if self.meta.get("atol_default") else "")
                + "; ratios are "
                f"to max(best, atol); task {self.meta.get('task')}, "
                f"{self.meta.get('n_samples')} samples"
                + ("; INTERRUPTED, partial results" if self.meta.get("interrupted") else ""))

    def to_dict(self):
        return {"rows": self.rows, "runs": self.runs, "best_loss": self.best_loss,
                "best_method": self.best_method, "rtol": self.rtol, "meta": self.meta}

    def save(self, path):
        """Write the report, every run included, as JSON, atomically (a temporary file
        renamed over `path`: a crash never leaves a truncated file)."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path):
        """Read a report written by :meth:`save` (errors name the file)."""
        keys = ("rows", "runs", "best_loss", "best_method", "rtol", "meta")
        d = _load_report(path, "benchmark report", keys)
        _unjson_rows(d["rows"].values())
        return cls(*(d[k] for k in keys))

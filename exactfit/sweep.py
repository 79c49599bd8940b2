"""sweep: which remedy actually helps, and how much?

Runs gradient descent over a grid of optimizers x activations x widths x dropout
rates on one task and reports, per cell, the success rate against the optimum
**of that same architecture** (a leaky-ReLU or 5-unit net has its own optimum,
found by :func:`exactfit.fit_global`), with its Wilson interval, the median loss
ratio and why the failures failed.
"""

import inspect
import itertools
import math
import time
import warnings

import numpy as np
from scipy.optimize import minimize

from ._checkpoint import Checkpoint, callable_fingerprint, data_fingerprint
from ._io import write_json
from ._parallel import draw_seeds, raise_if_interrupted, run_trials
from ._validation import (check_bool, check_choice, check_data, check_fraction, check_memory,
                          check_n_jobs, check_nonnegative, check_positive_int)
from .activations import check_activation
from .bench import (_load_report, _record, _TableReport, _unjson_rows, default_atol,
                    summarize_runs)
from .gd import SKLEARN_OPTIMIZERS, train_gd
from .losses import Objective, mse
from .network import Network
from .search import fit_global
from .tasks import Task

__all__ = ["sweep", "SweepReport", "SWEEP_AXES"]

#: The axes of a sweep, in table order.
SWEEP_AXES = ("optimizer", "activation", "width", "dropout")
_SKLEARN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
_SAME = 1e-9
# Warm starts per width from the narrower width's optimum (each padded with a
# different random unit). On Euclid (2000 points, widths 3..10, 24 restarts) one
# left width 6 at 1.20e-4; four reached 8.38e-5, below every other search
# (benchmarks/results/remedies.md), at the cost of 4 local runs per width.
_WARM_STARTS = 4


def _as_tuple(values, name):
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__") \
            or (isinstance(values, np.ndarray) and values.ndim == 0):
        values = (values,)  # one value, e.g. widths=5
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must name at least one value.")
    return values


def sweep(task, optimizers=("adam",), activations=("relu",), widths=None, dropout=(0.0,),
          n_seeds=100, rtol=0.01, backend="torch", epochs=None, reference_restarts=24,
          random_state=0, n_jobs=None, progress=True, atol=None, checkpoint=None,
          **trainer_options):
    """Success rate of gradient descent over a grid of remedies.

    Parameters
    ----------
    task : Task
        Data and the network in question (its single hidden width is the default
        of `widths`).
    optimizers : sequence of str, default=("adam",)
        Keras optimizers (``backend="torch"``, see :data:`exactfit.KERAS_OPTIMIZERS`)
        or scikit-learn solvers (``backend="sklearn"``).
    activations : sequence of str, default=("relu",)
        Hidden activations.
    widths : sequence of int, optional
        Hidden units (one hidden layer). Default: the task's width.
    dropout : sequence of float, default=(0.0,)
        Dropout rates in [0, 1) after the hidden layer (torch backend only).
    n_seeds : int, default=100
        Runs per cell; every cell uses the same seeds.
    rtol : float, default=0.01
        A run succeeds when its MSE is at most ``(1 + rtol) * best + atol``, with
        ``best`` the lowest loss known for its architecture (activation and width):
        the lowest of ``fit_global``'s optimum, the architecture's best run polished
        by L-BFGS, and the best loss of any narrower width with the same activation
        (a narrower network is a wider one with zero output weights, so the optimum
        never rises with width).
    backend : {"torch", "sklearn"}, default="torch"
        ``"torch"``: :func:`exactfit.train_gd_many` with the Keras protocol, one
        batched computation per cell. ``"sklearn"``: :func:`exactfit.train_gd`.
    epochs : int, optional
        Epochs per run (Keras protocol default 200; scikit-learn ``max_iter`` 200).
    reference_restarts : int, default=24
        Restarts of the ``fit_global`` call that gives each architecture's optimum
        (on Euclid with 2000 points, 6 restarts stayed 20% to 3.4x above the best
        loss known at widths 4, 6, 8 and 10 of 3..10; with one reaching start in 24
        typical there, fewer restarts leave the reference weak). The widths of one
        activation are searched narrowest first, each also warm-started 4 times from
        the previous width's optimum (``fit_global(init=...)``, padded with a random
        unit), so a reference never rises with the width.
    random_state : int, RandomState or None, default=0
        Draws the per-run seeds (and the reference searches' seeds) up front.
    n_jobs : int or None
        Cells (and reference searches) run through joblib, so
        ``joblib.parallel_config(backend="dask")`` moves them onto a cluster.
    progress : bool, default=True
        Progress bars (shown only when stderr is a terminal).
    atol : float, optional
        Absolute floor of success; default ``1e-8 * var(y)``
        (:func:`exactfit.bench.default_atol`). Stated in the report.
    checkpoint : str or os.PathLike, optional
        A JSON file that records each finished piece (every activation's
        reference searches, every cell's runs, every polish) as it finishes,
        atomically. Called again with the same file and arguments, finished pieces
        are read back instead of rerun and the report equals the uninterrupted
        one. A file made with other arguments is refused; `rtol` and `atol` only
        judge the runs and may change. With ``random_state=None`` the seeds are
        read from the file.
    **trainer_options
        Passed to the trainer (e.g. ``batch_size``, ``learning_rate``); checked
        against what the trainer takes before any work starts.

    Returns
    -------
    SweepReport
        Its header warns when, for some architecture, a run (after L-BFGS) or a
        narrower width beat fit_global's optimum beyond the tolerance: a miss of
        the search, not a success of gradient descent.

    Notes
    -----
    Ctrl-C stops every phase at once. Interrupted while the references are
    searched, it raises KeyboardInterrupt (a checkpoint keeps the finished
    ones); interrupted in the cells, it returns the finished cells, judged
    against the references and their unpolished best runs, marked INTERRUPTED.
    """
    if not isinstance(task, Task):
        raise TypeError(f"task must be an exactfit.tasks.Task; got {type(task).__name__}.")
    check_choice(backend, ("torch", "sklearn"), "backend")
    optimizers = _as_tuple(optimizers, "optimizers")
    if backend == "torch":
        from .gd import KERAS_OPTIMIZERS

        known_opt = tuple(KERAS_OPTIMIZERS)
    else:
        known_opt = SKLEARN_OPTIMIZERS
    for i, opt in enumerate(optimizers):
        check_choice(opt, known_opt, f"optimizers[{i}]")
    activations = _as_tuple(activations, "activations")
    for i, act in enumerate(activations):
        check_activation(act, f"activations[{i}]")
        if backend == "sklearn" and act not in _SKLEARN_ACTIVATIONS:
            raise ValueError(f"activations[{i}] = {act!r} needs backend='torch' (scikit-learn "
                             f"has {list(_SKLEARN_ACTIVATIONS)}).")
    if widths is None:
        if len(task.hidden) != 1:
            raise ValueError("sweep varies one hidden layer; give widths explicitly.")
        widths = task.hidden
    widths = tuple(check_positive_int(w, "widths") for w in _as_tuple(widths, "widths"))
    dropout = tuple(check_fraction(d, "dropout") for d in _as_tuple(dropout, "dropout"))
    if backend == "sklearn" and any(d > 0 for d in dropout):
        raise ValueError("dropout needs backend='torch' (scikit-learn's MLP has none).")
    n_seeds = check_positive_int(n_seeds, "n_seeds")
    rtol = check_fraction(rtol, "rtol", 0.0, math.inf)
    if epochs is not None:
        epochs = check_positive_int(epochs, "epochs")
    reference_restarts = check_positive_int(reference_restarts, "reference_restarts")
    check_n_jobs(n_jobs)
    progress = check_bool(progress, "progress")
    _check_trainer_options(trainer_options, backend, optimizers)
    X, y = task.X, task.y
    atol_default = atol is None
    atol = default_atol(y) if atol is None else check_nonnegative(atol, "atol")
    n, d = X.shape
    m = 1 if y.ndim == 1 else y.shape[1]
    w_max = max(widths)
    # The widest reference search holds a few (width x n_samples) arrays; a torch cell
    # holds every seed's parameters with their optimizer state and a batch's activations.
    check_memory(8 * (8.0 * w_max * n + 6.0 * n_seeds * w_max * (d + m + 1)
                      + 4.0 * n_seeds * w_max * min(n, 1024)),
                 f"sweep(widths=..., n_seeds={n_seeds}) at width {w_max} on {n} samples",
                 "Use narrower widths or fewer seeds.")
    seeds = draw_seeds(random_state, n_seeds)
    archs = list(itertools.product(activations, widths))
    cells = list(itertools.product(optimizers, activations, widths, dropout))
    ckpt = None
    if checkpoint is not None:
        import exactfit

        if random_state is None:
            stored = Checkpoint.peek(checkpoint, "sweep")
            if stored is not None and isinstance(stored["args"].get("seeds"), list):
                seeds = stored["args"]["seeds"]  # random seeds were drawn then: keep those
        ckpt = Checkpoint(checkpoint, "sweep", {
            "exactfit": exactfit.__version__, "data": data_fingerprint(X, y),
            "optimizers": optimizers, "activations": activations, "widths": widths,
            "dropout": dropout, "n_seeds": n_seeds, "backend": backend, "epochs": epochs,
            "reference_restarts": reference_restarts, "seeds": seeds,
            "trainer_options": callable_fingerprint(sorted(trainer_options.items()))})
    t0 = time.perf_counter()
    ref_seeds = dict(zip(archs, draw_seeds(seeds[0], len(archs))))

    # Phase 1: one trial per activation, its widths in a chain, each warm-started from
    # the last.
    ref_keys = {act: Checkpoint.key("reference", act) for act in activations}
    chains = {act: {int(w): loss for w, loss in ckpt[ref_keys[act]]}
              for act in activations if ckpt is not None and ref_keys[act] in ckpt}
    todo = [act for act in activations if act not in chains]

    def save_chain(j, result):
        act = todo[j]
        chains[act] = result
        if ckpt is not None:
            ckpt.put(ref_keys[act], sorted(result.items()))

    run_trials(_references, [(X, y, act, widths, reference_restarts,
                              [ref_seeds[(act, w)] for w in widths]) for act in todo],
               n_jobs=n_jobs, progress=progress, desc="optimum per architecture",
               on_result=save_chain)
    if len(chains) < len(activations):
        raise KeyboardInterrupt("sweep was interrupted before every architecture's optimum "
                                "was found" + (f"; the finished ones are in {ckpt.path!r}"
                                               if ckpt is not None else "."))
    ref_loss = {(act, w): chains[act][w] for act, w in archs}

    # Phase 2: the cells.
    cell_keys = [Checkpoint.key("cell", *c) for c in cells]
    recs = [ckpt[k] if ckpt is not None and k in ckpt else None for k in cell_keys]
    todo = [i for i, r in enumerate(recs) if r is None]

    def save_cell(j, result):
        i = todo[j]
        recs[i] = ckpt.put(cell_keys[i], result) if ckpt is not None else result

    done = run_trials(_cell, [(X, y, seeds, *cells[i], backend, epochs, trainer_options)
                              for i in todo],
                      n_jobs=n_jobs, progress=progress, desc="sweep cells", on_result=save_cell)
    interrupted = len(done) < len(todo)

    # The best run of each architecture, polished by L-BFGS: a lower local optimum
    # than fit_global's is the better reference (and the runs are judged against it).
    top = {}
    for (opt, act, w, drop), rs in zip(cells, recs):
        for r in rs or []:
            if np.isfinite(r["loss"]) and r["loss"] < top.get((act, w), {"loss": np.inf})["loss"]:
                top[(act, w)] = r
    polish_keys = {a: Checkpoint.key("polish", *a) for a in top}
    polished = {a: ckpt[polish_keys[a]] for a in top
                if ckpt is not None and polish_keys[a] in ckpt}
    if not interrupted:  # one Ctrl-C stops every phase: no polishing after it
        todo = [a for a in top if a not in polished]

        def save_polish(j, result):
            a = todo[j]
            polished[a] = ckpt.put(polish_keys[a], result) if ckpt is not None else result

        done = run_trials(_polish, [(X, y, top[a]["network"]) for a in todo], n_jobs=n_jobs,
                          progress=progress, desc="polish best runs", on_result=save_polish)
        interrupted = len(done) < len(todo)
    # Unpolished architectures (after an interrupt) still count their best run.
    candidates = {a: polished.get(a, top[a]["loss"]) for a in top}
    best, best_from = _best_per_architecture(ref_loss, candidates)
    for a in top:
        if a not in polished and best_from[a] == "best run + L-BFGS":
            best_from[a] = "best run"
    rows, kept = [], []
    for (opt, act, w, drop), rs in zip(cells, recs):
        if rs is None:
            continue
        row = {"optimizer": opt, "activation": act, "width": w, "dropout": drop,
               "reference_loss": ref_loss[(act, w)], "best_loss": best[(act, w)],
               "best_from": best_from[(act, w)],
               "polished_run_loss": polished.get((act, w)),  # None: no finite run
               "fit_global_missed": not ref_loss[(act, w)] <= best[(act, w)] * (1 + rtol) + atol}
        row.update(summarize_runs(rs, best[(act, w)], rtol, atol=atol))
        rows.append(row)
        kept.append(rs)
    warning = _reference_warning(rows, rtol, atol)
    if warning:
        warnings.warn(warning, UserWarning, stacklevel=2)
    meta = {"task": task.name, "n_samples": int(X.shape[0]), "rtol": rtol, "atol": atol,
            "atol_default": atol_default,
            "backend": backend, "epochs": epochs, "n_seeds": n_seeds,
            "reference_restarts": reference_restarts, "seeds": seeds,
            "interrupted": interrupted, "reference_warning": warning,
            "wall_time": time.perf_counter() - t0}
    return SweepReport(rows, [list(r) for r in kept], meta)


def _reference_warning(rows, rtol, atol):
    """The header when fit_global's optimum was beaten beyond the tolerance somewhere."""
    missed = {}
    for r in rows:
        if r["fit_global_missed"]:
            missed[(r["activation"], r["width"])] = r
    if not missed:
        return None
    where = "; ".join(f"{a}, {w} units: {r['best_from']} reached {r['best_loss']:.6g} < "
                      f"fit_global's {r['reference_loss']:.6g}"
                      for (a, w), r in missed.items())
    return (f"WARNING: fit_global missed the optimum ({where}), by more than the tolerance "
            f"(rtol={rtol:g}, atol={atol:.3g}). Success is judged against the lowest loss "
            f"known; this is a miss of the search, not a success of gradient descent.")


def _check_trainer_options(options, backend, optimizers):
    """Reject, before any work, an option the trainer would refuse at the first cell."""
    if backend == "torch":
        from .gd import KERAS_OPTIMIZERS, train_gd_many

        taken = set(inspect.signature(train_gd_many).parameters) - {
            "X", "y", "seeds", "hidden", "optimizer", "activation", "dropout", "epochs",
            "loss_curve", "progress", "optimizer_options"}
        for opt in optimizers:
            allowed = taken | set(KERAS_OPTIMIZERS[opt])
            unknown = sorted(set(options) - allowed)
            if unknown:
                raise TypeError(f"unexpected trainer option(s) {unknown} for backend='torch' "
                                f"with optimizer {opt!r}; it takes {sorted(allowed)}.")
    else:
        from sklearn.neural_network import MLPRegressor

        from .gd._train import _OWN_OPTIONS

        allowed = ({"learning_rate", "batch_size", "tol"}
                   | set(MLPRegressor().get_params()) - set(_OWN_OPTIONS))
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TypeError(f"unexpected trainer option(s) {unknown} for backend='sklearn'; "
                            f"train_gd takes {sorted(allowed)}.")


def _best_per_architecture(ref_loss, polished):
    """Lowest MSE known for each (activation, width), and where it came from.

    The candidates are ``fit_global``'s optimum, the architecture's best run
    polished by L-BFGS (never above the run itself), and the best loss of every
    narrower width with the same activation: a network with ``w`` units is a
    network with ``w + 1`` units whose extra unit has output weight 0, so the
    optimum can only fall as the width grows, and a reference search that
    misses this at a larger width is not the optimum of that width.
    """
    # Losses within _SAME of each other are the same optimum reached twice (L-BFGS
    # stops at slightly different points); the earlier source keeps the credit.
    best = {a: (loss, "fit_global") for a, loss in ref_loss.items()}
    for a, loss in polished.items():
        if loss < best[a][0] * (1 - _SAME):
            best[a] = (loss, "best run + L-BFGS")
    for act in dict.fromkeys(a for a, _ in best):
        widths = sorted(w for a, w in best if a == act)
        for narrow, wide in zip(widths, widths[1:]):
            if best[(act, narrow)][0] < best[(act, wide)][0] * (1 - _SAME):
                src = best[(act, narrow)][1]
                best[(act, wide)] = (best[(act, narrow)][0],
                                     src if src.startswith("width") else f"width {narrow}")
    return ({a: float(v[0]) for a, v in best.items()}, {a: v[1] for a, v in best.items()})


def _polish(X, y, network):
    """MSE after L-BFGS from a run's network (a local optimum at or below the run)."""
    net = Network.from_dict(network)
    X2, Y = check_data(X, y)
    obj = Objective(X2, Y, net.layer_sizes, net.hidden, net.output, "mse")
    res = minimize(obj, net.to_flat(), jac=True, method="L-BFGS-B",
                   options={"maxiter": 3000, "maxcor": 20, "ftol": 1e-14, "gtol": 1e-10})
    return min(float(mse(net.with_flat(res.x), X2, Y)), float(mse(net, X2, Y)))


def _references(X, y, act, widths, n_restarts, seeds):
    """``{width: fit_global's optimum}`` for one activation, narrowest width first, each
    search also started from the previous width's optimum."""
    out, prev = {}, None
    for w, seed in sorted(zip(widths, seeds)):
        if w in out:
            continue
        res = fit_global(X, y, hidden=w, activation=act, n_restarts=n_restarts,
                         random_state=seed, init=None if prev is None else [prev] * _WARM_STARTS)
        out[w], prev = float(res.loss), res.network
    return out


def _cell(X, y, seeds, opt, act, width, drop, backend, epochs, options):
    if backend == "torch":
        from .gd import train_gd_many

        results = train_gd_many(X, y, seeds=seeds, hidden=width, optimizer=opt, activation=act,
                                dropout=drop, epochs=epochs, loss_curve=False, progress=False,
                                **options)
    else:
        results = [train_gd(X, y, hidden=width, optimizer=opt, activation=act,
                            max_iter=epochs or 200, random_state=s, **options) for s in seeds]
    recs = []
    for r, s in zip(results, seeds):
        raise_if_interrupted(r)  # the torch trainer catches Ctrl-C itself
        rec = _record(r, X, s)
        rec.pop("loss_curve")  # keep saved sweeps small
        recs.append(rec)
    return recs


class SweepReport(_TableReport):
    """The outcome of :func:`sweep`: one row per cell.

    Attributes
    ----------
    rows : list of dict
        ``optimizer``, ``activation``, ``width``, ``dropout``, ``reference_loss``
        (fit_global's optimum of that architecture), ``best_loss`` (what success is
        judged against), ``best_from`` (where it came from: ``"fit_global"``,
        ``"best run + L-BFGS"`` or ``"width k"``, a narrower width of the same
        activation), ``polished_run_loss`` (None when no run was finite) and the statistics of
        :func:`exactfit.bench.summarize_runs`.
    runs : list of list of dict
        Per cell, the record of every run (seed, loss, time, diagnosis, network).
    meta : dict
    """

    _COLUMNS = ("optimizer", "activation", "width", "dropout", "runs", "success", "95% CI",
                "median ratio", "optimum (MSE)", "failures dead/coll./lin./other")

    def __init__(self, rows, runs, meta):
        self.rows, self.runs, self.meta = rows, runs, meta

    def value(self, value="success_rate", **where):
        """Rows matching `where` (axis=value), as a list of ``value``."""
        return [r[value] for r in self.rows if all(r[k] == v for k, v in where.items())]

    def grid(self, x="optimizer", y="activation", value="success_rate", **where):
        """A 2-D table of `value` over axes `x` and `y` (other axes fixed by `where`).

        Raises ValueError when an axis left free varies, so that two cells would
        share one entry.

        Returns
        -------
        xs, ys : list
        Z : ndarray of shape (len(ys), len(xs)), NaN where no row matches.
        """
        for a in (x, y):
            check_choice(a, SWEEP_AXES, "axis")
        rows = [r for r in self.rows if all(r[k] == v for k, v in where.items())]
        xs = list(dict.fromkeys(r[x] for r in rows))
        ys = list(dict.fromkeys(r[y] for r in rows))
        Z = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            i, j = ys.index(r[y]), xs.index(r[x])
            if not np.isnan(Z[i, j]):
                varying = [a for a in SWEEP_AXES if a not in (x, y)
                           and len({q[a] for q in rows}) > 1]
                raise ValueError(f"several cells have {x}={r[x]!r}, {y}={r[y]!r}: fix "
                                 + ", ".join(f"{a}=..." for a in varying)
                                 + " (the axes that vary).")
            Z[i, j] = r[value]
        return xs, ys, Z

    def table_rows(self):
        out = []
        for r in self.rows:
            f = r["failures"]
            out.append((r["optimizer"], r["activation"], str(r["width"]), f"{r['dropout']:g}",
                        str(r["runs"]), f"{r['success_rate']:.0%}",
                        f"[{r['ci_low']:.0%}, {r['ci_high']:.0%}]", f"{r['median_ratio']:.4g}",
                        f"{r['best_loss']:.4g}" + ("*" if r.get("best_from", "fit_global")
                                                   != "fit_global" else ""),
                        f"{f['dead']}/{f['collapsed']}/{f['linear']}/{f['other']}"))
        return out

    def _header(self):
        return self.meta.get("reference_warning") or ""

    def _footer(self):
        m = self.meta
        beaten = sorted({(r["activation"], r["width"], r["best_from"]) for r in self.rows
                         if r.get("best_from", "fit_global") != "fit_global"})
        note = ("; * = below fit_global's optimum, found by "
                + ", ".join(f"{src} ({a}, {w} units)" for a, w, src in beaten)) if beaten else ""
        return (f"Success: MSE <= (1 + {m['rtol']:g}) x the optimum of the same architecture "
                f"(the lowest of fit_global's, the best run's after L-BFGS, any narrower "
                f"width's) + atol, atol = {m.get('atol', 0.0):.3g}"
                + (" (1e-8 x var(y))" if m.get("atol_default") else "")
                + f"{note}; task {m['task']}, {m['n_samples']} samples, "
                f"backend {m['backend']}, {m['n_seeds']} seeds per cell"
                + ("; INTERRUPTED, partial results" if m.get("interrupted") else ""))

    def save(self, path):
        """Write the report (every run included) as JSON, atomically (a temporary file
        renamed over `path`: a crash never leaves a truncated file)."""
        write_json(path, {"rows": self.rows, "runs": self.runs, "meta": self.meta})

    @classmethod
    def load(cls, path):
        """Read a report written by :meth:`save` (errors name the file)."""
        d = _load_report(path, "sweep report", ("rows", "runs", "meta"))
        return cls(_unjson_rows(d["rows"]), d["runs"], d["meta"])

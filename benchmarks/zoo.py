"""The task zoo: construction, fit_global and Keras-protocol Adam on each small problem.

For every zoo task (``exactfit.tasks``: xor, absolute, maximum, square, product,
parity, sawtooth deep and shallow, teacher-student) with the architecture in
question, this script reports

- the construction (``exactfit.construct.for_task``): its MSE and evidence;
- ``exactfit.fit_global`` with its default arguments (``random_state=0``);
- gradient descent as Keras users run it (``exactfit.gd.train_gd_many``,
  ``protocol="keras"``: Adam with Keras's defaults, lr 1e-3, batch 32, a fresh
  shuffle every epoch, Glorot-uniform weights, zero biases, float32), over 1000
  seeds drawn up front from ``random_state=0``, all seeds batched;

and per task: the share of Adam runs that reach the optimum with its Wilson 95%
interval, the median loss ratio, and why the failed runs failed (``diagnose``:
dead, collapsed, linear units; "other" when no unit is unhealthy) and how many of
them were still falling (loss halved over the last 10% of epochs: more epochs might
have helped them). Every run's end point is then polished by L-BFGS (float64, full
batch, up to 3000 iterations): the share that reaches the optimum after the polish
is the share of runs that ended in the optimum's basin; the difference from the
first share is runs that were there but had not converged.

Reaching the optimum. The reference is the best loss known for the architecture:
the lowest of the construction, fit_global and every run. Where an exact network
exists (the construction's evidence is "exact"), the optimum is 0, and a run
reaches it when ``MSE <= 1e-8 var(y)`` (a loss of 1e-30 is not better than 1e-28
in any sense that matters; float32 training ends around 1e-14 var(y)); the
median ratio is then taken against ``1e-8 var(y)``. Otherwise a run reaches it
when ``MSE <= 1.01 x best``.

Budget. Every run takes the same number of Adam steps, ``--steps`` (20000 by
default): epochs = ceil(steps / batches per epoch). The tasks differ in size
(4 to 4000 samples), so a fixed number of epochs would give the 4-point XOR 1000
times fewer updates than the 4000-sample teacher-student.

Run: ``python benchmarks/zoo.py`` (about 30-45 minutes on 2 busy cores);
``--quick``: 20 seeds, 2000 steps (a few minutes). Results go to
``benchmarks/results/zoo.json`` and ``zoo.md``, the picture to ``docs/zoo.png``.
The JSON is rewritten (atomically) after every task and doubles as the
checkpoint: an interrupted run (Ctrl-C) resumes where it stopped when rerun with
the same settings (``--fresh`` starts over).
"""

import argparse
import json
import math
import os
import platform
import sys
import time
import warnings

import numpy as np
from tqdm.auto import tqdm

import exactfit
from exactfit import tasks
from exactfit._io import write_text
from exactfit._parallel import _controller, draw_seeds
from exactfit._validation import check_data
from exactfit.bench import summarize_runs, wilson_interval
from exactfit.construct import for_task
from exactfit.diagnose import diagnose
from exactfit.losses import Objective

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

#: The zoo rows: key -> (how the task is made, as text; the generator call).
TASKS = {
    "xor": ("tasks.xor()", lambda: tasks.xor()),
    "absolute": ("tasks.absolute()", lambda: tasks.absolute()),
    "maximum": ("tasks.maximum()", lambda: tasks.maximum()),
    "square": ("tasks.square()", lambda: tasks.square()),
    "product": ("tasks.product()", lambda: tasks.product()),
    "parity3": ("tasks.parity(3)", lambda: tasks.parity(3)),
    "parity4": ("tasks.parity(4)", lambda: tasks.parity(4)),
    "sawtooth3_deep": ("tasks.sawtooth(3)", lambda: tasks.sawtooth(3)),
    "sawtooth3_shallow": ("tasks.sawtooth(3, hidden=8)", lambda: tasks.sawtooth(3, hidden=8)),
    "teacher_student": ("tasks.teacher_student(6, 6)", lambda: tasks.teacher_student(6, 6)),
}

BATCH = 32


def architecture(task):
    return "-".join(str(s) for s in (task.X.shape[1],) + task.hidden + (1,))


def _atomic_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_text(path, json.dumps(obj, indent=1, allow_nan=False))


def _atomic_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_text(path, text)


def _falling(curve):
    """Loss halved over the last 10% of epochs (Keras's per-epoch history)."""
    if curve is None or len(curve) < 10:
        return False
    c = np.asarray(curve, dtype=float)
    return bool(c[-1] < 0.5 * c[int(0.9 * len(c)) - 1])


def polish(network, X, y, maxiter=3000):
    """L-BFGS (float64, full batch) from a trained network: the loss at the bottom of
    the basin the run ended in (a run that merely had not converged gets there; one
    in another basin, or with dead units, does not)."""
    from scipy.optimize import minimize

    X, Y = check_data(X, y)
    obj = Objective(X, Y, network.layer_sizes, network.hidden, network.output, "mse")
    res = minimize(obj, network.to_flat(), jac=True, method="L-BFGS-B",
                   options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-12})
    # the loss stated is the returned network's, by the one loss definition
    return exactfit.mse(network.with_flat(res.x), X, Y)


def run_task(key, args, seeds, progress):
    """One zoo row: construction, fit_global, Adam over every seed, judged and summarised."""
    call, make = TASKS[key]
    task = make()
    X, y = task.X, task.y
    var_y = float(np.var(y))
    batches = math.ceil(len(y) / BATCH)
    epochs = math.ceil(args.steps / batches)

    con = for_task(task)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fg = exactfit.fit_global(X, y, hidden=task.hidden, random_state=0)
    if any("Interrupted" in str(w.message) for w in caught):
        raise KeyboardInterrupt

    t0 = time.perf_counter()
    runs = exactfit.train_gd_many(X, y, seeds=seeds, hidden=task.hidden, optimizer="adam",
                                  protocol="keras", epochs=epochs, batch_size=BATCH,
                                  loss_curve="batch_mean", progress=progress)
    gd_seconds = time.perf_counter() - t0
    if any(r.message.startswith("Interrupted") for r in runs):
        raise KeyboardInterrupt

    records, polished = [], []
    t0 = time.perf_counter()
    # small matrices: one BLAS thread is faster, and leaves the other core free
    with _controller().limit(limits=1, user_api="blas"):
        for r in tqdm(runs, desc=f"{key}: diagnose, polish", disable=not progress,
                      leave=False):
            diag = diagnose(r.network, X)
            records.append({"seed": r.random_state, "loss": float(r.loss),
                            "time": float(r.time), "evidence": r.evidence,
                            "reasons": diag.reasons(), "falling": _falling(r.get("loss_curve")),
                            "diverged": r.message.startswith("Diverged")})
            polished.append(polish(r.network, X, y) if args.polish else math.nan)
    polish_seconds = time.perf_counter() - t0
    losses, polished = np.array([r["loss"] for r in records]), np.array(polished)
    best = float(np.nanmin([con.loss, fg.loss, losses.min(), np.nanmin(polished)
                            if args.polish else np.inf]))
    exact = con.evidence == "exact"
    if exact:
        reference, rtol = args.exact_tol * var_y, 0.0
        rule = f"MSE <= {args.exact_tol:g} var(y)"
    else:
        reference, rtol = best, args.rtol
        rule = f"MSE <= {1 + args.rtol:g} x best"
    threshold = reference * (1 + rtol)
    summary = summarize_runs(records, reference, rtol=rtol)
    failed = [r for r in records if r["loss"] > threshold]
    basin = {}
    if args.polish:
        k = int(np.sum(polished <= threshold))
        lo, hi = wilson_interval(k, len(polished))
        basin = {"successes": k, "success_rate": k / len(polished), "ci_low": lo,
                 "ci_high": hi, "seconds": polish_seconds}
    return {
        "key": key, "call": call, "task": task.name, "description": task.description,
        "architecture": architecture(task), "hidden": list(task.hidden),
        "n_samples": len(y), "var_y": var_y, "epochs": epochs, "steps": epochs * batches,
        "construction": {"loss": float(con.loss), "evidence": con.evidence,
                         "message": con.message, "bound": con.get("bound"),
                         "time": float(con.time), "reached": bool(con.loss <= threshold)},
        "fit_global": _fit_global_entry(fg, threshold),
        "best_loss": best, "exact": exact, "reference": reference, "threshold": threshold,
        "rule": rule,
        "adam": {**{k: v for k, v in summary.items() if k != "time_to_optimum_99"},
                 "median_loss_over_var": float(np.median(losses) / var_y) if var_y else None,
                 "failed": len(failed),
                 "failed_falling": sum(r["falling"] for r in failed),
                 "diverged": sum(r["diverged"] for r in records),
                 "seconds": gd_seconds},
        "polished": basin,
        "runs": {"seed": [r["seed"] for r in records], "loss": losses.tolist(),
                 "polished": polished.tolist() if args.polish else None,
                 "reasons": ["+".join(r["reasons"]) for r in records],
                 "falling": [r["falling"] for r in records]},
    }


def _fmt(v):
    return "0" if v == 0 else f"{v:.4g}"


def _cell(text):
    return str(text).replace("|", "\\|")  # a literal | would end the markdown cell


def to_markdown(results):
    meta = results["meta"]
    lines = [
        "# Task zoo: construction, fit_global and Keras-protocol Adam",
        "",
        f"Produced by `python benchmarks/zoo.py{meta['argv']}` on {meta['machine']} "
        f"({meta['cpus']} CPUs), torch {meta['torch']}, in "
        + "; ".join(f"a session on {x['date']} ({len(x['tasks'])} task(s), "
                    f"{x['seconds'] / 60:.0f} min, load average {x['load_start']:.1f} at the "
                    f"start, {x['load_end']:.1f} at the end)" for x in meta["sessions"])
        + f". Adam: Keras protocol (lr 1e-3, batch {BATCH}, float32, Glorot init), "
        f"{meta['n_seeds']} seeds drawn from random_state={meta['random_state']}, every run "
        f"{meta['steps']} Adam steps (epochs = steps / batches per epoch). fit_global: "
        "default call, random_state=0. MSE on the task's data (float64, `exactfit.mse`).",
        "",
        "| task | network | samples | epochs | construction MSE | fit_global MSE | "
        "Adam reaches the optimum [95% CI] | after L-BFGS polish [95% CI] | median MSE / ref. "
        "| median MSE / var(y) | failed: dead/coll./lin./other | failed, still falling |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        c, f, a, b = row["construction"], row["fit_global"], row["adam"], row["polished"]
        fl = a["failures"]
        con = f"{_fmt(c['loss'])} ({c['evidence']})" + ("" if c["reached"] else ", not opt.")
        fgs = f"{_fmt(f['loss'])}" + (" (reaches)" if f["reached"] else " (misses)")
        pol = (f"{b['success_rate']:.1%} [{b['ci_low']:.1%}, {b['ci_high']:.1%}]" if b
               else "-")
        lines.append(
            f"| {row['call']} | {row['architecture']} | {row['n_samples']} | {row['epochs']} "
            f"| {con} | {fgs} | {a['successes']}/{a['runs']} = {a['success_rate']:.1%} "
            f"[{a['ci_low']:.1%}, {a['ci_high']:.1%}] | {pol} | {a['median_ratio']:.3g} "
            f"| {a['median_loss_over_var']:.3g} "
            f"| {fl['dead']}/{fl['collapsed']}/{fl['linear']}/{fl['other']} "
            f"| {a['failed_falling']} |")
    lines += [
        "",
        "Reaching the optimum: where the construction is exact (zero loss by construction), "
        f"MSE <= {meta['exact_tol']:g} var(y), and the reference of the median ratio is "
        f"{meta['exact_tol']:g} var(y); otherwise MSE <= {1 + meta['rtol']:g} x the best "
        "loss known for the architecture (the lowest of the construction, fit_global and "
        "every Adam run and its polish), which is also the reference. \"after L-BFGS "
        "polish\": runs whose end point, polished by L-BFGS in float64 on the full batch, "
        "reaches the optimum (the run ended in the optimum's basin but had not converged). "
        "\"failed\" columns: failed runs "
        "showing each reason (a run can show several; `exactfit.diagnose` on the training "
        "inputs); \"other\": no unhealthy unit. \"still falling\": failed runs whose "
        "per-epoch loss halved over the last 10% of epochs.",
        "",
        "| task | best known MSE | reference | construction: how | bound | "
        "fit_global time [s] | Adam time, all seeds [s] | diagnose + polish, all seeds [s] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        c = row["construction"]
        bound = "-" if c["bound"] is None else f"{c['bound']:.3g}"
        lines.append(f"| {row['call']} | {_fmt(row['best_loss'])} | {row['reference']:.3g} | "
                     f"{_cell(c['message'])} | {bound} | {row['fit_global']['time']:.2f} | "
                     f"{row['adam']['seconds']:.0f} | "
                     f"{row['polished'].get('seconds', math.nan):.0f} |")
    if meta.get("interrupted"):
        lines += ["", "INTERRUPTED: partial results (rerun to resume)."]
    return "\n".join(lines) + "\n"


def _fit_global_entry(fg, threshold):
    return {"loss": float(fg.loss), "evidence": fg.evidence, "time": float(fg.time),
            "reached": bool(fg.loss <= threshold), "confirmed": bool(fg.get("confirmed", False)),
            "n_reached": fg.get("n_reached"), "n_minima": fg.get("n_minima"),
            "p_better": fg.get("p_better")}


def redo_fit_global(row):
    """Rerun the default fit_global call of a saved row and update its entry in place.

    The reference stays the saved one; when the new call goes below it on a task
    without an exact network, the Adam counts were judged against too high a
    reference: the row says so (``needs_rerun``) and the message tells to rerun it.
    """
    _, make = TASKS[row["key"]]
    task = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fg = exactfit.fit_global(task.X, task.y, hidden=task.hidden, random_state=0)
    row["fit_global"] = _fit_global_entry(fg, row["threshold"])
    lower = (not row["exact"]) and fg.loss < row["best_loss"] * (1 - 1e-9)
    row["needs_rerun"] = bool(lower)
    print(f"{row['key']:18s} fit_global {_fmt(fg.loss)} "
          f"({'reaches' if row['fit_global']['reached'] else 'misses'} the optimum; "
          f"{fg.time:.1f} s)" + ("; BELOW the saved best: the next run without "
                                 "--redo-fit-global recomputes this row" if lower else ""),
          flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    p.add_argument("--seeds", type=int, default=1000, help="Adam runs per task")
    p.add_argument("--steps", type=int, default=20000, help="Adam steps per run")
    p.add_argument("--random-state", type=int, default=0, help="draws the per-run seeds")
    p.add_argument("--rtol", type=float, default=0.01)
    p.add_argument("--exact-tol", type=float, default=1e-8)
    p.add_argument("--no-polish", dest="polish", action="store_false",
                   help="skip the L-BFGS polish of every run")
    p.add_argument("--quick", action="store_true", help="20 seeds, 2000 steps")
    p.add_argument("--fresh", action="store_true", help="ignore saved results, start over")
    p.add_argument("--redo-fit-global", action="store_true",
                   help="only rerun fit_global on the saved rows (after a change to it); a row "
                        "whose optimum it lowers is marked for a rerun")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--figure", default=os.path.join(ROOT, "docs", "zoo.png"),
                   help="picture path ('' for none)")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.steps = 20, 2000
    argv_text = "".join(" " + a for a in (sys.argv[1:] if argv is None else argv))
    json_path = os.path.join(args.out, "zoo.json")
    config = {"seeds": args.seeds, "steps": args.steps, "random_state": args.random_state,
              "rtol": args.rtol, "exact_tol": args.exact_tol, "polish": args.polish}

    import torch

    results = None
    if not args.fresh and os.path.exists(json_path):
        with open(json_path) as fh:
            saved = json.load(fh)
        if saved.get("config") == config:
            results = saved
        else:
            print("Saved results have other settings; starting over.", flush=True)
    if results is None:
        results = {"config": config, "rows": []}
    results["meta"] = {"argv": argv_text, "n_seeds": args.seeds, "steps": args.steps,
                       "random_state": args.random_state, "rtol": args.rtol,
                       "exact_tol": args.exact_tol, "cpus": os.cpu_count(),
                       "machine": f"{platform.machine()} {platform.system()}",
                       "python": platform.python_version(), "torch": torch.__version__,
                       # one entry per session that computed rows (a resumed run has several)
                       "sessions": results.get("meta", {}).get("sessions", [])}
    if args.redo_fit_global:
        for row in results["rows"]:
            if row["key"] in args.tasks:
                redo_fit_global(row)
                _atomic_json(json_path, results)
    done = {r["key"] for r in results["rows"] if not r.get("needs_rerun")}
    todo = [] if args.redo_fit_global else [k for k in args.tasks if k not in done]
    if done & set(args.tasks):
        print(f"Resuming: {len(done & set(args.tasks))} task(s) already done.", flush=True)
    seeds = draw_seeds(args.random_state, args.seeds)
    tty = sys.stderr.isatty()
    interrupted = False
    session = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_start": os.getloadavg()[0],
               "tasks": []}
    t_session = time.perf_counter()
    try:
        for key in tqdm(todo, desc="zoo tasks", disable=not tty):
            row = run_task(key, args, seeds, progress=tty)
            session["tasks"].append(key)
            session["load_end"] = os.getloadavg()[0]
            session["seconds"] = time.perf_counter() - t_session
            if len(session["tasks"]) == 1:
                results["meta"]["sessions"].append(session)
            results["rows"] = [r for r in results["rows"] if r["key"] != key] + [row]
            results["rows"].sort(key=lambda r: list(TASKS).index(r["key"]))
            _atomic_json(json_path, results)
            a = row["adam"]
            print(f"{key:18s} construction {_fmt(row['construction']['loss'])} "
                  f"({row['construction']['evidence']}), fit_global "
                  f"{_fmt(row['fit_global']['loss'])}, Adam {a['success_rate']:.1%} "
                  f"[{a['ci_low']:.1%}, {a['ci_high']:.1%}] in {a['seconds']:.0f} s",
                  flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\nInterrupted: finished tasks are saved; rerun the same command to resume.",
              flush=True)
    missing = set(args.tasks) - {r["key"] for r in results["rows"]}
    results["meta"]["interrupted"] = interrupted or bool(missing)
    _atomic_json(json_path, results)
    text = to_markdown(results)
    _atomic_text(os.path.join(args.out, "zoo.md"), text)
    print("\n" + text)
    if args.figure and results["rows"]:
        import matplotlib
        matplotlib.use("Agg")
        from exactfit.plot import ZooDisplay

        disp = ZooDisplay.from_results(results).plot()
        os.makedirs(os.path.dirname(os.path.abspath(args.figure)), exist_ok=True)
        disp.figure_.savefig(args.figure, dpi=120, bbox_inches="tight")
        print(f"Saved {args.figure}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())

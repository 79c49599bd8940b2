"""Safran & Shamir's teacher-student stuck rates replayed, then what exactfit adds.

Safran & Shamir, "Spurious local minima are common in two-layer ReLU neural
networks" (ICML 2018), ran plain gradient descent on the population loss of a
student of n ReLU units learning a teacher of k orthonormal ReLU units, 1000 runs
per architecture, and counted the runs that ended at a loss >= 1e-3 (stuck).

1. ``exactfit.gd.safran_gd`` replays their protocol for k = n = 6..12 and n = k+1
   for k = 8..14, 1000 runs per row, and compares each row's stuck count with
   theirs (two-sided Fisher exact test) with Wilson intervals.
2. The stuck runs described: which teacher units they miss
   (``exactfit.population.teacher_coverage``), ``exactfit.diagnose`` on a
   Gaussian sample, their loss values (grouped).
3. ``exactfit.fit_global`` on the sampled task of each architecture
   (``exactfit.tasks.teacher_student``, 4000 Gaussian samples), a few tasks per
   row: its MSE on the training samples and on fresh samples.

Their numbers: the result files of github.com/ItaySafran/OneLayerGDconvergence,
``Results/newExp-<k>-<n>.mat``: per family of equivalent bad minima found in
their 1000 runs, ``magnitude`` = how many runs ended in it; the sum is the
number of stuck runs (``Results/readme.txt``). There is no file for k = 9,
n = 10, which we read as 0 stuck runs.

The n = k + 1 rows use ``decide_below=1e-6``: a run is stopped as not stuck once
its loss is below 1e-6 and has never risen (their stopping rule needs about 10^6
steps at those degenerate global minima; stuck runs still run to the rule). The
k = n rows run the protocol unchanged; ``--check-early`` also reruns the first
k = n rows with the early decision and records whether every stuck flag agrees.

Resumable: each finished row is written to the JSON checkpoint at once (atomic
replace); a rerun skips the rows already there (``--fresh`` starts over).
Ctrl-C stops cleanly after saving the rows done.

Run ``python benchmarks/teacher_student.py`` (about an hour on one core),
``--quick`` for a smoke run (100 runs per row, three rows),
``--redo-fit-global`` to rerun only the fit_global part.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

import exactfit
from exactfit._io import write_text
from exactfit._parallel import draw_seeds
from exactfit.bench import wilson_interval
from exactfit.gd import SAFRAN_SHAMIR_STUCK, safran_gd
from exactfit.population import population_mse, teacher_coverage

RESULTS = Path(__file__).resolve().parent / "results"

#: Their stuck runs of 1000 per (k, n): sum of ``magnitude`` in Results/newExp-k-n.mat.
PAPER = SAFRAN_SHAMIR_STUCK
PAPER_NOTE = {(9, 10): "no result file (read as 0)"}
ROWS = [(k, k) for k in range(6, 13)] + [(k, k + 1) for k in range(8, 15)]


def _save(path, data):
    """Write JSON atomically (temp file in the same folder, then os.replace)."""
    _save_text(path, json.dumps(data, indent=1, default=_json_default))


_save_text = write_text  # temporary file, then rename


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


def _groups(values, decimals=5):
    """Distinct values (rounded) and how often each occurs, most frequent first."""
    vals, counts = np.unique(np.round(values, decimals), return_counts=True)
    order = np.argsort(-counts)
    return [[float(vals[i]), int(counts[i])] for i in order]


def describe_stuck(results, k, n, rs):
    """Coverage of the teacher and diagnose() of every stuck run, summarised."""
    V = np.eye(k)
    X = rs.standard_normal((4000, k))
    missed, free, opposed, dup, dead, collapsed = [], [], [], [], [], []
    for r in results:
        if not r.stuck:
            continue
        cov = teacher_coverage(r.network.weights[0], V)
        missed.append(len(cov["missed"]))
        free.append(len(cov["free_units"]))
        opposed.append(len(cov["opposed_units"]))
        dup.append(len(cov["duplicated"]))
        diag = exactfit.diagnose(r.network, X)
        dead.append(len(diag.dead) + len(diag.near_dead))
        collapsed.append(len(diag.collapsed))
    if not missed:
        return {}
    hist = lambda a: {int(v): int(c) for v, c in zip(*np.unique(a, return_counts=True))}  # noqa: E731
    return {"missed_teacher_units": hist(missed), "free_units": hist(free),
            "opposed_units": hist(opposed), "duplicated_teacher_units": hist(dup),
            "diagnose_dead_or_near_dead_units": hist(dead),
            "diagnose_collapsed_pairs": hist(collapsed)}


def gd_row(k, n, n_runs, random_state, decide_below, progress):
    seeds = draw_seeds(random_state, n_runs)
    t = time.perf_counter()
    res = safran_gd(k, n, seeds=seeds, decide_below=decide_below, progress=progress)
    wall = time.perf_counter() - t
    stuck = int(sum(r.stuck for r in res))
    lo, hi = wilson_interval(stuck, n_runs)
    paper = PAPER.get((k, n))
    row = {"k": k, "n": n, "runs": n_runs, "stuck": stuck, "rate": stuck / n_runs,
           "wilson95": [lo, hi], "decide_below": decide_below,
           "decided_early": int(sum(r.decided_early for r in res)),
           "hit_max_iter": int(sum(not r.success for r in res)),
           "restarts": int(sum(r.restarts for r in res)),
           "steps_median": float(np.median([r.nit for r in res])),
           "steps_max": int(max(r.nit for r in res)), "wall_s": wall,
           "stuck_seeds": [r.random_state for r in res if r.stuck],
           "stuck_loss_groups": _groups([r.loss for r in res if r.stuck]),
           "stuck_description": describe_stuck(res, k, n, np.random.RandomState(k * 100 + n))}
    if paper is not None:
        p = stats.fisher_exact([[stuck, n_runs - stuck], [paper, 1000 - paper]]).pvalue
        row.update(paper_stuck=paper, paper_runs=1000, paper_note=PAPER_NOTE.get((k, n), ""),
                   fisher_p=float(p), agrees=bool(p >= 0.05))
    return row, res


def fit_global_row(k, n, n_tasks, n_samples, progress):
    out = []
    for t in range(n_tasks):
        task = exactfit.tasks.teacher_student(k, k, n_samples=n_samples, width=n,
                                              random_state=1000 + t)
        start = time.perf_counter()
        r = exactfit.fit_global(task.X, task.y, hidden=n, random_state=t)
        wall = time.perf_counter() - start
        fresh = exactfit.tasks.teacher_student(k, k, n_samples=100_000, width=n,
                                               random_state=5000 + t)
        out.append({"task_seed": 1000 + t, "mse": float(r.loss), "var_y": float(task.y.var()),
                    "fresh_mse": float(exactfit.mse(r.network, fresh.X, fresh.y)),
                    "time_s": wall, "restart_losses": np.asarray(r.restart_losses).tolist()})
        if progress:
            tqdm.write(f"  fit_global k={k} n={n} task {t}: MSE {r.loss:.2e} "
                       f"(fresh {out[-1]['fresh_mse']:.2e}) in {wall:.0f} s")
    mses = [o["mse"] for o in out]
    return {"k": k, "n": n, "n_samples": n_samples, "tasks": out,
            "reached_1e-8": int(sum(m <= 1e-8 for m in mses)), "worst_mse": max(mses),
            "median_time_s": float(np.median([o["time_s"] for o in out]))}


def their_minima(path, rows):
    """F and the stopping statistic at the representatives in their .mat files."""
    from scipy.io import loadmat

    out = {}
    for k, n in rows:
        f = Path(path) / f"newExp-{k}-{n}.mat"
        if not f.exists():
            continue
        m = loadmat(f, variable_names=["WbadNew", "magnitude"])
        Wb = m["WbadNew"].reshape(k, n, -1)
        mag = m["magnitude"].ravel()
        fam = []
        for i in range(Wb.shape[2]):
            W = Wb[:, :, i]
            fam.append([0.5 * population_mse(W, np.eye(k)), int(mag[i])])
        out[f"{k}-{n}"] = {"families": fam}
    return out


def markdown(data):
    lines = ["# Safran & Shamir's teacher-student stuck rates, replayed", "",
             "`python benchmarks/teacher_student.py`. "
             f"{data['meta']['machine']}; torch {data['meta']['torch']}.", "",
             "Stuck = the run ends with half the population MSE >= 1e-3. Theirs: sum of "
             "`magnitude` in `Results/newExp-k-n.mat` of ItaySafran/OneLayerGDconvergence "
             "(1000 runs each). p: two-sided Fisher exact test, ours against theirs.", "",
             "| k | n | stuck (ours) | rate [95% Wilson] | theirs | p | agree (p >= 0.05) "
             "| spurious F values (ours: runs) | wall s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(data["gd_rows"], key=lambda s: (int(s.split("-")[1]) - int(s.split("-")[0]),
                                                     int(s.split("-")[0]))):
        r = data["gd_rows"][key]
        groups = ", ".join(f"{v:.4f}: {c}" for v, c in r["stuck_loss_groups"][:4])
        if len(r["stuck_loss_groups"]) > 4:
            groups += f", ... ({len(r['stuck_loss_groups'])} values)"
        note = f" ({r['paper_note']})" if r.get("paper_note") else ""
        lines.append(f"| {r['k']} | {r['n']} | {r['stuck']} / {r['runs']} | {r['rate']:.3f} "
                     f"[{r['wilson95'][0]:.3f}, {r['wilson95'][1]:.3f}] | "
                     f"{r.get('paper_stuck', '-')} / 1000{note} | {r.get('fisher_p', float('nan')):.2f} | "
                     f"{'yes' if r.get('agrees') else 'NO'} | {groups} | {r['wall_s']:.0f} |")
    desc = [(k, r["stuck_description"]) for k, r in data["gd_rows"].items()
            if r["stuck_description"]]
    if desc:
        lines += ["", "## The stuck runs", "",
                  "Per row, histograms over the stuck runs (value: runs): teacher units "
                  "missed (no student unit with cosine >= 0.9), student units covering no "
                  "teacher unit, those pointing away (cosine <= -0.5) from a missed one; "
                  "`exactfit.diagnose` on 4000 Gaussian samples: dead or near-dead units, "
                  "collapsed pairs.", "",
                  "| k-n | missed teacher units | free units | opposed units | dead | "
                  "collapsed |", "|---|---|---|---|---|---|"]
        for key, d in desc:
            h = lambda x: ", ".join(f"{a}: {b}" for a, b in x.items())  # noqa: E731
            lines.append(f"| {key} | {h(d['missed_teacher_units'])} | {h(d['free_units'])} | "
                         f"{h(d['opposed_units'])} | "
                         f"{h(d['diagnose_dead_or_near_dead_units'])} | "
                         f"{h(d['diagnose_collapsed_pairs'])} |")
    if data.get("early_check"):
        lines += ["", "## Early decision against the unchanged protocol", ""]
        for key, c in data["early_check"].items():
            lines.append(f"- {key}: {c['runs']} runs, stuck flags identical: "
                         f"{c['identical']} ({c['stuck']} stuck), wall {c['wall_s']:.0f} s "
                         f"against {c['faithful_wall_s']:.0f} s")
    if data.get("their_minima"):
        lines += ["", "## Their bad minima under our objective", "",
                  "F (our closed form) at the representatives in their result files, with "
                  "how many of their runs ended there.", ""]
        for key, t in data["their_minima"].items():
            fam = ", ".join(f"{v:.4f}: {c}" for v, c in sorted(t["families"],
                                                               key=lambda x: -x[1])[:6])
            lines.append(f"- {key}: {fam}")
    if data.get("fit_global_rows"):
        lines += ["", "## fit_global on the sampled task", "",
                  "`exactfit.tasks.teacher_student(k, k, n_samples, width=n)` (Gaussian "
                  "inputs), `exactfit.fit_global(X, y, hidden=n)` with its defaults, one "
                  "call per task; fresh MSE on 100000 new samples.", "",
                  "| k | n | samples | calls reaching MSE <= 1e-8 | worst MSE | worst fresh MSE "
                  "| median time s |", "|---|---|---|---|---|---|---|"]
        for key, r in data["fit_global_rows"].items():
            worst_fresh = max(t["fresh_mse"] for t in r["tasks"])
            lines.append(f"| {r['k']} | {r['n']} | {r['n_samples']} | {r['reached_1e-8']} / "
                         f"{len(r['tasks'])} | {r['worst_mse']:.1e} | {worst_fresh:.1e} | "
                         f"{r['median_time_s']:.0f} |")
    return "\n".join(lines) + "\n"


def plot(data, path):
    """Stuck rate against k, ours with Wilson intervals, theirs as open markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    rows = list(data["gd_rows"].values())
    for over, marker in ((0, "o"), (1, "s")):
        sel = sorted((r for r in rows if r["n"] - r["k"] == over), key=lambda r: r["k"])
        if not sel:
            continue
        label = "n = k" if over == 0 else "n = k + 1"
        rate = np.array([r["rate"] for r in sel])
        err = np.array([[r["rate"] - r["wilson95"][0] for r in sel],
                        [r["wilson95"][1] - r["rate"] for r in sel]])
        ax.errorbar([r["k"] for r in sel], rate, yerr=err, fmt=marker + "-", capsize=3,
                    label=f"exactfit replay, {label}")
        theirs = [(r["k"], r["paper_stuck"] / 1000) for r in sel if "paper_stuck" in r]
        if theirs:
            ax.plot(*zip(*theirs), marker, mfc="none", color="k", ms=9,
                    label=f"Safran & Shamir, {label}")
    ax.set_xlabel("teacher units k (student units n)")
    ax.set_ylabel("share of runs stuck (loss >= 1e-3)")
    ax.set_title("Gradient descent on the population loss (optimum: 0, exact)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000, help="runs per row (default 1000)")
    p.add_argument("--rows", nargs="+", default=None,
                   help="rows as k-n, e.g. 6-6 8-9 (default: all 14)")
    p.add_argument("--seed", type=int, default=0, help="generator of the per-run seeds")
    p.add_argument("--fit-global-tasks", type=int, default=3,
                   help="sampled tasks per row for fit_global (0: skip)")
    p.add_argument("--n-samples", type=int, default=4000)
    p.add_argument("--check-early", type=int, default=2,
                   help="rerun this many k = n rows with the early decision (0: skip)")
    p.add_argument("--safran-results", default=None,
                   help="their Results/ folder: evaluate our objective at their minima")
    p.add_argument("--quick", action="store_true", help="100 runs, rows 6-6 7-7 8-9")
    p.add_argument("--fresh", action="store_true", help="ignore the checkpoint")
    p.add_argument("--redo-fit-global", action="store_true",
                   help="keep the gradient-descent rows, rerun the fit_global ones (after "
                        "fit_global changes)")
    p.add_argument("--out", default=None,
                   help="JSON checkpoint and result (default benchmarks/results/"
                        "teacher_student.json, or teacher_student_quick.json with --quick)")
    args = p.parse_args(argv)
    rows = ROWS if args.rows is None else [tuple(int(x) for x in r.split("-"))
                                           for r in args.rows]
    if args.quick:
        rows, args.runs, args.fit_global_tasks, args.check_early = \
            [(6, 6), (7, 7), (8, 9)], 100, 1, 1
    name = "teacher_student_quick.json" if args.quick else "teacher_student.json"
    out = Path(args.out) if args.out else RESULTS / name
    out.parent.mkdir(parents=True, exist_ok=True)
    import torch

    settings = {"runs": args.runs, "seed": args.seed, "n_samples": args.n_samples}
    data = None
    if out.exists() and not args.fresh:
        data = json.loads(out.read_text())
        if data["meta"]["settings"] != settings:
            sys.exit(f"{out} was made with {data['meta']['settings']}, not {settings}: "
                     "use --fresh or another --out.")
    if data is None:
        data = {"meta": {"settings": settings, "torch": torch.__version__,
                         "machine": f"{platform.machine()} {platform.processor() or ''} "
                                    f"{os.cpu_count()} cores, {platform.python_version()}",
                         "started": time.strftime("%Y-%m-%d %H:%M")},
                "gd_rows": {}, "fit_global_rows": {}, "early_check": {}}
    if args.redo_fit_global:
        data["fit_global_rows"] = {}
    interactive = sys.stderr.isatty()
    try:
        for k, n in tqdm(rows, desc="rows", disable=not interactive):
            key = f"{k}-{n}"
            if key not in data["gd_rows"]:
                decide = 1e-6 if n > k else None
                row, _ = gd_row(k, n, args.runs, args.seed, decide, interactive)
                data["gd_rows"][key] = row
                _save(out, data)
                tqdm.write(f"{key}: {row['stuck']}/{row['runs']} stuck (theirs "
                           f"{row.get('paper_stuck')}), p = {row.get('fisher_p', float('nan')):.2f}, "
                           f"{row['wall_s']:.0f} s")
        checks = [(k, n) for k, n in rows if k == n][:args.check_early]
        for k, n in checks:
            key = f"{k}-{n}"
            if key in data["early_check"]:
                continue
            ref = data["gd_rows"][key]
            t = time.perf_counter()
            res = safran_gd(k, n, seeds=draw_seeds(args.seed, args.runs), decide_below=1e-6,
                            progress=interactive)
            flags = [r.random_state for r in res if r.stuck]
            data["early_check"][key] = {"runs": args.runs, "stuck": len(flags),
                                        "identical": flags == ref["stuck_seeds"],
                                        "wall_s": time.perf_counter() - t,
                                        "faithful_wall_s": ref["wall_s"]}
            _save(out, data)
        if args.fit_global_tasks:
            for k, n in tqdm(rows, desc="fit_global rows", disable=not interactive):
                key = f"{k}-{n}"
                if key not in data["fit_global_rows"]:
                    data["fit_global_rows"][key] = fit_global_row(
                        k, n, args.fit_global_tasks, args.n_samples, interactive)
                    _save(out, data)
        if args.safran_results:
            data["their_minima"] = their_minima(args.safran_results, rows)
            _save(out, data)
    except KeyboardInterrupt:
        print(f"\nInterrupted: the rows finished so far are in {out}; rerun to resume.")
    md = out.with_suffix(".md")
    _save_text(md, markdown(data))
    if data["gd_rows"]:
        plot(data, out.with_suffix(".png"))
    print(markdown(data))
    print(f"Wrote {out} and {md}")


if __name__ == "__main__":
    main()

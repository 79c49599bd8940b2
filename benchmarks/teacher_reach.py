"""Does fit_global reach the teacher? A grid of teacher-student problems (issue 9).

For each problem (``exactfit.tasks.teacher_student(d, k, n_samples=n, width=w,
rotate=r, random_state=task_seed)``, Gaussian inputs, orthonormal teacher, exact
optimum MSE 0) and each call seed, a default ``exactfit.fit_global`` call (one
process, ``n_jobs=1``; ``--max-time`` bounds each call, default none) is a *hit*
when its MSE is at most 1e-8 x var(y). Recorded per problem: calls, hits, median
and 90th-percentile wall-clock and CPU seconds per call, starts per call.

Beside it, the baseline any move must beat: plain L-BFGS from a random
(Glorot) start on the same data, no moves (``--plain`` starts per problem):
the fraction that reaches MSE <= 1e-8 var(y), and the median CPU seconds per
start. fit_global searches on a 2000-row subsample when n > 2000, so the
baseline runs on the same rows fit_global's search sees (its first 2000 rows
after a seeded permutation: not the identical subsample, the same size).

The grid (not tuned on: task seeds 1000 + i): d = k in {8, 12, 16, 20},
width k and k + 1, teacher on the axes and rotated, n in {2000, 4000}; choose a
part with ``--dims``, ``--widths``, ``--n``. Results: JSON checkpoint
(``benchmarks/results/teacher_reach.json``, each finished problem written at
once, atomically; a rerun skips problems already there unless ``--fresh``) and a
markdown table (``teacher_reach.md``).

Run ``python benchmarks/teacher_reach.py --dims 8 12 16 --calls 3`` (about
ten minutes on one core).
"""

import argparse
import json
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import exactfit
from exactfit._io import write_text
from exactfit._parallel import draw_seeds
from exactfit._validation import check_random_state
from exactfit.bench import wilson_interval
from exactfit.search._local import Problem
from exactfit.search._scaling import Scaling
from exactfit.search._starts import initial

RESULTS = Path(__file__).resolve().parent / "results"
HIT = 1e-8  # MSE / var(y) at or below this: the teacher (exact optimum 0) reached
SEARCH_ROWS = 2000  # fit_global's default search subsample (subsample="auto")


def problems(dims, widths, ns, rotations, tasks):
    out = []
    for d in dims:
        for extra in widths:
            for n in ns:
                for rot in rotations:
                    for i in range(tasks):
                        out.append(dict(d=d, k=d, width=d + extra, n=n, rotate=rot,
                                        task_seed=1000 + i))
    return out


def name(p):
    tag = "rot" if p["rotate"] else "axes"
    return f"d{p['d']}-k{p['k']}-w{p['width']}-n{p['n']}-{tag}-t{p['task_seed']}"


def task_of(p):
    return exactfit.tasks.teacher_student(p["d"], p["k"], n_samples=p["n"], width=p["width"],
                                          rotate=p["rotate"], random_state=p["task_seed"])


def plain_rate(task, width, n_starts, seed):
    """Plain L-BFGS from Glorot starts on a search-sized sample: hits and CPU seconds."""
    X, Y = task.X, task.y[:, None]
    rows = check_random_state(seed).permutation(len(X))[:SEARCH_ROWS]
    X, Y = X[rows], Y[rows]
    sc = Scaling(X, Y)
    p = Problem(sc.X(X), sc.Y(Y), (X.shape[1], width, 1), "relu", "linear", "mse", 3000)
    hits, cpu = 0, []
    for s in draw_seeds(seed, n_starts):
        c0 = time.process_time()
        _, f, _ = p.local(initial(p, "random", check_random_state(s)))
        cpu.append(time.process_time() - c0)
        hits += bool(f <= HIT)
    return hits, float(np.median(cpu)) if cpu else float("nan")


def one_call(task, width, seed, max_time):
    var = float(np.var(task.y))
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = exactfit.fit_global(task.X, task.y, hidden=width, random_state=int(seed),
                                  max_time=max_time, n_jobs=1)
    return dict(seed=int(seed), mse_over_var=float(res.loss) / var,
                hit=bool(res.loss <= HIT * var), wall=time.perf_counter() - t0,
                cpu=time.process_time() - c0, n_starts=int(res.n_starts),
                starts=list(res.restart_starts), confirmed=bool(res.confirmed))


def summary(entry):
    calls = entry["calls"]
    wall = [c["wall"] for c in calls]
    cpu = [c["cpu"] for c in calls]
    hits = sum(c["hit"] for c in calls)
    lo, hi = wilson_interval(hits, len(calls))
    return dict(calls=len(calls), hits=hits, lo=lo, hi=hi,
                median_s=float(np.median(wall)), p90_s=float(np.percentile(wall, 90)),
                median_cpu=float(np.median(cpu)),
                worst=max(c["mse_over_var"] for c in calls),
                starts=float(np.median([c["n_starts"] for c in calls])))


def markdown(data, command):
    lines = [
        "# fit_global on teacher-student problems (benchmarks/teacher_reach.py)",
        "",
        "; ".join(f"`{c}`" for c in data.get("commands", [command]))
        + f" (each problem once; last run {data['date']}, commit {data['commit']}), "
        f"{data['machine']}, "
        f"n_jobs=1. Hit: MSE <= {HIT:g} x var(y) (the optimum is 0, the teacher). Plain: "
        f"L-BFGS from Glorot starts on {SEARCH_ROWS} rows (n = 2000: all), no moves: "
        f"hits / starts, median CPU s per start. Times are wall-clock on a shared 2-core "
        f"machine (CPU seconds beside them).",
        "",
        "| problem | calls | hits | Wilson 95% | worst MSE/var | median s | p90 s | median CPU s "
        "| starts/call (median) | plain hits | plain CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    tot_calls = tot_hits = 0
    for key, e in data["problems"].items():
        s = summary(e)
        tot_calls += s["calls"]
        tot_hits += s["hits"]
        pl = e.get("plain")
        plain = (f"{pl['hits']}/{pl['starts']} | {pl['median_cpu']:.2g}" if pl else "- | -")
        lines.append(f"| {key} | {s['calls']} | {s['hits']} | [{s['lo']:.2f}, {s['hi']:.2f}] | "
                     f"{s['worst']:.2g} | {s['median_s']:.3g} | {s['p90_s']:.3g} | "
                     f"{s['median_cpu']:.3g} | {s['starts']:g} | {plain} |")
    lines += ["", f"**{tot_hits} of {tot_calls} calls reached the teacher.**", ""]
    return "\n".join(lines)


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=Path(__file__).parent).stdout.strip() or "?"
    except OSError:
        return "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[8, 12, 16, 20])
    ap.add_argument("--widths", type=int, nargs="+", default=[0, 1],
                    help="student width minus k (default: 0 1)")
    ap.add_argument("--n", type=int, nargs="+", default=[2000, 4000])
    ap.add_argument("--rotations", choices=["axes", "rot", "both"], default="both")
    ap.add_argument("--tasks", type=int, default=1, help="task seeds per grid point")
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--plain", type=int, default=10, help="plain L-BFGS starts per problem")
    ap.add_argument("--max-time", type=float, default=None, help="max_time of each call")
    ap.add_argument("--out", default="teacher_reach")
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    rotations = {"axes": [False], "rot": [True], "both": [False, True]}[args.rotations]
    path_json = RESULTS / f"{args.out}.json"
    command = "python benchmarks/teacher_reach.py " + " ".join(sys.argv[1:] if argv is None
                                                              else argv)
    data = {} if args.fresh or not path_json.exists() else json.loads(path_json.read_text())
    data.update(date=time.strftime("%Y-%m-%d"), commit=commit(),
                machine=f"{platform.platform()}, {__import__('os').cpu_count()} cores")
    data.setdefault("problems", {})
    if command not in data.setdefault("commands", []):
        data["commands"].append(command)
    todo = [p for p in problems(args.dims, args.widths, args.n, rotations, args.tasks)
            if name(p) not in data["problems"]]
    try:
        for p in tqdm(todo, disable=True if args.no_progress else None, desc="problems"):
            task = task_of(p)
            entry = dict(problem=p, calls=[], commit=data["commit"])
            if args.plain:
                hits, cpu = plain_rate(task, p["width"], args.plain, p["task_seed"] + 17)
                entry["plain"] = dict(starts=args.plain, hits=hits, median_cpu=cpu)
            for seed in draw_seeds(p["task_seed"] * 31 + 5, args.calls):
                entry["calls"].append(one_call(task, p["width"], seed, args.max_time))
            data["problems"][name(p)] = entry
            write_text(path_json, json.dumps(data, indent=1))
            s = summary(entry)
            print(f"{name(p)}: {s['hits']}/{s['calls']} hits, median {s['median_s']:.3g} s, "
                  f"p90 {s['p90_s']:.3g} s, worst {s['worst']:.2g}"
                  + (f"; plain {entry['plain']['hits']}/{args.plain}" if args.plain else ""),
                  flush=True)
    except KeyboardInterrupt:
        print("interrupted: the problems finished are saved", file=sys.stderr)
    write_text(RESULTS / f"{args.out}.md", markdown(data, command))


if __name__ == "__main__":
    main()

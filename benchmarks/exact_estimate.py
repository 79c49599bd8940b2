"""How well fit_global's cost estimate of the 2-D enumeration predicts its time.

fit_global runs :func:`exactfit.certify.exact_2d` itself when its estimated time is
small (the answer) or moderate (the check of the search's best, step 6 of
:mod:`exactfit.search._fit_global`); the estimate
(:func:`exactfit.search._exact._exact_estimate`) decides which problems get a
certificate. This script times ``exact_2d`` (no incumbent: the enumeration's
worst case) in one process on one BLAS thread, as fit_global runs it, on points
uniform in [-1, 1]^2 with two targets: ``euclid`` (sqrt(x1^2 + x2^2),
``tasks.euclid(N, random_state=N)``, as benchmarks/exact.py) and ``noise``
(y ~ N(0, 1), the hard case for the bounds). For each run it writes the
estimate, the CPU seconds, their ratio and the CPU microseconds per bounded
pattern set. Once a (target, k) took more than --budget CPU seconds, larger N
are skipped.

Results go to ``exact_estimate.json`` and ``exact_estimate.md`` in
benchmarks/results (or --out), written atomically after every run.

Usage: python benchmarks/exact_estimate.py [--quick] [--budget SECONDS] [--out DIR]
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exact import _data_2d as _data  # noqa: E402  (the samples of benchmarks/exact.py)
from exactfit._io import write_json, write_text  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
# (k, N) grid: for each width, sizes up to where the enumeration takes minutes.
GRID = {2: [16, 32, 48, 64, 80], 3: [12, 16, 20, 24, 28, 32], 4: [8, 10, 12, 13, 14],
        5: [7, 8, 9]}
QUICK = {2: [12, 16], 3: [8, 10]}


def run(target, k, n):
    from threadpoolctl import threadpool_limits

    from exactfit.certify import exact_2d, exact_cost
    from exactfit.search._exact import _exact_estimate

    X, y = _data(target, n)
    seconds, need = _exact_estimate(n, k, 2)
    with threadpool_limits(1):
        cpu, wall = time.process_time(), time.perf_counter()
        res = exact_2d(X, y, hidden=k)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return dict(target=target, k=k, n=n, estimate_s=seconds, estimate_bytes=need,
                cpu_s=cpu, wall_s=wall, ratio=seconds / cpu, n_bounds=int(res.n_bounds),
                n_bounds_formula=exact_cost(n, k, n_features=2)["n_bounds"],
                n_solved=int(res.n_solved), us_per_bound=1e6 * cpu / max(res.n_bounds, 1),
                loss=float(res.loss), evidence=res.evidence)


def markdown(report):
    lines = ["# fit_global's estimate of the 2-D enumeration's time against its CPU time", "",
             f"Machine: {report['machine']['platform']}, {report['machine']['cpus']} CPUs, "
             f"Python {report['machine']['python']}; load average "
             f"{report['machine']['load_start']} at start, {report['machine'].get('load_end')} "
             f"at end. Command: `{report['command']}`. One process, one BLAS thread, no "
             f"incumbent. `estimate`: `exactfit.search._exact._exact_estimate` (what "
             f"fit_global decides on); `ratio`: estimate / CPU.", "",
             "| target | k | N | bounds | NNLS | estimate (s) | CPU (s) | wall (s) | ratio "
             "| CPU us per bound |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        lines.append(f"| {r['target']} | {r['k']} | {r['n']} | {r['n_bounds']:,} | "
                     f"{r['n_solved']:,} | {r['estimate_s']:.3g} | {r['cpu_s']:.3g} | "
                     f"{r['wall_s']:.3g} | {r['ratio']:.2f} | {r['us_per_bound']:.3g} |")
    ratios = [r["ratio"] for r in report["rows"] if r["cpu_s"] >= 1.0]
    if ratios:
        lines += ["", f"Runs of 1 s of CPU or more: estimate / CPU from {min(ratios):.2f} to "
                      f"{max(ratios):.2f} (median {np.median(ratios):.2f}, {len(ratios)} runs)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small cases only (a smoke run)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="CPU seconds after which larger N of a (target, k) are skipped")
    ap.add_argument("--out", default=RESULTS)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    report = dict(command="python benchmarks/exact_estimate.py " + " ".join(
                      sys.argv[1:] if argv is None else argv),
                  machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                               python=platform.python_version(),
                               load_start=[round(v, 2) for v in os.getloadavg()]),
                  rows=[])
    for target in ("euclid", "noise"):
        for k, sizes in (QUICK if args.quick else GRID).items():
            for n in sizes:
                row = run(target, k, n)
                report["rows"].append(row)
                report["machine"]["load_end"] = [round(v, 2) for v in os.getloadavg()]
                write_json(os.path.join(args.out, "exact_estimate.json"), report, indent=1)
                write_text(os.path.join(args.out, "exact_estimate.md"), markdown(report))
                print(f"{target} k={k} n={n}: estimate {row['estimate_s']:.3g} s, CPU "
                      f"{row['cpu_s']:.3g} s, {row['us_per_bound']:.3g} us/bound", flush=True)
                if row["cpu_s"] > args.budget:
                    break
    print(markdown(report))


if __name__ == "__main__":
    main()

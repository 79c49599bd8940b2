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

With ``--fresh SEED [SEED ...]`` it times instead the problems that
benchmarks/fresh.py draws from those seeds (``--dims``, ``--sizes``, ``--widths``
as there; the defaults are the held-out set ``fresh_small2d``: 2-D, 31 to 36
points, 3 units), each under ``--max-time`` seconds, and with ``--profile`` the
share of CPU time the enumeration's main steps take (cProfile, which adds its
own cost). Those results go to ``exact_estimate_fresh.{json,md}``.

Results go to ``exact_estimate.json`` and ``exact_estimate.md`` in
benchmarks/results (or --out), written atomically after every run.

``--against REV`` times the same enumerations side by side with the exactfit of
another commit (``git archive REV exactfit``): each problem runs in two child
processes, one per version, in alternating order, and the table adds the old CPU
seconds, the speed-up and whether the two certified losses agree (1e-9 relative).

``--rescore`` runs nothing: it recomputes the estimates and ratios of the stored
results with the current ``_exact_estimate`` (after its constants change: they are
set from these very runs) and rewrites both tables.

Usage: python benchmarks/exact_estimate.py [--quick] [--budget SECONDS] [--out DIR]
       python benchmarks/exact_estimate.py --fresh 11008 11004 [--max-time S] [--profile]
       python benchmarks/exact_estimate.py --fresh 11008 --against 42d4017
       python benchmarks/exact_estimate.py --rescore
"""

import argparse
import atexit
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exact import _data_2d as _data  # noqa: E402  (the samples of benchmarks/exact.py)
from fresh import make_problem  # noqa: E402  (the problems of benchmarks/fresh.py)
from exactfit._io import write_json, write_text  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (k, N) grid: for each width, sizes up to where the enumeration takes minutes.
GRID = {2: [16, 32, 48, 64, 80, 96], 3: [12, 16, 20, 24, 28, 32, 36, 40],
        4: [8, 10, 12, 13, 14, 16, 18], 5: [7, 8, 9, 10, 11]}
QUICK = {2: [12, 16], 3: [8, 10]}


# The enumeration's steps whose share of the CPU time --profile reports (cumulative).
STEPS = {"least-squares bounds": "_pair_sets", "last unit's signed bounds": "_unit_bounds",
         "every unit's signed bounds": "_signed_bounds", "cone gains": "_cone_gain",
         "NNLS": "nnls_checked"}


def run(target, k, n, X=None, y=None, max_time=None, profile=False, against=None,
        old_first=False):
    import warnings

    from threadpoolctl import threadpool_limits

    from exactfit.certify import exact_2d, exact_cost
    from exactfit.search._exact import _exact_estimate

    if X is None:
        X, y = _data(target, n)
    seconds, need = _exact_estimate(n, k, 2)
    if against is not None:
        # Both versions in child processes alike; this commit's run is the row's.
        new, old = side_by_side(X, y, k, against, max_time, old_first)
        row = dict(target=target, k=k, n=n, estimate_s=seconds, estimate_bytes=need,
                   cpu_s=new["cpu_s"], wall_s=new["wall_s"], ratio=seconds / new["cpu_s"],
                   n_bounds=new["n_bounds"],
                   n_bounds_formula=exact_cost(n, k, n_features=2)["n_bounds"],
                   n_solved=new["n_solved"],
                   us_per_bound=1e6 * new["cpu_s"] / max(new["n_bounds"], 1),
                   loss=new["loss"], evidence=new["evidence"])
        row.update(old_cpu_s=old["cpu_s"], speedup=old["cpu_s"] / new["cpu_s"],
                   old_evidence=old["evidence"], old_n_bounds=old["n_bounds"],
                   same_loss=bool(abs(new["loss"] - old["loss"])
                                  <= 1e-9 * max(abs(old["loss"]), float(np.var(y)))))
        return row
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a timeout shows in `evidence`
        cpu, wall = time.process_time(), time.perf_counter()
        if prof is not None:
            prof.enable()
        res = exact_2d(X, y, hidden=k, max_time=max_time)
        if prof is not None:
            prof.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    row = dict(target=target, k=k, n=n, estimate_s=seconds, estimate_bytes=need,
               cpu_s=cpu, wall_s=wall, ratio=seconds / cpu, n_bounds=int(res.n_bounds),
               n_bounds_formula=exact_cost(n, k, n_features=2)["n_bounds"],
               n_solved=int(res.n_solved), us_per_bound=1e6 * cpu / max(res.n_bounds, 1),
               loss=float(res.loss), evidence=res.evidence)
    if prof is not None:
        import pstats
        stats = pstats.Stats(prof).stats
        total = sum(v[2] for v in stats.values())  # own times add up to the whole
        row["profile"] = {step: round(sum(v[3] for key, v in stats.items() if key[2] == fn)
                                      / total, 3) for step, fn in STEPS.items()}
    return row


# A child process's enumeration (--against): the exactfit found first on sys.path.
_CHILD = r"""
import json, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import numpy as np
from threadpoolctl import threadpool_limits
import exactfit
from exactfit.certify import exact_2d
data = np.load(sys.argv[2])
max_time = float(sys.argv[4]) if sys.argv[4] != "None" else None
with threadpool_limits(1), warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    cpu, wall = time.process_time(), time.perf_counter()
    res = exact_2d(data["X"], data["y"], hidden=int(sys.argv[3]), max_time=max_time)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print("RESULT " + json.dumps(dict(cpu_s=cpu, wall_s=wall, loss=float(res.loss),
                                  evidence=res.evidence, n_bounds=int(res.n_bounds),
                                  n_solved=int(res.n_solved), path=exactfit.__file__)))
"""


def checkout(rev):
    """The exactfit package of commit `rev`, extracted into a temporary folder."""
    where = tempfile.mkdtemp(prefix="exactfit-" + rev.replace("/", "_") + "-")
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    archive = subprocess.run(["git", "-C", REPO, "archive", rev, "exactfit"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", where], input=archive, check=True)
    return where


def child_run(path, X, y, k, max_time):
    """exact_2d in a child process importing exactfit from `path`: its CPU seconds,
    loss, evidence and bounds."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data.npz")
        np.savez(data, X=X, y=y)
        proc = subprocess.run([sys.executable, "-c", _CHILD, path, data, str(k),
                               str(max_time)], capture_output=True, text=True)
    line = [s for s in proc.stdout.splitlines() if s.startswith("RESULT ")]
    if proc.returncode or not line:
        raise RuntimeError(f"exact_2d in {path} failed:\n{proc.stderr[-2000:]}")
    out = json.loads(line[0][7:])
    if not out.pop("path").startswith(path):
        raise RuntimeError(f"the child did not import exactfit from {path}")
    return out


def side_by_side(X, y, k, old_path, max_time, old_first):
    """This commit's and `old_path`'s enumerations of the same problem, each in a child
    process, in the order `old_first` says: ``(new, old)`` as :func:`child_run` returns."""
    order = [("old", old_path), ("new", REPO)]
    runs = dict((name, child_run(path, X, y, k, max_time))
                for name, path in (order if old_first else order[::-1]))
    return runs["new"], runs["old"]


def markdown(report):
    lines = ["# fit_global's estimate of the 2-D enumeration's time against its CPU time"
             + (" (fresh problems)" if report.get("fresh") else ""), "",
             f"Machine: {report['machine']['platform']}, {report['machine']['cpus']} CPUs, "
             f"Python {report['machine']['python']}; load average "
             f"{report['machine']['load_start']} at start, {report['machine'].get('load_end')} "
             f"at end. Command: `{report['command']}`. One process, one BLAS thread, no "
             f"incumbent. `estimate`: `exactfit.search._exact._exact_estimate` (what "
             f"fit_global decides on"
             + ("; recomputed by --rescore after the runs, with the constants set from them"
                if report.get("rescored") else "") + "); `ratio`: estimate / CPU.", "",
             "| target | k | N | bounds | NNLS | estimate (s) | CPU (s) | wall (s) | ratio "
             "| CPU us per bound | evidence |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        lines.append(f"| {r['target']} | {r['k']} | {r['n']} | {r['n_bounds']:,} | "
                     f"{r['n_solved']:,} | {r['estimate_s']:.3g} | {r['cpu_s']:.3g} | "
                     f"{r['wall_s']:.3g} | {r['ratio']:.2f} | {r['us_per_bound']:.3g} | "
                     f"{r['evidence']} |")
    paired = [r for r in report["rows"] if "old_cpu_s" in r]
    if paired:
        lines += ["", f"Side by side with commit {report['against']} (`--against`): each "
                      "problem enumerated in two child processes, one per version, in "
                      "alternating order. `same loss`: the certified losses agree within "
                      "1e-9 relative (of var(y) for exact fits).", "",
                  "| target | k | N | CPU this commit (s) | CPU old (s) | speed-up | "
                  "bounds this / old | same loss | evidence this / old |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in paired:
            lines.append(f"| {r['target']} | {r['k']} | {r['n']} | {r['cpu_s']:.3g} | "
                         f"{r['old_cpu_s']:.3g} | {r['speedup']:.2f}x | {r['n_bounds']:,} / "
                         f"{r['old_n_bounds']:,} | {'yes' if r['same_loss'] else 'NO'} | "
                         f"{r['evidence']} / {r['old_evidence']} |")
        sp = [r["speedup"] for r in paired]
        lines += ["", f"Speed-up (old CPU / this commit's CPU): {min(sp):.2f}x to "
                      f"{max(sp):.2f}x, median {np.median(sp):.2f}x over {len(sp)} problems; "
                      f"losses agree on {sum(r['same_loss'] for r in paired)} of {len(sp)}."]
    profiled = [r for r in report["rows"] if "profile" in r]
    if profiled:
        lines += ["", "Share of the CPU time under cProfile (cumulative, so nested steps "
                      "overlap; the cone gains are part of both signed bounds):", "",
                  "| target | " + " | ".join(STEPS) + " |", "|---|" + "---|" * len(STEPS)]
        for r in profiled:
            lines.append(f"| {r['target']} | " + " | ".join(
                f"{100 * r['profile'][s]:.0f}%" for s in STEPS) + " |")
    ratios = [r["ratio"] for r in report["rows"]
              if r["cpu_s"] >= 1.0 and r["evidence"] == "certified"]
    if ratios:
        lines += ["", f"Certified runs of 1 s of CPU or more: estimate / CPU from "
                      f"{min(ratios):.2f} to {max(ratios):.2f} (median {np.median(ratios):.2f}, "
                      f"{len(ratios)} runs)."]
        for k in sorted({r["k"] for r in report["rows"]}):
            sel = [r for r in report["rows"]
                   if r["k"] == k and r["cpu_s"] >= 1.0 and r["evidence"] == "certified"]
            if sel:
                lines.append(f"- {k} units: estimate / CPU {min(r['ratio'] for r in sel):.2f} to "
                             f"{max(r['ratio'] for r in sel):.2f}, CPU microseconds per bound "
                             f"{min(r['us_per_bound'] for r in sel):.3g} to "
                             f"{max(r['us_per_bound'] for r in sel):.3g} ({len(sel)} runs)")
    return "\n".join(lines) + "\n"


def per_bound_fit(rows, k):
    """Fit a + b / P microseconds per bounded set (P activation patterns) to the certified
    runs of `k` units that took 1 s of CPU or more, in relative least squares (each run's
    error as a fraction of its own cost) with a, b >= 0 (scipy.optimize.nnls): what
    ``exactfit.search._exact._BOUND_SECONDS_2D`` is 1.5x of for 3 units. Returns
    (a, b, runs), or None with fewer than 3 runs."""
    from scipy.optimize import nnls

    sel = [r for r in rows
           if r["k"] == k and r["cpu_s"] >= 1.0 and r["evidence"] == "certified"]
    if len(sel) < 3:
        return None
    u = np.array([r["us_per_bound"] for r in sel])
    P = np.array([r["n"] ** 2 - r["n"] + 1 for r in sel], dtype=float)
    (a, b), _ = nnls(np.c_[1 / u, 1 / (P * u)], np.ones(len(u)))
    return float(a), float(b), len(sel)


def rescore(out):
    """Recompute the stored runs' estimates (and ratios) with the current code, and print
    the per-width fit of the cost per bounded set to both tables' runs together."""
    from exactfit._io import read_json
    from exactfit.search._exact import _exact_estimate

    pooled = []
    for stem in ("exact_estimate", "exact_estimate_fresh"):
        path = os.path.join(out, stem + ".json")
        if not os.path.exists(path):
            print(f"--rescore: no {path}; skipped")
            continue
        report = read_json(path)
        for r in report["rows"]:
            r["estimate_s"], r["estimate_bytes"] = _exact_estimate(r["n"], r["k"], 2)
            r["ratio"] = r["estimate_s"] / r["cpu_s"]
        report["rescored"] = "estimates recomputed by --rescore with the code of this commit"
        write_json(path, report, indent=1)
        write_text(os.path.join(out, stem + ".md"), markdown(report))
        print(markdown(report))
        pooled += report["rows"]
    for k in sorted({r["k"] for r in pooled}):
        fit = per_bound_fit(pooled, k)
        if fit:
            print(f"{k} units: fit of the CPU per bounded set to {fit[2]} runs: "
                  f"{fit[0]:.3g} + {fit[1]:.3g} / P microseconds")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small cases only (a smoke run)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="CPU seconds after which larger N of a (target, k) are skipped")
    ap.add_argument("--out", default=RESULTS)
    ap.add_argument("--fresh", type=int, nargs="+", metavar="SEED",
                    help="time the problems benchmarks/fresh.py draws from these seeds")
    ap.add_argument("--dims", type=int, nargs="+", default=[2], help="with --fresh")
    ap.add_argument("--sizes", type=int, nargs=2, default=[31, 36], help="with --fresh")
    ap.add_argument("--widths", type=int, nargs="+", default=[3], help="with --fresh")
    ap.add_argument("--max-time", type=float, default=None,
                    help="with --fresh: each enumeration's limit in seconds (a run past "
                         "it is recorded with evidence 'search')")
    ap.add_argument("--profile", action="store_true", help="with --fresh: CPU shares")
    ap.add_argument("--against", metavar="REV",
                    help="also time the enumerations of commit REV, side by side (each "
                         "version in its own child process)")
    ap.add_argument("--rescore", action="store_true",
                    help="run nothing: the stored results' estimates from the current code")
    args = ap.parse_args(argv)
    if args.dims != [2]:
        ap.error(f"--dims: exact_2d times 2-D problems only (--dims 2); got {args.dims}")
    if not 1 <= args.sizes[0] <= args.sizes[1]:
        ap.error(f"--sizes needs 1 <= LO <= HI; got {args.sizes}")
    if min(args.widths) < 1:
        ap.error(f"--widths must be positive integers; got {args.widths}")
    if args.max_time is not None and not args.max_time > 0:
        ap.error(f"--max-time must be a positive number of seconds; got {args.max_time}")
    if args.rescore:
        return rescore(args.out)
    if args.against is not None and args.profile:
        ap.error("--profile and --against: profile the runs of this commit alone")
    old_path = None
    if args.against is not None:
        try:
            old_path = checkout(args.against)
        except subprocess.CalledProcessError as exc:
            ap.error(f"--against: no exactfit at {args.against!r} in {REPO} "
                     f"({exc.stderr.decode(errors='replace').strip() if exc.stderr else exc})")
    os.makedirs(args.out, exist_ok=True)
    report = dict(command="python benchmarks/exact_estimate.py " + " ".join(
                      sys.argv[1:] if argv is None else argv),
                  machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                               python=platform.python_version(),
                               load_start=[round(v, 2) for v in os.getloadavg()]),
                  rows=[], against=args.against)
    stem = "exact_estimate_fresh" if args.fresh else "exact_estimate"

    def record(row):
        """Add a run, write both files (atomically) and say how it went."""
        report["rows"].append(row)
        report["machine"]["load_end"] = [round(v, 2) for v in os.getloadavg()]
        write_json(os.path.join(args.out, stem + ".json"), report, indent=1)
        write_text(os.path.join(args.out, stem + ".md"), markdown(report))
        print(f"{row['target']} k={row['k']} n={row['n']}: estimate {row['estimate_s']:.3g} s, "
              f"CPU {row['cpu_s']:.3g} s ({row['evidence']}), {row['us_per_bound']:.3g} "
              f"us/bound" + (f"; old {row['old_cpu_s']:.3g} s, x{row['speedup']:.2f}, "
                             f"same loss: {row['same_loss']}" if "old_cpu_s" in row else ""),
              flush=True)

    if args.fresh:
        report["fresh"] = dict(dims=args.dims, sizes=args.sizes, widths=args.widths,
                               max_time=args.max_time)
        for seed in args.fresh:
            p = make_problem(seed, dims=args.dims, sizes=args.sizes, widths=args.widths)
            n = len(np.unique(p["X"], axis=0))
            record(run(p["name"], p["hidden"], n, p["X"], p["y"], args.max_time,
                       args.profile, old_path, len(report["rows"]) % 2 == 0))
    else:
        for target in ("euclid", "noise"):
            for k, sizes in (QUICK if args.quick else GRID).items():
                for n in sizes:
                    X, y = _data(target, n)
                    record(run(target, k, n, X, y, against=old_path,
                               old_first=len(report["rows"]) % 2 == 0))
                    if report["rows"][-1]["cpu_s"] > args.budget:
                        break
    print(markdown(report))


if __name__ == "__main__":
    main()

"""Deep sawtooths: how often L-BFGS reaches the exact fit from "fold" starts and from the
other starts, and how often a default fit_global call does.

``exactfit.tasks.sawtooth(m)`` is Telgarsky's tent map composed m times on 2^m + ... points
of [0, 1] with the architecture 1-2-...-2-1 (m hidden layers of 2 units), exact by
construction. Per m: L-BFGS from `--draws` starts of each kind (``fold`` and the
spread/data/random starts deep networks had before it), no stopping rule; then
`--calls` default ``fit_global`` calls (random_state 0, 1, ...). A hit: MSE <= 1e-8 var(y).

    python benchmarks/deep_fold.py [--m 2 3] [--draws 30] [--calls 10]

Writes benchmarks/results/deep_fold.{json,md} (or into --results-dir).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import exactfit  # noqa: E402
from exactfit.search._local import Problem  # noqa: E402
from exactfit.search._scaling import Scaling  # noqa: E402
from exactfit.search._starts import initial  # noqa: E402
from reliability import (RESULTS, atomic_write, git_commit, machine, today,  # noqa: E402
                         write_json)

KINDS = ("fold", "spread", "data", "random")


def measure(m, draws, calls):
    task = exactfit.tasks.sawtooth(m)
    sizes = (1,) + tuple(task.hidden) + (1,)
    scaling = Scaling(task.X, task.y[:, None])
    problem = Problem(scaling.X(task.X), scaling.Y(task.y[:, None]), sizes, "relu", "linear",
                      "mse", 3000)
    var = float(np.var(problem.Y))
    row = dict(m=m, network="-".join(map(str, sizes)), samples=len(task.X), starts={})
    for kind in KINDS:
        t0 = time.process_time()
        f = [problem.local(initial(problem, kind, np.random.RandomState(s)))[1] / var
             for s in range(draws)]
        row["starts"][kind] = dict(draws=draws, hits=int(sum(x <= 1e-8 for x in f)),
                                   best_mse_over_var=float(min(f)),
                                   cpu_s_per_draw=(time.process_time() - t0) / draws)
    res = []
    for seed in range(calls):
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = exactfit.fit_global(task.X, task.y, hidden=task.hidden, random_state=seed)
        res.append(dict(seed=seed, mse_over_var=float(r.loss / np.var(task.y)),
                        n_starts=int(r.n_starts), confirmed=bool(r.confirmed),
                        cpu_s=time.process_time() - t0))
    row["calls"] = res
    row["call_hits"] = int(sum(c["mse_over_var"] <= 1e-8 for c in res))
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--m", type=int, nargs="+", default=[2, 3], help="tent-map compositions")
    p.add_argument("--draws", type=int, default=30, help="starts of each kind")
    p.add_argument("--calls", type=int, default=10, help="default fit_global calls")
    p.add_argument("--results-dir", default=RESULTS)
    args = p.parse_args(argv)
    if any(m < 1 for m in args.m):
        p.error(f"--m must be at least 1; got {args.m}.")
    for name in ("draws", "calls"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1; got {getattr(args, name)}.")
    commit = git_commit()
    rows = []
    for m in args.m:
        rows.append(measure(m, args.draws, args.calls))
        r = rows[-1]
        print(f"sawtooth({m}): " + ", ".join(f"{k} {v['hits']}/{v['draws']}"
                                             for k, v in r["starts"].items())
              + f"; default calls {r['call_hits']}/{len(r['calls'])}", flush=True)
    m_ = machine()
    run = dict(command="python benchmarks/deep_fold.py " + " ".join(argv or sys.argv[1:]),
               date=today(), commit=commit, machine=m_, rows=rows)
    out = args.results_dir
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "deep_fold.json"), run)
    lines = ["# Deep sawtooths: fold starts (`benchmarks/deep_fold.py`)", "",
             f"`{run['command']}` on {run['date']}, commit {commit}, {m_['cpus']} CPUs "
             f"({m_['platform']}). L-BFGS from each start alone (no stopping rule), then "
             "default `fit_global` calls. Hit: MSE <= 1e-8 var(y).", "",
             "| task | network | " + " | ".join(f"{k} starts reaching it" for k in KINDS)
             + " | default calls reaching it | starts per call (median)"
             " | CPU s per call (median) |",
             "|---|---|" + "---:|" * (len(KINDS) + 3)]
    for r in rows:
        st = " | ".join(f"{r['starts'][k]['hits']}/{r['starts'][k]['draws']}" for k in KINDS)
        lines.append(f"| sawtooth({r['m']}) | {r['network']} | {st} | {r['call_hits']}/"
                     f"{len(r['calls'])} | {np.median([c['n_starts'] for c in r['calls']]):g} | "
                     f"{np.median([c['cpu_s'] for c in r['calls']]):.2f} |")
    atomic_write(os.path.join(out, "deep_fold.md"), "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

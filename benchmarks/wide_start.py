"""How often the "wide" start leads L-BFGS to the teacher, by how much wider it fits.

For a teacher-student problem (Gaussian inputs, orthonormal teacher, student of the
teacher's width: the optimum is the teacher, MSE 0), each draw fits a network `factor`
times as wide from a Glorot start, keeps its best k units
(``exactfit.search._wide.pruned_wide``) and settles them by L-BFGS; beside it, L-BFGS
from plain Glorot starts of the same seeds. A draw hits when MSE <= 1e-8 var(y). No unit
moves, no stopping rule: what the start itself gives.

    python benchmarks/wide_start.py [--d 10] [--n 1500] [--draws 10] [--factors 2 3 4]

Writes benchmarks/results/wide_start.{json,md} (or into --results-dir).
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import exactfit  # noqa: E402
from exactfit.search import _wide  # noqa: E402
from exactfit.search._local import Problem  # noqa: E402
from exactfit.search._starts import initial  # noqa: E402
from reliability import (RESULTS, atomic_write, git_commit, machine, today,  # noqa: E402
                         write_json)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d", type=int, default=10, help="inputs = teacher units = student units")
    p.add_argument("--n", type=int, default=1500, help="samples")
    p.add_argument("--draws", type=int, default=10)
    p.add_argument("--factors", type=int, nargs="+", default=[2, 3, 4])
    p.add_argument("--task-seed", type=int, default=7)
    p.add_argument("--results-dir", default=RESULTS)
    args = p.parse_args(argv)
    for name, low in (("d", 1), ("n", 2), ("draws", 1)):
        if getattr(args, name) < low:
            p.error(f"--{name} must be at least {low}; got {getattr(args, name)}.")
    if any(f < 2 for f in args.factors):
        p.error(f"--factors must be at least 2 (times as wide); got {args.factors}.")
    commit = git_commit()
    task = exactfit.tasks.teacher_student(args.d, args.d, n_samples=args.n,
                                          random_state=args.task_seed)
    problem = Problem(task.X, task.y.reshape(-1, 1), (args.d, args.d, 1), "relu", "linear",
                      "mse", 3000)
    var = float(np.var(task.y))
    rows = []

    def measure(name, make):
        losses, t0 = [], time.process_time()
        for seed in range(args.draws):
            losses.append(problem.local(make(np.random.RandomState(seed)))[1] / var)
        hits = int(sum(f <= 1e-8 for f in losses))
        rows.append(dict(start=name, draws=args.draws, hits=hits,
                         cpu_s_per_draw=(time.process_time() - t0) / args.draws,
                         mse_over_var=[float(f) for f in losses]))
        print(f"{name:>12}: {hits}/{args.draws} reached the teacher", flush=True)

    measure("plain", lambda rs: initial(problem, "random", rs))
    saved = _wide._FACTOR
    try:
        for factor in args.factors:
            _wide._FACTOR = factor
            measure(f"wide x{factor}", lambda rs: _wide.pruned_wide(problem, rs, initial))
    finally:
        _wide._FACTOR = saved
    run = dict(command="python benchmarks/wide_start.py " + " ".join(argv or sys.argv[1:]),
               date=today(), commit=commit, machine=machine(), d=args.d, n=args.n,
               task_seed=args.task_seed, rows=rows)
    out = args.results_dir
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "wide_start.json"), run)
    m = machine()
    lines = ["# The wide start alone (`benchmarks/wide_start.py`)", "",
             f"`{run['command']}` on {run['date']}, commit {commit}, {m['cpus']} CPUs "
             f"({m['platform']}). Teacher "
             f"d = k = {args.d}, {args.n} Gaussian points (task seed {args.task_seed}); "
             "L-BFGS from each start, no moves. Hit: MSE <= 1e-8 var(y).", "",
             "| start | draws | reached the teacher | CPU s per draw |", "|---|---:|---:|---:|"]
    lines += [f"| {r['start']} | {r['draws']} | {r['hits']} | {r['cpu_s_per_draw']:.2f} |"
              for r in rows]
    atomic_write(os.path.join(out, "wide_start.md"), "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

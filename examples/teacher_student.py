"""A student of n ReLU units cannot learn a teacher of k: architecture or gradient descent?

The setting of Safran & Shamir, "Spurious local minima are common in two-layer
ReLU neural networks" (ICML 2018): Gaussian inputs, a teacher ``sum_i relu(v_i . x)``
with k orthonormal ``v_i``, a student ``sum_j relu(w_j . x)`` of n >= k units.

1. The architecture is able: the teacher itself is a student (a construction),
   population loss exactly 0.
2. Gradient descent often is not: their protocol (``exactfit.gd.safran_gd``)
   over many runs per architecture, the share of runs that end stuck (half the
   population MSE >= 1e-3) with Wilson intervals, beside their counts
   (``exactfit.gd.SAFRAN_SHAMIR_STUCK``, from their repository's result files)
   and a Fisher exact test.
3. What the stuck runs are: which teacher units they miss
   (``exactfit.population.teacher_coverage``); ``exactfit.diagnose`` finds no
   dead or collapsed unit in them.
4. ``exactfit.fit_global`` on a sampled version of the task (4000 Gaussian
   points): the training MSE it reaches.
5. A picture of the stuck rates.

Run ``python examples/teacher_student.py`` (all 14 rows of 1000 runs: about an
hour on one core; ``benchmarks/teacher_student.py`` is the resumable version) or
``--quick`` (three rows of 100 runs, a minute or two).
"""

import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

import exactfit  # noqa: E402
from exactfit._parallel import draw_seeds  # noqa: E402
from exactfit.bench import wilson_interval  # noqa: E402
from exactfit.gd import SAFRAN_SHAMIR_STUCK, safran_gd  # noqa: E402
from exactfit.population import population_mse, teacher_coverage, teacher_network  # noqa: E402

ROWS = [(k, k) for k in range(6, 13)] + [(k, k + 1) for k in range(8, 15)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000, help="runs per row (default 1000)")
    p.add_argument("--rows", nargs="+", default=None, help="rows as k-n, e.g. 6-6 8-9")
    p.add_argument("--seed", type=int, default=0, help="generator of the per-run seeds")
    p.add_argument("--fit-global-tasks", type=int, default=1,
                   help="sampled tasks per row for fit_global (0: skip)")
    p.add_argument("--quick", action="store_true", help="rows 6-6 7-7 8-9, 100 runs")
    p.add_argument("--out", default="teacher_student.png")
    args = p.parse_args(argv)
    rows = ROWS if args.rows is None else [tuple(int(x) for x in r.split("-"))
                                           for r in args.rows]
    if args.quick:
        rows, args.runs = [(6, 6), (7, 7), (8, 9)], 100

    k0 = rows[0][0]
    V = np.eye(k0)
    print(f"1. The construction: the teacher of k = {k0} units as a student, population "
          f"MSE {population_mse(teacher_network(V).weights[0], V):g} (exact).\n")

    print(f"2. Safran & Shamir's gradient descent, {args.runs} runs per row "
          "(n > k rows stop a run as not stuck once its loss is < 1e-6 and never rose)")
    print(f"{'k':>3} {'n':>3} {'stuck':>11} {'rate [95% Wilson]':>24} {'theirs':>9} "
          f"{'Fisher p':>9}")
    seeds = draw_seeds(args.seed, args.runs)
    table, example = [], None
    for k, n in rows:
        res = safran_gd(k, n, seeds=seeds, decide_below=1e-6 if n > k else None,
                        progress=sys.stderr.isatty())
        stuck = [r for r in res if r.stuck]
        lo, hi = wilson_interval(len(stuck), args.runs)
        theirs = SAFRAN_SHAMIR_STUCK.get((k, n))
        pval = (stats.fisher_exact([[len(stuck), args.runs - len(stuck)],
                                    [theirs, 1000 - theirs]]).pvalue
                if theirs is not None else float("nan"))
        missed = [len(teacher_coverage(r.network.weights[0], np.eye(k))["missed"])
                  for r in stuck]
        table.append((k, n, len(stuck) / args.runs, lo, hi, theirs, missed))
        print(f"{k:>3} {n:>3} {len(stuck):>5} / {args.runs:<5} {len(stuck) / args.runs:8.3f} "
              f"[{lo:.3f}, {hi:.3f}] {'-' if theirs is None else theirs:>5}/1000 {pval:9.2f}")
        if example is None and stuck:
            example = (k, stuck[0])

    print("\n3. The stuck runs: teacher units missed (no student unit within cosine 0.9), "
          "runs per count")
    for k, n, *_, missed in table:
        if missed:
            counts = dict(zip(*np.unique(missed, return_counts=True)))
            print(f"   k={k:>2} n={n:>2}: " + ", ".join(f"{int(a)} missed: {int(b)} runs"
                                                        for a, b in counts.items()))
    if example is not None:
        k, r = example
        cov = teacher_coverage(r.network.weights[0], np.eye(k))
        X = np.random.RandomState(0).standard_normal((4000, k))
        print(f"   e.g. k = {k}, seed {r.random_state}: loss {r.loss:.4f}; misses teacher "
              f"unit(s) {cov['missed']}, student unit(s) {cov['opposed_units']} point away "
              f"from it; diagnose: {exactfit.diagnose(r.network, X)}")
        with np.printoptions(precision=2, suppress=True, linewidth=120):
            print("   cosines (rows: student units, columns: teacher units):")
            print("   " + str(cov["cosines"]).replace("\n", "\n   "))

    if args.fit_global_tasks:
        print("\n4. fit_global on the sampled task (4000 Gaussian inputs), training MSE:")
        for k, n in rows:
            losses = []
            for t in range(args.fit_global_tasks):
                task = exactfit.tasks.teacher_student(k, k, n_samples=4000, width=n,
                                                      random_state=1000 + t)
                losses.append(exactfit.fit_global(task.X, task.y, hidden=n,
                                                  random_state=t).loss)
            print(f"   k={k:>2} n={n:>2}: " + ", ".join(f"{v:.2e}" for v in losses))

    fig, ax = plt.subplots(figsize=(6, 4))
    for over, marker in ((0, "o"), (1, "s")):
        sel = [t for t in table if t[1] - t[0] == over]
        if not sel:
            continue
        ks = np.array([t[0] for t in sel])
        rate = np.array([t[2] for t in sel])
        err = np.array([[t[2] - t[3] for t in sel], [t[4] - t[2] for t in sel]])
        label = "n = k" if over == 0 else "n = k + 1"
        ax.errorbar(ks, rate, yerr=err, fmt=marker + "-", capsize=3, label=f"exactfit, {label}")
        theirs = [(t[0], t[5] / 1000) for t in sel if t[5] is not None]
        ax.plot(*zip(*theirs), marker, mfc="none", color="k", ms=9,
                label=f"Safran & Shamir, {label}")
    ax.set_xlabel("teacher units k")
    ax.set_ylabel("share of runs stuck (loss >= 1e-3)")
    ax.set_title("Gradient descent on the population loss; the optimum is 0")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"\nSaved {args.out}")


if __name__ == "__main__":
    main()

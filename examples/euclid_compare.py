"""Can a 2 -> 3 ReLU -> 1 network learn sqrt(x^2 + y^2)?

The question in shared/seeds/euclid_distance_question.txt, answered end to end:

1. build the inverted hexagonal pyramid directly (3 ReLUs at 120 degrees);
2. find the best 3-unit network with exactfit.fit_global;
3. train the same network by gradient descent (scikit-learn adam, sgd, lbfgs)
   over many seeds and count how often it reaches that optimum;
4. say why the failed runs failed (dead, collapsed or linear units);
5. save a picture (exactfit.plot.CompareDisplay): the verdict as its title; the
   target and each network's surface on one z range; each network's units as
   lines; success rates (the construction by its loss ratio); loss curves.

Run ``python examples/euclid_compare.py`` (``--quick`` for a short run). The same
comparison runs from the shell as ``exactfit euclid``.
"""

import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

import exactfit  # noqa: E402
from exactfit.bench import default_methods  # noqa: E402
from exactfit.check import verdict  # noqa: E402
from exactfit.plot import CompareDisplay  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--runs", type=int, default=30, help="seeds per method")
    p.add_argument("--epochs", type=int, default=500,
                   help="max epochs of adam/sgd, iterations of lbfgs")
    p.add_argument("--n-samples", type=int, default=2000, help="points in [-1,1]^2")
    p.add_argument("--hidden", type=int, default=3, help="hidden ReLU units")
    p.add_argument("--seed", type=int, default=0, help="data and seed generator")
    p.add_argument("--n-jobs", type=int, default=-1, help="parallel trials (-1: all cores)")
    p.add_argument("--quick", action="store_true", help="8 runs, 200 epochs")
    p.add_argument("--out", default="euclid_compare.png",
                   help="the picture is saved here (relative to the current directory)")
    p.add_argument("--json", default=None,
                   help="also save the full report (every run) as JSON here")
    args = p.parse_args(argv)
    if args.quick:
        args.runs, args.epochs = 8, 200

    task = exactfit.tasks.euclid(args.n_samples, hidden=args.hidden, random_state=args.seed)
    print(f"Task: {task.description}, {args.n_samples} points; network 2 -> {args.hidden} "
          f"ReLU -> 1; {args.runs} seeds per method, GD up to {args.epochs} epochs.\n")
    methods = default_methods(args.hidden, max_iter=args.epochs)
    report = exactfit.benchmark(task, methods=methods, n_runs=args.runs,
                                random_state=args.seed, n_jobs=args.n_jobs,
                                progress=sys.stderr.isatty())
    print(report)
    print(f"\nVerdict: {verdict(report)}")

    best = report.network(report.best_method if report.best_method in report.runs
                          else "fit_global")
    pyramid = exactfit.construct.norm_pyramid(args.hidden, task.X, task.y)
    print(f"\nPyramid construction: MSE {pyramid.loss:.6g}; best network found: MSE "
          f"{report.best_loss:.6g} ({pyramid.loss / report.best_loss - 1:+.1%} for the pyramid).")
    print("\nWhy gradient descent failed (failed runs showing each reason; a run can show several):")
    for name, row in report.rows.items():
        if name.startswith("sklearn"):
            f = row["failures"]
            failed = row["runs"] - row["successes"]
            print(f"  {name:14s} {failed:3d} failed: {f['dead']} with dead units, "
                  f"{f['collapsed']} with collapsed pairs, {f['linear']} with linear units "
                  f"(active on every point: a valley, not a pyramid), {f['other']} other")
    print("\nBest network (weights in Keras layout):")
    print("  W1 =", best.weights[0].round(3).tolist(), " b1 =", best.biases[0].round(3).tolist())
    print("  W2 =", best.weights[1].round(3).ravel().tolist(), " b2 =",
          best.biases[1].round(4).tolist())

    fig = CompareDisplay.from_report(
        report, task.X, task.y, target=lambda P: np.hypot(P[:, 0], P[:, 1]),
        title=f"Can a 2 -> {args.hidden} ReLU -> 1 network learn sqrt(x^2 + y^2)?").plot().figure_
    fig.savefig(args.out, dpi=90)
    print(f"\nSaved {args.out}")
    if args.json:
        report.save(args.json)
        print(f"Saved {args.json}")
    return report


if __name__ == "__main__":
    main()

"""Can a 2 -> 3 ReLU -> 1 network learn sqrt(x^2 + y^2)?

The question in shared/seeds/euclid_distance_question.txt, answered end to end:

1. build the inverted hexagonal pyramid directly (3 ReLUs at 120 degrees);
2. find the best 3-unit network with exactfit.fit_global;
3. train the same network by gradient descent (scikit-learn adam, sgd, lbfgs)
   over many seeds and count how often it reaches that optimum;
4. say why the failed runs failed (dead, collapsed or linear units);
5. save a picture: surfaces, the units' lines, success rates, loss curves.

Run ``python examples/euclid_compare.py`` (``--quick`` for a short run).
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import exactfit  # noqa: E402
from exactfit.bench import default_methods  # noqa: E402
from exactfit.plot import (LossCurveDisplay, SuccessRateDisplay, SurfaceDisplay,  # noqa: E402
                           UnitLinesDisplay)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=30, help="seeds per method (default 30)")
    p.add_argument("--epochs", type=int, default=500,
                   help="max epochs of adam/sgd, iterations of lbfgs (default 500)")
    p.add_argument("--n-samples", type=int, default=2000, help="points in [-1,1]^2 (default 2000)")
    p.add_argument("--hidden", type=int, default=3, help="hidden ReLU units (default 3)")
    p.add_argument("--seed", type=int, default=0, help="data and seed generator (default 0)")
    p.add_argument("--n-jobs", type=int, default=-1, help="parallel trials (default: all cores)")
    p.add_argument("--quick", action="store_true", help="8 runs, 200 epochs")
    p.add_argument("--out", default="euclid_compare.png", help="picture to save")
    p.add_argument("--json", default=None, help="also save the full report as JSON here")
    args = p.parse_args(argv)
    if args.quick:
        args.runs, args.epochs = 8, 200

    task = exactfit.tasks.euclid(args.n_samples, hidden=args.hidden, random_state=args.seed)
    print(f"Task: {task.description}, {args.n_samples} points; network 2 -> {args.hidden} "
          f"ReLU -> 1; {args.runs} seeds per method, GD up to {args.epochs} epochs.\n")
    methods = default_methods(args.hidden, max_iter=args.epochs)
    report = exactfit.benchmark(task, methods=methods, n_runs=args.runs,
                                random_state=args.seed, n_jobs=args.n_jobs)
    print(report)

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

    # A typical failure: the median failed run of the GD method with most failures.
    gd = [n for n in report.rows if n.startswith("sklearn")]
    worst = max(gd, key=lambda n: report.rows[n]["runs"] - report.rows[n]["successes"])
    failed = report.network(worst, "failure")

    panels = [("pyramid (construction)", pyramid.network), ("best found", best)]
    if failed is not None:
        panels.append((f"typical failure: {worst}", failed))
    fig = plt.figure(figsize=(5 * (len(panels) + 1), 9.5))
    cols = len(panels) + 1
    for i, (title, net) in enumerate(panels):
        ax = fig.add_subplot(2, cols, i + 1, projection="3d")
        SurfaceDisplay.from_network(net, title=f"{title}\nMSE {exactfit.mse(net, task.X, task.y):.3g}"
                                    ).plot(ax=ax)
        UnitLinesDisplay.from_network(net, task.X).plot(ax=fig.add_subplot(2, cols, cols + i + 1))
    SuccessRateDisplay.from_report(report).plot(ax=fig.add_subplot(2, cols, cols))
    LossCurveDisplay.from_report(report, methods=gd, max_runs=5,
                                 title="GD loss curves (5 seeds each)").plot(
        ax=fig.add_subplot(2, cols, 2 * cols))
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print(f"\nSaved {args.out}")
    if args.json:
        report.save(args.json)
        print(f"Saved {args.json}")
    return report


if __name__ == "__main__":
    main()

"""Which remedy makes a 2 -> 3 -> 1 network learn sqrt(x^2 + y^2)?

"I've tried all the optimizers and ReLU variants in Keras, but they don't make much
difference" (shared/seeds/euclid_distance_question.txt). This script measures it:
gradient descent exactly as Keras runs it (Glorot-uniform weights, zero biases,
batch 32 reshuffled every epoch, each optimizer with Keras's defaults), many seeds
per cell, each run judged against the optimum of its own architecture (found by
exactfit.fit_global: a tanh or 5-unit network has its own optimum).

1. optimizer x activation at 3 hidden units;
2. success against width (3..10 units) for Adam with ReLU, and with dropout 0.1.

Prints both tables and saves a heatmap and a width curve. Needs the torch extra
(falls back to scikit-learn's three solvers, with a message, when torch is absent).
``--from-json benchmarks/results/remedies`` redraws the picture from saved reports.
Run ``python examples/remedies.py --n-jobs 2`` (about 3 minutes on 2 cores; ``--quick``
for a 20-second run).
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import exactfit  # noqa: E402
from exactfit.plot import SweepHeatmapDisplay, SweepWidthDisplay  # noqa: E402

OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamax", "nadam", "adagrad", "adadelta")
ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu", "tanh", "sigmoid", "softplus")


def draw(grid, width, out):
    """The heatmap of the grid beside the width curve."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 5.5), layout="constrained")
    SweepHeatmapDisplay.from_report(grid, title="3 units: runs reaching the optimum").plot(ax=a1)
    SweepWidthDisplay.from_report(width).plot(ax=a2)
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seeds", type=int, default=100, help="runs per cell")
    p.add_argument("--epochs", type=int, default=200, help="epochs per run")
    p.add_argument("--widths", type=int, nargs="+", default=list(range(3, 11)),
                   help="hidden units of the width curve")
    p.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS),
                   help="Keras optimizers of the grid")
    p.add_argument("--activations", nargs="+", default=list(ACTIVATIONS),
                   help="hidden activations of the grid")
    p.add_argument("--n-samples", type=int, default=2000, help="points in [-1, 1]^2")
    p.add_argument("--quick", action="store_true", help="3 x 3 cells, 30 seeds, 50 epochs")
    p.add_argument("--n-jobs", type=int, default=None,
                   help="cells run in parallel (joblib; None = 1, -1 = all cores)")
    p.add_argument("--out", default="remedies.png",
                   help="the picture (heatmap and width curve) is saved here")
    p.add_argument("--json", default=None, metavar="PREFIX",
                   help="save both reports as PREFIX_grid.json, PREFIX_width.json and PREFIX.md")
    p.add_argument("--from-json", default=None, metavar="PREFIX",
                   help="redraw the picture from PREFIX_grid.json and PREFIX_width.json (no runs)")
    args = p.parse_args(argv)
    if args.from_json:
        grid = exactfit.SweepReport.load(args.from_json + "_grid.json")
        width = exactfit.SweepReport.load(args.from_json + "_width.json")
        draw(grid, width, args.out)
        print(f"Saved {args.out} (from {args.from_json}_grid.json and _width.json)")
        return grid, width
    optimizers, activations = tuple(args.optimizers), tuple(args.activations)
    if args.quick:
        optimizers, activations = ("sgd", "rmsprop", "adam"), ("relu", "elu", "tanh")
        args.seeds, args.epochs, args.widths = 30, 50, [3, 5, 8]
    try:
        import torch  # noqa: F401

        backend = "torch"
    except ImportError:
        print("torch is not installed (pip install torch==2.13.0): using scikit-learn's "
              "solvers and activations instead of Keras's.")
        backend = "sklearn"
        optimizers, activations = ("sgd", "adam", "lbfgs"), ("relu", "tanh", "sigmoid")

    task = exactfit.tasks.euclid(args.n_samples, random_state=0)
    print(f"Euclid 2 -> 3 -> 1, {args.n_samples} points, {args.seeds} seeds per cell, "
          f"{args.epochs} epochs, backend {backend}.\n")
    grid = exactfit.sweep(task, optimizers=optimizers, activations=activations, widths=(3,),
                          n_seeds=args.seeds, epochs=args.epochs, backend=backend,
                          n_jobs=args.n_jobs, progress=sys.stderr.isatty())
    print(grid, "\n")
    drop = (0.0, 0.1) if backend == "torch" else (0.0,)
    width = exactfit.sweep(task, optimizers=("adam",), activations=("relu",),
                           widths=args.widths, dropout=drop, n_seeds=args.seeds,
                           epochs=args.epochs, backend=backend, n_jobs=args.n_jobs,
                           progress=sys.stderr.isatty())
    print(width)

    draw(grid, width, args.out)
    print(f"\nSaved {args.out}")
    if args.json:
        grid.save(args.json + "_grid.json")
        width.save(args.json + "_width.json")
        with open(args.json + ".md", "w") as fh:
            cmd = " ".join(["python examples/remedies.py"] + list(sys.argv[1:] if argv is None
                                                                    else argv))
            wall = grid.meta["wall_time"] + width.meta["wall_time"]
            fh.write(f"# Remedies for the Euclid 2-3-1 network\n\n`{cmd}`: backend {backend}, "
                     f"{args.seeds} seeds per cell, {args.epochs} epochs, {wall:.0f} s wall time "
                     f"({os.cpu_count()} CPU cores).\n\n## Optimizer x activation, 3 units\n\n"
                     f"{grid.to_markdown()}\n## Width (adam, relu)\n\n{width.to_markdown()}")
    return grid, width


if __name__ == "__main__":
    main()

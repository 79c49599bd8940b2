"""Batched seeds vs one seed at a time: the Keras protocol on the Euclid 2-3-1 net.

1000 seeds of exactfit.tasks.euclid(2000) (2 -> 3 ReLU -> 1), Adam with Keras's
defaults, 200 epochs of reshuffled mini-batches of 32, float32, trained as ONE
batched computation by ``train_gd_many``. The loss curve is the library default,
``loss_curve="full"`` (the full-data loss after every epoch: one extra forward
pass of all samples per epoch); ``--loss-curve batch_mean`` records Keras's own
``history.history["loss"]`` instead (the batch-size-weighted mean of the
mini-batch losses, nearly free), ``--loss-curve none`` none. The setting is
written to the results. The same settings are then run one seed at a time for a
sample of the seeds (``--n-sequential``, default 10); their mean time per seed is
extrapolated to all seeds (said in the table), and their weights are compared
with the batched run's.

Writes benchmarks/results/gd_throughput.json and gd_throughput.md. Timings are
wall-clock on this machine; the load average at start and end is recorded
because other processes share the cores.

    python benchmarks/gd_throughput.py [--quick] [--seeds 1000] [--n-sequential 10]
                                       [--loss-curve {full,batch_mean,none}]
"""

import argparse
import json
import os
import platform
import time

import numpy as np

import exactfit
from exactfit.gd import train_gd_many

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 seeds, 20 epochs, 3 sequential")
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--n-sequential", type=int, default=10)
    ap.add_argument("--device", default=None)
    ap.add_argument("--loss-curve", choices=("full", "batch_mean", "none"), default="full",
                    help="train_gd_many's loss_curve (default: full, the library default)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "gd_throughput"))
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.n_sequential = 100, 20, 3

    import torch

    task = exactfit.tasks.euclid(2000)
    kw = dict(hidden=3, optimizer="adam", epochs=args.epochs, batch_size=32,
              dtype="float32", device=args.device,
              loss_curve=False if args.loss_curve == "none" else args.loss_curve)
    load_start = os.getloadavg()

    t0 = time.perf_counter()
    batched = train_gd_many(task.X, task.y, seeds=range(args.seeds), progress=True, **kw)
    t_batched = time.perf_counter() - t0

    seq_times, max_diff = [], 0.0
    for s in range(args.n_sequential):
        t0 = time.perf_counter()
        alone = train_gd_many(task.X, task.y, seeds=[s], progress=False, **kw)[0]
        seq_times.append(time.perf_counter() - t0)
        max_diff = max(max_diff, float(np.max(np.abs(
            alone.network.to_flat() - batched[s].network.to_flat()))))
    per_seed = float(np.mean(seq_times))
    t_sequential = per_seed * args.seeds
    load_end = os.getloadavg()

    losses = np.array([r.loss for r in batched])
    out = {
        "task": "euclid(2000), 2-3-1 relu, adam (Keras defaults), batch 32, float32",
        "loss_curve": args.loss_curve,
        "n_seeds": args.seeds, "epochs": args.epochs,
        "steps_per_seed": args.epochs * int(np.ceil(2000 / 32)),
        "batched_seconds": t_batched,
        "sequential_seconds_per_seed": per_seed,
        "sequential_seconds_per_seed_each": seq_times,
        "sequential_seconds_extrapolated": t_sequential,
        "n_sequential_measured": args.n_sequential,
        "speedup": t_sequential / t_batched,
        "max_abs_weight_diff_batched_vs_alone": max_diff,
        "median_final_mse": float(np.median(losses)),
        "min_final_mse": float(np.min(losses)),
        "device": str(batched[0].device),
        "torch": torch.__version__, "torch_threads": 1,
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "loadavg_start": load_start, "loadavg_end": load_end,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out + ".json", "w") as fh:
        json.dump(out, fh, indent=1)
    md = (
        "# Batched seeds vs one at a time (benchmarks/gd_throughput.py)\n\n"
        f"{out['task']}, loss curve {args.loss_curve}; {args.seeds} seeds x {args.epochs} epochs "
        f"({out['steps_per_seed']} optimizer steps per seed), device {out['device']}, "
        f"torch {torch.__version__}, {os.cpu_count()} cores, load average "
        f"{load_start[0]:.1f} at start / {load_end[0]:.1f} at end.\n\n"
        "| run | seconds |\n|---|---|\n"
        f"| {args.seeds} seeds batched (`train_gd_many`) | {t_batched:.1f} |\n"
        f"| one seed alone (mean of {args.n_sequential} measured) | {per_seed:.2f} |\n"
        f"| {args.seeds} seeds one at a time (extrapolated: {args.n_sequential} measured "
        f"x {args.seeds / args.n_sequential:g}) | {t_sequential:.0f} |\n\n"
        f"Speed-up of the batch: **{out['speedup']:.0f}x**. Largest weight difference "
        f"between a seed trained in the batch and alone (float32): {max_diff:.1e}. "
        f"Median final MSE over the seeds {out['median_final_mse']:.4g} "
        f"(best {out['min_final_mse']:.4g}).\n")
    with open(args.out + ".md", "w") as fh:
        fh.write(md)
    print(md)


if __name__ == "__main__":
    main()

"""Least squares vs gradient descent on the two linear layers of the Euclid question.

The asker first trained one linear layer to implement an FIR filter and a DFT
("both worked fine"). Both are exact least-squares problems. This benchmark
times, on the same data in one run:

- ``exactfit.construct.linear_lstsq`` (one ``numpy.linalg.lstsq`` call);
- full-batch gradient descent with the best fixed step ``1 / L`` (L the
  Lipschitz constant of the MSE gradient): the fastest plain GD can be;
- full-batch Adam with Keras's defaults (lr 0.001, beta 0.9/0.999, eps 1e-7),
  as a user would run it (full batch is Adam's best case here: no minibatch noise).

GD stops when the relative residual ``||X W + b - Y||_F / ||Y||_F`` is <= 1e-6
(checked every step; the residual is a by-product of the gradient), or at the
epoch cap. Gradients and losses come from ``exactfit.losses.Objective``. The
time ratio is GD time / least-squares time (each least-squares time is the
median of 20 repeats; each GD run is timed once, after one warm-up step). When
GD does not reach the target within its epoch cap the ratio is a lower bound
(shown as ">="). BLAS runs on one thread for both sides (threadpoolctl): these
problems are too small to gain from threads, and on a shared machine threaded
BLAS timings of millisecond calls are mostly noise.

Run: ``python benchmarks/linear_layers.py`` (``--quick`` caps Adam at 2000 epochs;
the default cap is 20000).
Writes ``benchmarks/results/linear_layers.json`` and ``.md``.
"""

import argparse
import json
import os
import platform

import numpy as np
from threadpoolctl import threadpool_limits

import exactfit
from exactfit.construct import linear_lstsq
from exactfit.gd import linear_gd

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 1e-6


def time_lstsq(X, Y, repeats=20):
    times = []
    for _ in range(repeats):
        res = linear_lstsq(X, Y)
        times.append(res.time)
    return res, float(np.median(times))


def main(argv=None):
    with threadpool_limits(1):
        _main(argv)


def _main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="cap Adam at 2000 epochs")
    p.add_argument("--adam-epochs", type=int, default=20_000, help="Adam epoch cap")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    args = p.parse_args(argv)
    if args.quick:
        args.adam_epochs = 2000

    tasks = {"dft64": exactfit.tasks.dft(length=64, random_state=0),
             "fir16": exactfit.tasks.fir(n_taps=16, length=64, random_state=0)}
    rows = []
    for name, task in tasks.items():
        res, t_ls = time_lstsq(task.X, task.y)
        W = res.network.weights[0]
        ls_rel = float(np.sqrt(res.loss / np.mean(task.y ** 2)))
        rows.append(dict(task=name, method="lstsq", epochs=0, seconds=t_ls, reached=True,
                         relative_residual=ls_rel,
                         matrix_error=float(np.max(np.abs(W - task.meta["matrix"]))),
                         ratio=1.0))
        for method, cap in (("gd", 100_000), ("adam", args.adam_epochs)):
            r = linear_gd(task.X, task.y, method, cap, TARGET)
            ep, sec, ok, rel = r.nit, r.time, r.success, r.relative_residual
            W_gd = r.network.weights[0]
            rows.append(dict(task=name, method=method, epochs=ep, seconds=sec, reached=ok,
                             relative_residual=rel,
                             matrix_error=float(np.max(np.abs(W_gd - task.meta["matrix"]))),
                             ratio=sec / t_ls))
            print(f"{name:6s} {method:5s} epochs={ep:6d} {sec:8.3f}s reached={ok} "
                  f"rel={rel:.2e} ratio={sec / t_ls:.0f}x", flush=True)

    meta = dict(target_relative_residual=TARGET, n_samples={k: t.X.shape[0] for k, t in
                                                            tasks.items()},
                shapes={k: [t.X.shape[1], t.y.shape[1]] for k, t in tasks.items()},
                blas_threads=1, numpy=np.__version__, machine=platform.machine(), cpus=os.cpu_count(),
                python=platform.python_version(), quick=args.quick)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "linear_layers.json"), "w") as fh:
        json.dump(dict(meta=meta, rows=rows), fh, indent=1)
    lines = ["# Least squares vs gradient descent on linear layers",
             "",
             f"Same data per task (white-noise signals, {meta['n_samples']['dft64']} pairs); GD "
             f"stops at relative residual <= {TARGET:g}. `ratio` = GD time / least-squares time. "
             f"Produced by `benchmarks/linear_layers.py` on {meta['cpus']} CPU(s).",
             "",
             "| task | method | epochs | time (s) | reached 1e-6 | relative residual | "
             "max abs matrix error | time ratio |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['method']} | {r['epochs']} | {r['seconds']:.4g} | "
                     f"{'yes' if r['reached'] else 'no'} | {r['relative_residual']:.2e} | "
                     f"{r['matrix_error']:.2e} | {'' if r['reached'] else '>= '}{r['ratio']:.0f}x |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "linear_layers.md"), "w") as fh:
        fh.write(text)
    print("\n" + text)


if __name__ == "__main__":
    main()

"""The identity through Dense ReLU layers: construction vs the Keras protocol, 60000 x 784.

The question in shared/seeds/identity_function_question.txt. On MNIST-shaped
nonnegative data (MNIST itself when ``exactfit.datasets.load_mnist`` finds it,
else integers uniform in 0..255 of shape 60000 x 784, said in the output):

- ``exactfit.construct.identity(784, depth)``: build W = I, b = 0 (timed alone),
  then ``exactfit.mse`` on all 60000 rows (timed separately: a float64 forward
  pass through the layers, the same evaluation every result gets);
- the per-pixel mean as a constant prediction (the trivial baseline);
- the asker's Keras training replayed by ``exactfit.gd.train_gd_many``
  (``protocol="keras"``): ``depth`` Dense(784, relu) layers, RMSprop with Keras's
  defaults, MSE, batch 128, 20 epochs, float32, one seed, no per-epoch loss
  curve (so the time is training only).

Both losses are ``exactfit.mse`` on the same training data, in float64.

Run: ``python benchmarks/identity.py`` (``--quick``: 6000 rows, 2 epochs).
Writes ``benchmarks/results/identity.json`` and ``.md``. Depth 1 is one Dense
layer (``hidden=()``).
"""

import argparse
import json
import os
import platform
import time

import numpy as np

import exactfit
from exactfit import datasets
from exactfit.construct import identity

HERE = os.path.dirname(os.path.abspath(__file__))


def load(n_samples, random_state=0):
    try:
        X = datasets.load_mnist(download=False).X_train[:n_samples]
        return X, "MNIST (local mnist.npz)"
    except FileNotFoundError:
        rs = np.random.RandomState(random_state)
        return rs.randint(0, 256, size=(n_samples, 784)).astype(np.float64), \
            "random integers 0..255 (MNIST not found)"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depths", type=int, nargs="+", default=[1, 4])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--n-samples", type=int, default=60000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="6000 rows, 2 epochs")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    args = p.parse_args(argv)
    if args.quick:
        args.n_samples, args.epochs = 6000, 2

    from exactfit.gd import train_gd_many

    X, source = load(args.n_samples, args.seed)
    n = X.shape[1]
    print(f"Data: {source}, {X.shape}", flush=True)
    base = float(np.mean((X - X.mean(axis=0)) ** 2))
    rows = [dict(depth="-", method="per-pixel mean (constant)", loss=base, seconds=None,
                 epochs=0, note="trivial baseline")]
    for depth in args.depths:
        t0 = time.perf_counter()
        con = identity(n, depth=depth)
        t_build = time.perf_counter() - t0
        loss = exactfit.mse(con.network, X, X)
        t_eval = time.perf_counter() - t0 - t_build
        rows.append(dict(depth=depth, method="construct:identity", loss=loss,
                         seconds=t_build, epochs=0,
                         note=f"{con.evidence}; MSE evaluation on all rows {t_eval:.3g} s"))
        print(f"depth {depth}: construction MSE {loss:g}, built in {t_build:.2g} s, "
              f"evaluated in {t_eval:.3g} s", flush=True)
        # depth 1: hidden=(), one Dense(784, relu) layer
        r = train_gd_many(X, X, seeds=[args.seed], hidden=(n,) * (depth - 1),
                          output="relu", optimizer="rmsprop", loss="mse",
                          protocol="keras", epochs=args.epochs, batch_size=128,
                          dtype="float32", loss_curve=False, progress=True)[0]
        rows.append(dict(depth=depth, method=r.method, loss=r.loss, seconds=r.time,
                         epochs=r.nit, note=f"{r.device}, seed {r.random_state}"))
        print(f"depth {depth}: {r.method} MSE {r.loss:.6g} in {r.time:.1f} s", flush=True)

    meta = dict(data=source, shape=list(X.shape), epochs=args.epochs, batch_size=128,
                cpus=os.cpu_count(), machine=platform.machine(),
                python=platform.python_version(), quick=args.quick)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "identity.json"), "w") as fh:
        json.dump(dict(meta=meta, rows=rows), fh, indent=1)
    lines = ["# Identity through Dense ReLU layers: construction vs Keras protocol", "",
             f"Data: {source}, {X.shape[0]} x {X.shape[1]}. Keras protocol: RMSprop (Keras "
             f"defaults), MSE, batch 128, {args.epochs} epochs, float32, one seed. Training "
             "MSE by `exactfit.mse` (float64). Produced by `benchmarks/identity.py` on "
             f"{meta['cpus']} CPU(s).", "",
             "| depth | method | training MSE | time (s) | note |", "|---|---|---|---|---|"]
    for r in rows:
        loss = "-" if r["loss"] is None else f"{r['loss']:.6g}"
        sec = "-" if r["seconds"] is None else f"{r['seconds']:.3g}"
        lines.append(f"| {r['depth']} | {r['method']} | {loss} | {sec} | {r['note']} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "identity.md"), "w") as fh:
        fh.write(text)
    print("\n" + text)


if __name__ == "__main__":
    main()

"""FIR filter, DFT and amplitude spectrum: least squares and constructions vs gradient descent.

The first half of shared/seeds/euclid_distance_question.txt: "My first experiments
were training a network to implement an FIR filter and a Discrete Fourier
Transform ... Both worked fine. So then I wanted to see if I could add an abs()
and make it learn an amplitude spectrum."

1. FIR (16 taps) and DFT (length 64) as one linear layer: exact least squares
   (``exactfit.construct.linear_lstsq``) against full-batch gradient descent
   (best fixed step 1/L, and Adam with Keras's defaults), on the same data:
   final relative error, and the epochs and time GD needs to get within 1e-6.
2. The amplitude spectrum |rfft(x)| of length-16 signals as one two-layer
   network (``exactfit.construct.amplitude_spectrum``: the DFT fused into the
   first layer, ``units_per_bin`` ReLUs per bin, a linear output), for
   units_per_bin 3, 5, 7, 9: its proved worst-case relative error, its measured
   error on held-out signals, and the same architecture trained from scratch by
   gradient descent (``exactfit.train_gd``: scikit-learn Adam, or
   ``--backend torch`` for the Keras-protocol torch trainer).
3. Save a picture of the errors.

Run ``python examples/spectrum_compare.py`` (``--quick`` for a short run).
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

import exactfit  # noqa: E402
from exactfit.construct import amplitude_spectrum, linear_lstsq  # noqa: E402
from exactfit.construct._spectrum import spectrum_errors  # noqa: E402

from exactfit.gd import linear_gd  # noqa: E402

TARGET = 1e-6


def linear_part(adam_epochs):
    tasks = {"FIR, 16 taps (64 -> 49)": exactfit.tasks.fir(n_taps=16, length=64),
             "DFT, length 64 (64 -> 128)": exactfit.tasks.dft(length=64)}
    rows = []
    for name, task in tqdm(tasks.items(), desc="linear layers", disable=None):
        ls = linear_lstsq(task.X, task.y)
        rel = np.sqrt(ls.loss / np.mean(task.y ** 2))
        err = np.max(np.abs(ls.network.weights[0] - task.meta["matrix"]))
        rows.append((name, "least squares", "-", ls.time, rel, err))
        for method, key, cap in (("GD, step 1/L", "gd", 100_000),
                                 ("Adam (Keras defaults)", "adam", adam_epochs)):
            r = linear_gd(task.X, task.y, key, cap, TARGET)
            ep, sec, ok, rel = r.nit, r.time, r.success, r.relative_residual
            err = np.max(np.abs(r.network.weights[0] - task.meta["matrix"]))
            rows.append((name, method, f"{ep}" if ok else f"never ({ep} run)", sec, rel, err))
    print(f"\nLinear layers: relative error ||XW+b-Y||/||Y||; GD stops within {TARGET:g}.")
    print(f"{'task':28s} {'method':22s} {'epochs to 1e-6':>18s} {'time (s)':>9s} "
          f"{'rel. error':>10s} {'max |W - W_true|':>16s}")
    for r in rows:
        print(f"{r[0]:28s} {r[1]:22s} {r[2]:>18s} {r[3]:9.4f} {r[4]:10.2e} {r[5]:16.2e}")
    return rows


def spectrum_part(units, n_train, length, epochs, seeds, backend):
    train = exactfit.tasks.amplitude_spectrum(length, n_train, random_state=0)
    test = exactfit.tasks.amplitude_spectrum(length, 2000, random_state=1)
    rs = np.random.RandomState(0)
    gd_seeds = rs.randint(np.iinfo(np.int32).max, size=seeds)
    rows = []
    for m in tqdm(units, desc="amplitude spectrum", disable=None):
        con = amplitude_spectrum(length, m, X=test.X)
        ls = amplitude_spectrum(length, m, output_weights="lstsq", X=train.X)
        ls_test = spectrum_errors(ls.network, test.X, test.y)
        hidden = m * (length // 2 + 1)
        gd = []
        for s in gd_seeds:
            kw = dict(max_iter=epochs) if backend == "sklearn" else dict(epochs=epochs)
            r = exactfit.train_gd(train.X, train.y, hidden=hidden, optimizer="adam",
                                  backend=backend, random_state=int(s), **kw)
            gd.append(spectrum_errors(r.network, test.X, test.y)["relative_error"])
        rows.append(dict(units=m, hidden=hidden, bound=con.error_bound,
                         construct=con.relative_error, construct_max=con.max_relative_error,
                         lstsq=ls_test["relative_error"], gd_best=min(gd),
                         gd_median=float(np.median(gd)), method=r.method))
    print(f"\nAmplitude spectrum |rfft(x)|, signals of length {length} ({length // 2 + 1} bins), "
          f"network {length} -> units x {length // 2 + 1} ReLU -> {length // 2 + 1}. Relative "
          "error ||f(X) - |X_k| ||/|| |X_k| || on 2000 held-out signals.")
    print(f"GD: {rows[0]['method']}, {epochs} epochs on {n_train} signals, {seeds} seed(s), "
          "from scratch (full dense layers).")
    print(f"{'units/bin':>9s} {'hidden':>6s} {'proved max':>10s} {'construct':>10s} "
          f"{'max seen':>9s} {'+ lstsq out':>11s} {'GD best':>8s} {'GD median':>9s}")
    for r in rows:
        print(f"{r['units']:9d} {r['hidden']:6d} {r['bound']:10.4f} {r['construct']:10.4f} "
              f"{r['construct_max']:9.4f} {r['lstsq']:11.4f} {r['gd_best']:8.4f} "
              f"{r['gd_median']:9.4f}")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="Adam capped at 2000 epochs on the linear layers; units 3 and 5; "
                        "1 GD seed, 100 epochs")
    p.add_argument("--units", type=int, nargs="+", default=[3, 5, 7, 9],
                   help="ReLU units per frequency bin")
    p.add_argument("--length", type=int, default=16, help="signal length for the spectrum")
    p.add_argument("--n-train", type=int, default=4000, help="training signals (spectrum)")
    p.add_argument("--epochs", type=int, default=300, help="GD epochs (spectrum)")
    p.add_argument("--seeds", type=int, default=3, help="GD seeds per width (spectrum)")
    p.add_argument("--adam-epochs", type=int, default=20_000,
                   help="Adam epoch cap on the linear layers")
    p.add_argument("--backend", choices=["sklearn", "torch"], default="sklearn",
                   help="gradient-descent trainer of the spectrum networks")
    p.add_argument("--out", default="spectrum_compare.png",
                   help="the picture of the errors is saved here")
    args = p.parse_args(argv)
    if args.quick:
        args.units, args.seeds, args.epochs, args.adam_epochs = [3, 5], 1, 100, 2000

    with threadpool_limits(1):  # small matrices: threads only add noise to the timings
        linear_part(args.adam_epochs)
    rows = spectrum_part(args.units, args.n_train, args.length, args.epochs, args.seeds,
                         args.backend)

    fig, ax = plt.subplots(figsize=(6, 4))
    u = [r["units"] for r in rows]
    ax.semilogy(u, [r["bound"] for r in rows], "k--", label="construction: proved max")
    ax.semilogy(u, [r["construct"] for r in rows], "o-", label="construction (minimax)")
    ax.semilogy(u, [r["lstsq"] for r in rows], "s-", label="construction + lstsq output")
    ax.semilogy(u, [r["gd_median"] for r in rows], "^-", label="GD from scratch (median)")
    ax.set_xlabel("ReLU units per frequency bin")
    ax.set_ylabel("relative error on held-out signals")
    ax.set_title(f"|DFT| of length-{args.length} signals")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"\nSaved {args.out}")


if __name__ == "__main__":
    main()

"""Why can't 1 or 4 Dense ReLU layers learn the identity on MNIST?

The question in shared/seeds/identity_function_question.txt, answered end to end:

1. build the answer directly: ``exactfit.construct.identity`` (W = I, b = 0 in
   every layer) reproduces nonnegative pixels bit for bit at any depth;
2. replay the asker's Keras training (``Dense(n, relu)`` layers, the last one
   included; RMSprop with Keras's defaults; MSE; batch 128; 20 epochs; raw pixel
   scale) with the torch trainer's ``protocol="keras"``, for several seeds;
3. print final train and test MSE, dead units per layer and time for each run
   beside the construction;
4. fit one linear layer by least squares (``exactfit.construct.linear_lstsq``):
   it recovers W = I on every pixel that varies; pixels that are 0 in every
   image carry no information, so any weight fits them (the asker's "solution
   space"): the minimum-norm solution puts 0 there;
5. save a picture of the training curves.

Data: scikit-learn's 8x8 digits (pixels 0..16, shipped) by default; ``--data
mnist`` uses ``exactfit.datasets.load_mnist`` (a local Keras mnist.npz or
OpenML), ``--data random`` integers 0..255 of MNIST's shape.

Run ``python examples/identity_compare.py`` (``--quick`` for a short run).
"""

import argparse
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import exactfit  # noqa: E402
from exactfit.construct import identity, linear_lstsq  # noqa: E402


def dead_per_layer(network, X):
    """Units of every layer (output included) whose pre-activation is never > 0 on X."""
    return [int(np.sum(~np.any(Z > 0, axis=0))) for Z in network.forward(X)[0]]


def keras_replay(X, depth, seeds, epochs, batch_size):
    """The asker's Keras run with the torch trainer; None (with the reason) without PyTorch.

    Depth 1 is one Dense layer: ``hidden=()``.
    """
    n = X.shape[1]
    try:
        from exactfit.gd import train_gd_many
        return train_gd_many(X, X, seeds=seeds, hidden=(n,) * (depth - 1), output="relu",
                             optimizer="rmsprop", loss="mse", protocol="keras",
                             epochs=epochs, batch_size=batch_size,
                             progress=sys.stderr.isatty()), None
    except ImportError as exc:  # only a missing PyTorch; bad arguments must surface
        return None, f"{type(exc).__name__}: {exc}"


def sklearn_fallback(X, depth, seeds, epochs, batch_size):
    """scikit-learn stand-in: Adam (no RMSprop there), linear output, depth >= 2 only."""
    n = X.shape[1]
    return [exactfit.train_gd(X, X, hidden=(n,) * (depth - 1), optimizer="adam",
                              max_iter=epochs, batch_size=batch_size, random_state=int(s))
            for s in seeds]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", choices=["digits", "mnist", "random"], default="digits",
                   help="digits: scikit-learn's 8x8 digits (shipped); mnist: a local Keras "
                        "mnist.npz or OpenML; random: integers 0..255")
    p.add_argument("--depths", type=int, nargs="+", default=[1, 4],
                   help="Dense ReLU layers of the replayed Keras model")
    p.add_argument("--seeds", type=int, default=5, help="GD runs per depth")
    p.add_argument("--epochs", type=int, default=20, help="epochs of RMSprop")
    p.add_argument("--batch-size", type=int, default=128, help="mini-batch size")
    p.add_argument("--n-samples", type=int, default=60000, help="rows for --data random")
    p.add_argument("--seed", type=int, default=0, help="generator of the per-run seeds")
    p.add_argument("--quick", action="store_true", help="2 seeds, 5 epochs")
    p.add_argument("--out", default="identity_compare.png",
                   help="the picture of the training curves is saved here")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = 2, 5

    task = exactfit.tasks.identity(args.data, n_samples=args.n_samples, random_state=args.seed)
    X, X_test = task.X, task.meta["X_test"]
    if X_test is None:
        X_test = X
    n = X.shape[1]
    seeds = np.random.RandomState(args.seed).randint(np.iinfo(np.int32).max, size=args.seeds)
    print(f"Data: {args.data}, {X.shape[0]} train / {X_test.shape[0]} test images of {n} "
          f"pixels, raw scale 0..{X.max():g}. Keras protocol: RMSprop (Keras defaults), MSE, "
          f"batch {args.batch_size}, {args.epochs} epochs, {args.seeds} seeds.\n")

    rows, curves = [], {}
    for depth in args.depths:
        t0 = time.perf_counter()
        con = identity(n, depth=depth, X=X)
        t_con = time.perf_counter() - t0
        rows.append((depth, "construction", con.loss, exactfit.mse(con.network, X_test, X_test),
                     dead_per_layer(con.network, X), t_con))
        runs, why = keras_replay(X, depth, seeds, args.epochs, args.batch_size)
        label = "keras rmsprop"
        if runs is None:
            print(f"depth {depth}: torch Keras trainer unavailable ({why})")
            if depth < 2:  # MLPRegressor needs a hidden layer
                continue
            print("  falling back to scikit-learn Adam with a linear output (not the "
                  "asker's RMSprop and ReLU output)")
            runs, label = sklearn_fallback(X, depth, seeds, args.epochs, args.batch_size), \
                "sklearn adam (fallback)"
        for r in runs:
            rows.append((depth, f"{label} seed {r.random_state}", r.loss,
                         exactfit.mse(r.network, X_test, X_test), dead_per_layer(r.network, X),
                         r.time))
            curves.setdefault(depth, []).append(r.loss_curve)

    print(f"{'depth':>5s}  {'method':34s} {'train MSE':>10s} {'test MSE':>10s} {'time (s)':>9s}"
          "  dead units per layer")
    for depth, name, tr, te, dead, sec in rows:
        print(f"{depth:5d}  {name:34s} {tr:10.4g} {te:10.4g} {sec:9.3f}  {dead}")
    print("(The construction's dead units are pixels that are 0 in every training image: "
          "they output 0, which is exactly right.)")

    ls = linear_lstsq(X, X)
    W = ls.network.weights[0]
    varies = X.std(axis=0) > 0
    off = np.abs(W - np.eye(n))
    print(f"\nLeast-squares linear layer: train MSE {ls.loss:.3g}, test MSE "
          f"{exactfit.mse(ls.network, X_test, X_test):.3g}, {ls.time:.3f} s. "
          f"max |W - I| over the {varies.sum()} pixels that vary: "
          f"{off[varies][:, varies].max():.2e}; {(~varies).sum()} pixels are constant in the "
          "training set (no information: any weight fits; min-norm gives 0).")

    fig, ax = plt.subplots(figsize=(6, 4))
    for depth, cs in curves.items():
        for i, c in enumerate(cs):
            if c is not None and len(c):
                ax.semilogy(np.arange(1, len(c) + 1), c, color=f"C{depth % 10}", alpha=0.7,
                            label=f"GD, {depth} layer(s)" if i == 0 else None)
    ax.text(0.02, 0.02, "construction: MSE 0 (not shown on a log scale)",
            transform=ax.transAxes, fontsize=8)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE (construction: 0)")
    ax.set_title(f"Identity on {args.data} pixels")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"\nSaved {args.out}")


if __name__ == "__main__":
    main()

"""Why does a 1 -> n ReLU -> 1 network fail to learn 0 -> t1, 1 -> t2 in Flux?

The question in shared/seeds/flux_binary_input_question.txt, answered end to end:

1. build the exact answer directly: ``exactfit.construct.interpolant_1d`` needs
   ONE ReLU unit (``t1 + (t2 - t1) relu(x)``), with zero error;
2. replay the asker's Flux training exactly (``Chain(Dense(1, n, relu),
   Dense(n, 1))``, glorot_uniform weights, zero biases, 1000 iterations with
   learning rate ``0.1 * (1 - i / 1000)``, each iteration one plain gradient step
   on the MAE of input 0 and then one on input 1; Flux's relu derivative at 0 is
   0) with the torch trainer's ``protocol="flux"``, for many seeds at once;
3. print the asker's ``get_success_probability`` (both outputs within 10% of
   ``|t1 - t2|`` of their targets) for widths 1..32 and five target pairs, with
   the share of failures whose hidden units are ALL dead on both inputs (the
   network then outputs one constant: the asker's "same value for both inputs");
4. save a picture of success rate against width (when every target pair gives the
   same rates, as it does with relu'(0) = 0, one line is drawn and the figure says so).

``--from-json benchmarks/results/lookup.json`` redraws the picture from a saved table
without replaying.

Run ``python examples/lookup_compare.py`` (``--quick`` for a short run).
"""

import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

import exactfit  # noqa: E402
from exactfit.bench import wilson_interval  # noqa: E402
from exactfit.construct import interpolant_1d  # noqa: E402

WIDTHS = [1, 2, 3, 4, 6, 8, 16, 32]
TARGETS = [(1, 2), (10, 20), (1, 1.5), (-1, 1), (100, 200)]


def replay(t1, t2, width, seeds, relu_grad_at_zero):
    """Success flags and all-dead flags of the Flux protocol over `seeds`."""
    from exactfit.gd import train_gd_many

    task = exactfit.tasks.lookup(t1, t2, hidden=width)
    runs = train_gd_many(task.X, task.y, seeds=seeds, hidden=width, protocol="flux",
                         loss="mae", optimizer="sgd", relu_grad_at_zero=relu_grad_at_zero,
                         loss_curve=False, progress=False)
    eps = abs(t1 - t2) * 0.1
    ok, dead = [], []
    for r in runs:
        p = r.network.predict(task.X)
        ok.append(abs(p[0] - t1) < eps and abs(p[1] - t2) < eps)
        dead.append(len(exactfit.diagnose(r.network, task.X).dead) == width)
    return np.array(ok), np.array(dead)


def plot(table, targets, widths, out):
    """Success against width, one line per target pair (one line when they all coincide)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.3), layout="constrained")
    rates = {t: [table[(t[0], t[1], w)]["success"] for w in widths] for t in targets}
    same = all(rates[t] == rates[targets[0]] for t in targets)
    shown = targets[:1] if same else targets
    for t1, t2 in shown:
        cells = [table[(t1, t2, w)] for w in widths]
        s = np.array([c["success"] for c in cells])
        lo, hi = np.array([c["ci"] for c in cells]).T
        label = ("every target pair" if same else f"{t1:g} -> {t2:g}")
        ax.errorbar(widths, s, yerr=np.vstack([s - lo, hi - s]), fmt="o-", capsize=3,
                    label=label)
    ax.set_xscale("log", base=2)
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.axhline(1.0, color="k", ls="--", lw=1, label="construction (1 unit): always exact")
    if same:
        pairs = ", ".join(f"{a:g} -> {b:g}" for a, b in targets)
        ax.text(0.98, 0.04, f"The {len(targets)} target pairs ({pairs})\ngive identical "
                "success rates at every width:\nwith relu'(0) = 0, whether a seed fails "
                "depends\non its initial weights only, so one line is drawn.",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                bbox={"boxstyle": "round", "fc": "w", "ec": "0.7"})
    ax.set_xlabel("hidden ReLU units")
    ax.set_ylabel("success probability (95% interval)")
    ax.set_title("Flux protocol replayed: 0 -> t1, 1 -> t2")
    ax.legend(fontsize=8, loc="upper left")
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seeds", type=int, default=200, help="seeds per cell")
    p.add_argument("--widths", type=int, nargs="+", default=WIDTHS, help="hidden ReLU units")
    p.add_argument("--relu-grad-at-zero", type=float, default=0.0,
                   help="derivative of relu at 0 (Flux: 0; try 1)")
    p.add_argument("--seed", type=int, default=0, help="generator of the per-run seeds")
    p.add_argument("--quick", action="store_true", help="widths 1, 4, 32; 50 seeds")
    p.add_argument("--out", default="lookup_compare.png",
                   help="the picture (success against width) is saved here")
    p.add_argument("--json", default=None, help="also save the table as JSON here")
    p.add_argument("--from-json", default=None,
                   help="redraw the picture from a table saved with --json (no replay)")
    args = p.parse_args(argv)
    if args.quick:
        args.widths, args.seeds = [1, 4, 32], 50
    if args.from_json:
        with open(args.from_json) as fh:
            saved = json.load(fh)
        table = {(r["t1"], r["t2"], r["width"]): r for r in saved}
        widths = sorted({r["width"] for r in saved})
        targets = list(dict.fromkeys((r["t1"], r["t2"]) for r in saved))
        plot(table, targets, widths, args.out)
        print(f"Saved {args.out} (from {args.from_json})")
        return

    print("Exact construction (interpolant_1d, one ReLU unit):")
    for t1, t2 in TARGETS:
        c = interpolant_1d([0, 1], [t1, t2])
        out = c.network.predict([[0.0], [1.0]])
        print(f"  {t1:>4g} -> {t2:<4g}: {c.network.layer_sizes}, outputs {out[0]:g}, "
              f"{out[1]:g}, MSE {c.loss:g} ({c.evidence})")

    seeds = np.random.RandomState(args.seed).randint(np.iinfo(np.int32).max, size=args.seeds)
    table = {}
    cells = [(t, w) for t in TARGETS for w in args.widths]
    for (t1, t2), w in tqdm(cells, desc="Flux replay (target pair x width)", disable=None):
        ok, dead = replay(t1, t2, w, seeds, args.relu_grad_at_zero)
        fails = int((~ok).sum())
        lo, hi = wilson_interval(int(ok.sum()), len(ok))
        table[(t1, t2, w)] = dict(success=float(ok.mean()), ci=(lo, hi), failures=fails,
                                  all_dead=float(dead[~ok].mean()) if fails else 0.0)

    print(f"\nSuccess probability (Flux protocol, {args.seeds} seeds per cell, relu'(0) = "
          f"{args.relu_grad_at_zero:g}); in brackets: share of failures with every hidden "
          "unit dead. The 1-unit construction succeeds in every cell.")
    head = f"{'targets':>12s} " + " ".join(f"{'n=' + str(w):>13s}" for w in args.widths)
    print(head)
    for t1, t2 in TARGETS:
        cells = [table[(t1, t2, w)] for w in args.widths]
        print(f"{f'({t1:g}, {t2:g})':>12s} " + " ".join(
            f"{c['success']:6.2f} [{c['all_dead']:4.2f}]" for c in cells))

    plot(table, TARGETS, args.widths, args.out)
    print(f"\nSaved {args.out}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([dict(t1=k[0], t2=k[1], width=k[2], **v) for k, v in table.items()],
                      fh, indent=1)


if __name__ == "__main__":
    main()

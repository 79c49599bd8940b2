"""XOR with two ReLU units (alanoursland/tr_xor), replayed over 1000 seeds, then explained.

tr_xor trains ``y = relu(w1 . x + b1) + relu(w2 . x + b2)`` ("relu1") and ``y = |w . x
+ b|`` ("abs1") on the four XOR points with Adam (see ``exactfit.gd.tr_xor`` for
the protocol, read from their code). Their June 2025 reports give, over 50 runs
each: relu1 29/50 solved (``reports/relu1/relu1_results.md``, table "Classification
Accuracy Across All Conditions"; ``reports/relu1/data/analysis_relu1_normal.md``),
relu1 with re-initialisation on dead data 49/50 (same table;
``analysis_relu1_reinit.md``), abs1 50/50 (``reports/abs1/abs1_results.md``: "All
runs for every configuration successfully converged to 100% classification
accuracy").

This script:

1. replays the three over 1000 seeds (Wilson intervals, Fisher exact test against
   their 50 runs);
2. builds the exact XOR network of each architecture (a construction, MSE 0);
3. runs ``exactfit.fit_global`` on the four points with 2 ReLU units (its output
   layer is free, a superset of relu1's fixed one) and with 1;
4. diagnoses the failed runs (``exactfit.diagnose``, and which points end dead in
   both units);
5. finds which initial condition predicts failure: a one-line rule on the
   initial pre-activations, and a logistic regression for comparison
   (5-fold cross-validated accuracy).

Run ``python benchmarks/tr_xor.py`` (about a minute); writes
``benchmarks/results/tr_xor.json`` and ``.md``.
"""

import argparse
import json
import os
import platform
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from tqdm.auto import tqdm

import exactfit
from exactfit._io import write_text
from exactfit._parallel import draw_seeds
from exactfit.bench import wilson_interval
from exactfit.gd import tr_xor
from exactfit.gd._tr_xor import XOR_X, XOR_Y

RESULTS = Path(__file__).resolve().parent / "results"

THEIRS = {
    "relu1": (29, 50, "reports/relu1/relu1_results.md (relu1_normal)"),
    "relu1+reinit": (49, 50, "reports/relu1/relu1_results.md (relu1_reinit)"),
    "abs1": (50, 50, "reports/abs1/abs1_results.md (abs1_normal)"),
}
VARIANTS = {"relu1": ("relu1", False), "relu1+reinit": ("relu1", True), "abs1": ("abs1", False)}
CLASS1, CLASS0 = [1, 2], [0, 3]  # rows of XOR_X labelled 1 and 0


_save_text = write_text  # temporary file, then rename


def construction(model):
    """The exact XOR network of `model` (output weights 1, no output bias).

    relu1: ``relu(x1/2 - x2/2) + relu(x2/2 - x1/2)``; abs1: ``|x1/2 - x2/2|``, the
    same function (``|z| = relu(z) + relu(-z)``, how exactfit stores abs1).
    """
    W = np.array([[0.5, -0.5], [-0.5, 0.5]])  # columns: the two units
    net = exactfit.Network([W, np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
    return exactfit.FitResult(network=net, loss=exactfit.mse(net, XOR_X, XOR_Y),
                              method=f"construct:xor_{model}", evidence="exact")


def live_margins(res):
    """Per run, the best unit's initial pre-activation at each point: (runs, 4)."""
    return np.array([r.initial_network.forward(XOR_X)[0][0].max(axis=1) for r in res])


def dead_at_end(r):
    return (r.network.forward(XOR_X)[0][0] <= 0).all(axis=1)


def replay(name, seeds):
    model, reinit = VARIANTS[name]
    t = time.perf_counter()
    res = tr_xor(model, reinit=reinit, seeds=seeds, progress=False)
    wall = time.perf_counter() - t
    solved = np.array([r.solved for r in res])
    k, n = int(solved.sum()), len(res)
    lo, hi = wilson_interval(k, n)
    tk, tn, src = THEIRS[name]
    fails = [r for r in res if not r.solved]
    reasons = Counter(", ".join(exactfit.diagnose(r.network, XOR_X).reasons()) or "none"
                      for r in fails)
    dead_end = np.array([dead_at_end(r)[CLASS1].any() for r in res])
    row = {"variant": name, "runs": n, "solved": k, "rate": k / n, "wilson95": [lo, hi],
           "theirs": [tk, tn], "source": src,
           "fisher_p": float(stats.fisher_exact([[k, n - k], [tk, tn - tk]]).pvalue),
           "accuracy_counts": {str(a): c for a, c in sorted(Counter(
               r.accuracy for r in res).items())},
           "stop_counts": dict(Counter(r.stop for r in res)),
           "epochs_median": float(np.median([r.nit for r in res])),
           "epochs_max": int(max(r.nit for r in res)), "wall_s": wall,
           "failures": len(fails), "diagnose_reasons_of_failures": dict(reasons),
           # a class-1 point inactive in both units outputs 0: misclassified for good
           "failures_with_a_class1_point_dead_at_end": int(dead_end[~solved].sum()),
           "solved_with_a_class1_point_dead_at_end": int(dead_end[solved].sum())}
    return row, res


def predictor(res):
    """How well the initial state predicts success: rules on m1 = the smaller of the
    two class-1 points' best initial pre-activation, and a logistic regression."""
    solved = np.array([r.solved for r in res])
    live = live_margins(res)
    m1, m0 = live[:, CLASS1].min(1), live[:, CLASS0].min(1)
    rules = []
    for th in (0.0, 0.1, 0.2, 0.3):
        rule = m1 > th
        correct = int((rule == solved).sum())
        rules.append({"rule": f"m1 > {th:g}", "accuracy": correct / len(res),
                      "wilson95": list(wilson_interval(correct, len(res))),
                      "runs_passing": int(rule.sum()),
                      "solved_if_passing": float(solved[rule].mean()) if rule.any() else None,
                      "solved_if_not": float(solved[~rule].mean()) if (~rule).any() else None})
    out = {"rules": rules}
    if 0 < solved.sum() < len(solved) and min(solved.sum(), (~solved).sum()) >= 5:
        F = np.c_[m1, m0]
        out["logistic_m1_m0_cv_accuracy"] = float(cross_val_score(
            LogisticRegression(max_iter=1000), F, solved, cv=5).mean())
        W = np.array([r.initial_network.weights[0].ravel() for r in res])
        out["logistic_raw_weights_cv_accuracy"] = float(cross_val_score(
            LogisticRegression(max_iter=1000), W, solved, cv=5).mean())
    return out


def global_search(n_calls):
    out = {}
    for hidden in (2, 1):
        losses = [float(exactfit.fit_global(XOR_X, XOR_Y, hidden=hidden, random_state=s).loss)
                  for s in range(n_calls)]
        out[str(hidden)] = {"calls": n_calls, "best": min(losses), "worst": max(losses),
                            "reached_1e-12": int(sum(v <= 1e-12 for v in losses))}
    return out


def markdown(data):
    m = data["meta"]
    lines = ["# XOR with two ReLU units (tr_xor), replayed", "",
             f"`python benchmarks/tr_xor.py`; {m['machine']}, torch {m['torch']}; "
             f"{m['runs']} seeds per variant.", "",
             "| variant | solved | rate [95% Wilson] | theirs | Fisher p | accuracy counts "
             "| epochs median / max |", "|---|---|---|---|---|---|---|"]
    for r in data["replays"].values():
        acc = ", ".join(f"{a}: {c}" for a, c in r["accuracy_counts"].items())
        lines.append(f"| {r['variant']} | {r['solved']} / {r['runs']} | {r['rate']:.3f} "
                     f"[{r['wilson95'][0]:.3f}, {r['wilson95'][1]:.3f}] | {r['theirs'][0]} / "
                     f"{r['theirs'][1]} | {r['fisher_p']:.3f} | {acc} | "
                     f"{r['epochs_median']:.0f} / {r['epochs_max']} |")
    lines += ["", "## What exactfit adds", "",
              "Construction (exact, output weights fixed at 1): " + "; ".join(
                  f"{k}: MSE {v:g}" for k, v in data["construction"].items()) + ".", "",
              "fit_global on the four points (free output layer): " + "; ".join(
                  f"{h} unit(s): best MSE {v['best']:.3g}, worst {v['worst']:.3g}, "
                  f"{v['reached_1e-12']}/{v['calls']} calls at MSE <= 1e-12"
                  for h, v in data["fit_global"].items()) + ".", "",
              "Failed runs: `exactfit.diagnose` reasons ('none': no dead, near-dead, "
              "collapsed or linear unit), and class-1 points (label 1) that end with a "
              "pre-activation <= 0 in both units, so the network outputs 0 there:", ""]
    for r in data["replays"].values():
        if r["failures"]:
            lines.append(f"- {r['variant']}: {r['failures']} failures; diagnose: "
                         f"{r['diagnose_reasons_of_failures']}; a class-1 point dead in both "
                         f"units at the end: {r['failures_with_a_class1_point_dead_at_end']} "
                         f"failures, {r['solved_with_a_class1_point_dead_at_end']} solved "
                         f"runs")
    lines += ["", "Predicting success from the initial weights (m1: the smaller of the two "
              "class-1 points' best initial pre-activation; m1 <= 0 means a class-1 point "
              "starts dead in both units):", "",
              "| variant | rule | accuracy [95% Wilson] | runs passing | solved if passing "
              "| solved if not |", "|---|---|---|---|---|---|"]
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for name, p in data["predictor"].items():
        for r in p["rules"]:
            lines.append(f"| {name} | {r['rule']} | {r['accuracy']:.3f} [{r['wilson95'][0]:.3f}, "
                         f"{r['wilson95'][1]:.3f}] | {r['runs_passing']} | "
                         f"{fmt(r['solved_if_passing'])} | {fmt(r['solved_if_not'])} |")
        if "logistic_m1_m0_cv_accuracy" in p:
            lines.append(f"| {name} | logistic regression on (m1, m0), 5-fold CV | "
                         f"{p['logistic_m1_m0_cv_accuracy']:.3f} | | | |")
            lines.append(f"| {name} | logistic regression on the raw weights, 5-fold CV | "
                         f"{p['logistic_raw_weights_cv_accuracy']:.3f} | | | |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0, help="generator of the per-run seeds")
    p.add_argument("--fit-global-calls", type=int, default=20)
    p.add_argument("--out", default=str(RESULTS / "tr_xor.json"))
    args = p.parse_args(argv)
    import torch

    seeds = draw_seeds(args.seed, args.runs)
    data = {"meta": {"runs": args.runs, "seed": args.seed, "torch": torch.__version__,
                     "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                                f"Python {platform.python_version()}",
                     "date": time.strftime("%Y-%m-%d %H:%M")},
            "replays": {}, "predictor": {}}
    for name in tqdm(VARIANTS, desc="replays", disable=None):
        row, res = replay(name, seeds)
        data["replays"][name] = row
        if name != "abs1":
            data["predictor"][name] = predictor(res)
    data["construction"] = {m: construction(m).loss for m in ("relu1", "abs1")}
    data["fit_global"] = global_search(args.fit_global_calls)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _save_text(out, json.dumps(data, indent=1))
    _save_text(out.with_suffix(".md"), markdown(data))
    print(markdown(data))
    print(f"Wrote {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()

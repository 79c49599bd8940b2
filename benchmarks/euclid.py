"""fit_global against gradient descent on the Euclid task, side by side in one run.

For 3 hidden units (and 5 with --units), on the same 2000 points: success rate
(MSE within 1% of the best loss any method found), median time per call and time
to the optimum at 99% confidence of

- fit_global (default settings),
- fit_global with random starts only (no construction seeds), same restarts,
- fit_global without the recombination round (``recombine=False``): its cost,
- scikit-learn's lbfgs solver restarted (the strongest gradient-based peer),
- scikit-learn adam and sgd.

It also times one loss-and-gradient evaluation (what L-BFGS calls) through
exactfit.losses.Objective's two-layer fast path and through its general
layer-by-layer path, interleaved on the same data and parameters, and the wall
time per evaluation of scipy's L-BFGS-B driving the fast path (the difference is
scipy's own overhead).

Writes benchmarks/results/euclid.json and euclid.md (euclid_quick.* with --quick).
Runs on one process (n_jobs=1) so times compare like with like. About 7 minutes on 2 cores.

    python benchmarks/euclid.py [--quick]
"""

import argparse
import functools
import os
import platform
import time

import numpy as np
from scipy.optimize import minimize

import exactfit
from exactfit._io import write_json, write_text
from exactfit.bench import Method
from exactfit.losses import Objective
from exactfit.network import n_params

HERE = os.path.dirname(os.path.abspath(__file__))


def run(units, n_global, n_lbfgs, n_gd, epochs, seed=0):
    task = exactfit.tasks.euclid(2000, hidden=units, random_state=seed)
    methods = [
        Method("fit_global", functools.partial(exactfit.fit_global, hidden=units)),
        Method("fit_global, random starts only", functools.partial(
            exactfit.fit_global, hidden=units, starts=["data", "random"])),
        # what the recombination round (recombined units, flips) costs and buys
        Method("fit_global, recombine=False", functools.partial(
            exactfit.fit_global, hidden=units, recombine=False)),
        Method("sklearn lbfgs (restarted)", functools.partial(
            exactfit.train_gd, hidden=units, optimizer="lbfgs", max_iter=epochs)),
        Method("sklearn adam", functools.partial(
            exactfit.train_gd, hidden=units, optimizer="adam", max_iter=epochs)),
        Method("sklearn sgd", functools.partial(
            exactfit.train_gd, hidden=units, optimizer="sgd", max_iter=epochs)),
    ]
    counts = {"fit_global": n_global, "fit_global, random starts only": n_global,
              "fit_global, recombine=False": n_global,
              "sklearn lbfgs (restarted)": n_lbfgs, "sklearn adam": n_gd, "sklearn sgd": n_gd}
    # One benchmark per run count, all on the same data; merged so that success is
    # judged against the best loss of every method.
    runs = {}
    for m in methods:
        rep = exactfit.benchmark(task, methods=[m], n_runs=counts[m.name], random_state=seed,
                                 n_jobs=1, progress=True, name=task.name)
        runs.update(rep.runs)
    pyramid = exactfit.construct.norm_pyramid(units, task.X, task.y)
    report = exactfit.BenchmarkReport.from_runs(runs, rtol=0.01, task=f"euclid, {units} units",
                                                n_samples=2000)
    return report, pyramid


def objective_timing(units, n_eval=2000, rounds=5, seed=0):
    """Seconds per evaluation of the fast and the general path, best of `rounds`."""
    task = exactfit.tasks.euclid(2000, hidden=units, random_state=seed)
    sizes = (2, units, 1)
    obj = Objective(task.X, task.y.reshape(-1, 1), sizes)
    # random parameters: at the optimum the gradient is ~0 and a relative difference meaningless
    theta = np.random.RandomState(seed).normal(size=n_params(sizes))
    f_fast, g_fast = obj(theta)
    f_gen, g_gen = obj._general(theta)
    best = {"fast": np.inf, "general": np.inf}
    for _ in range(rounds):
        for name, fn in (("fast", obj), ("general", obj._general)):
            t0 = time.perf_counter()
            for _ in range(n_eval):
                fn(theta)
            best[name] = min(best[name], (time.perf_counter() - t0) / n_eval)
    lbfgs = np.inf
    for _ in range(rounds):
        count = [0]

        def counted(t):
            count[0] += 1
            return obj(t)

        t0 = time.perf_counter()
        # ftol = gtol = 0: run all 300 iterations rather than stop early
        minimize(counted, theta, jac=True, method="L-BFGS-B",
                 options={"maxiter": 300, "maxcor": 20, "ftol": 0.0, "gtol": 0.0})
        lbfgs = min(lbfgs, (time.perf_counter() - t0) / count[0])
    return {"fast_s": best["fast"], "general_s": best["general"], "lbfgs_per_eval_s": lbfgs,
            "scipy_share": 1.0 - best["fast"] / lbfgs,
            "general_over_fast": best["general"] / best["fast"],
            "max_rel_diff": float(max(abs(f_fast - f_gen) / f_gen,
                                      np.max(np.abs(g_fast - g_gen)) / np.max(np.abs(g_gen))))}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    p.add_argument("--units", type=int, nargs="+", default=[3, 5])
    args = p.parse_args(argv)
    n_global, n_lbfgs, n_gd, epochs = (5, 20, 3, 100) if args.quick else (50, 200, 30, 500)
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "numpy": np.__version__, "exactfit": exactfit.__version__},
           "settings": {"n_fit_global": n_global, "n_lbfgs": n_lbfgs, "n_gd": n_gd,
                        "gd_max_iter": epochs, "n_samples": 2000, "rtol": 0.01},
           "results": {}}
    md = ["# Euclid benchmark: fit_global vs gradient descent", "",
          f"`python benchmarks/euclid.py{' --quick' if args.quick else ''}`, "
          f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, one process. Success: MSE within "
          "1% of the best loss any method found on the same 2000 points.", ""]
    for units in args.units:
        timing = objective_timing(units)
        report, pyramid = run(units, n_global, n_lbfgs, n_gd, epochs)
        rows = report.rows
        g, lb = rows["fit_global"], rows["sklearn lbfgs (restarted)"]
        ratio = (lb["time_to_optimum_99"] / g["time_to_optimum_99"]
                 if np.isfinite(lb["time_to_optimum_99"]) else float("inf"))
        out["results"][f"{units}_units"] = {
            "best_loss": report.best_loss, "pyramid_loss": pyramid.loss,
            "pyramid_over_best": pyramid.loss / report.best_loss,
            "time_to_optimum_ratio_lbfgs_over_fit_global": ratio,
            "objective_evaluation": timing,
            "rows": report.to_dict()["rows"]}
        md += [f"## 2 -> {units} ReLU -> 1", "", report.to_markdown(),
               f"Symmetric pyramid construction: MSE {pyramid.loss:.6g}, "
               f"{pyramid.loss / report.best_loss:.4f} x the best.",
               f"Time to the optimum at 99% confidence: restarted sklearn lbfgs / fit_global = "
               f"{ratio:.3g}.",
               f"One loss-and-gradient evaluation (2000 points, random parameters): two-layer fast "
               f"path {timing['fast_s'] * 1e6:.0f} us, general path "
               f"{timing['general_s'] * 1e6:.0f} us ({timing['general_over_fast']:.2f}x; same "
               f"values to {timing['max_rel_diff']:.1e} relative). scipy's L-BFGS-B on the "
               f"fast path: {timing['lbfgs_per_eval_s'] * 1e6:.0f} us per evaluation, "
               f"{timing['scipy_share']:.0%} of it scipy's own.", ""]
        print(report)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    # --quick is a smoke test: it must not replace the measured results
    stem = "euclid_quick" if args.quick else "euclid"
    write_json(os.path.join(HERE, "results", f"{stem}.json"), out, indent=1)
    write_text(os.path.join(HERE, "results", f"{stem}.md"), "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()

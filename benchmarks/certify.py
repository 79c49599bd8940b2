"""convex_relu against the reference implementation pyscnn, on the same data and patterns.

pyscnn (pilancilab/scnn) is NOT a dependency of exactfit. Install it only to run
this benchmark::

    pip install torch==2.13.0
    pip install --no-deps pyscnn linalg_backends opt_einsum

Without it the script measures exactfit alone and says that pyscnn was skipped.

Both programs get identical patterns (from the same gates, deduplicated) and
the same weight decay. pyscnn minimises ``SSE / (2 n) + lam * group-L1``; exactfit
minimises ``SSE / 2 + beta * group-L1``, so ``lam = beta / n``. Each side's
objective is then recomputed the same way: the returned network's
``exactfit.certify.regularized_objective`` (pyscnn's solution through its own
recovered non-convex model). Rows:

- exactfit / CLARABEL: ``convex_relu``;
- pyscnn / CVXPY+CLARABEL: pyscnn's own cvxpy program with the same solver
  (pyscnn only accepts ecos/cvxopt/scs/gurobi/mosek by name; the benchmark swaps
  its SCS for CLARABEL so that the formulations, not the solvers, are compared);
- pyscnn / CVXPY+SCS: pyscnn's program with SCS (eps 1e-9), a solver it supports;
- pyscnn / AL: pyscnn's default augmented-Lagrangian method (float64).

Writes benchmarks/results/certify.json and certify.md.

Usage: python benchmarks/certify.py [--quick]
"""

import argparse
import contextlib
import json
import os
import platform
import time
import types

import numpy as np

import exactfit
from exactfit.certify import convex_relu, regularized_objective

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def problems(quick):
    """(name, X, y, n_gates) cases: the Euclid question and 1-D |x|."""
    out = []
    for n, gates in ([(60, 50)] if quick else [(60, 50), (200, 100), (400, 200)]):
        task = exactfit.tasks.euclid(n, random_state=0)
        out.append((f"euclid n={n}", task.X, task.y, gates))
    rs = np.random.RandomState(1)
    x = np.sort(rs.uniform(-1, 1, 40))[:, None]
    out.append(("abs 1-D n=40", x, np.abs(x[:, 0]), 40))
    return out


def gates_and_patterns(X, n_gates, seed):
    """Gates through data points, deduplicated by pattern; the all-zero pattern dropped."""
    rs = np.random.RandomState(seed)
    G = rs.normal(size=(X.shape[1], n_gates))
    b = -np.sum(X[rs.randint(len(X), size=n_gates)] * G.T, axis=1) + 0.01 * rs.normal(size=n_gates)
    P = X @ G + b > 0
    _, idx = np.unique(P, axis=1, return_index=True)
    idx = np.sort(idx)
    idx = idx[P[:, idx].any(axis=0)]
    return G[:, idx], b[idx], P[:, idx]


def run_exactfit(X, y, P, beta):
    t = time.perf_counter()
    res = convex_relu(X, y, beta, patterns=P, solver="CLARABEL")
    wall = time.perf_counter() - t
    return {"time": wall, "objective": regularized_objective(res.network, X, y, beta),
            "solver_objective": res.objective, "duality_gap": res.duality_gap,
            "status": res.status}


@contextlib.contextmanager
def scs_means(solver):
    """Make pyscnn's 'scs' choice call `solver` (pyscnn names no CLARABEL)."""
    from scnn.private.methods.cvxpy import cvxpy_solver as mod
    real = mod.cp
    mod.cp = types.SimpleNamespace(SCS=solver, ECOS_BB="ECOS_BB", CVXOPT="CVXOPT",
                                   GUROBI="GUROBI", MOSEK="MOSEK")
    try:
        yield
    finally:
        mod.cp = real


def run_pyscnn(X, y, G, b, beta, method):
    from scnn.metrics import Metrics
    from scnn.models import ConvexReLU
    from scnn.optimize import optimize_model
    from scnn.regularizers import NeuronGL1
    from scnn.solvers import AL, CVXPYSolver

    n = len(y)
    model = ConvexReLU(G, c=1, bias=True, G_bias=b)
    if method == "AL":
        solver = AL(model, tol=1e-8, constraint_tol=1e-8)
        ctx = contextlib.nullcontext()
    else:
        kwargs = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200000} if method == "SCS" else {}
        solver = CVXPYSolver(model, "scs", solver_kwargs=kwargs)
        ctx = scs_means("SCS" if method == "SCS" else "CLARABEL")
    t = time.perf_counter()
    with ctx:
        nc, _ = optimize_model(model, solver, Metrics(), X, y[:, None],
                               regularizer=NeuronGL1(beta / n), unitize_data=False,
                               dtype="float64", verbose=False)
    wall = time.perf_counter() - t
    W1, b1 = np.asarray(nc.parameters[0]), np.asarray(nc.parameters[1])
    W2 = np.asarray(nc.parameters[2])
    net = exactfit.Network([W1.T, W2.T], [b1.ravel(), [0.0]])
    return {"time": wall, "objective": regularized_objective(net, X, y, beta)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one small problem")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per cell (best kept)")
    args = ap.parse_args()
    try:
        import scnn
        have_pyscnn = scnn is not None
    except ImportError:
        have_pyscnn = False
        print("pyscnn not installed: measuring exactfit only (see the module docstring).")
    methods = ["exactfit/CLARABEL"] + (["pyscnn/CVXPY+CLARABEL", "pyscnn/CVXPY+SCS",
                                        "pyscnn/AL"] if have_pyscnn else [])
    rows = []
    for name, X, y, n_gates in problems(args.quick):
        G, b, P = gates_and_patterns(X, n_gates, seed=0)
        beta = 1e-3 * len(y) * float(np.var(y))
        for m in methods:
            best = None
            for _ in range(args.repeats if m not in ("pyscnn/CVXPY+SCS", "pyscnn/AL") else 1):
                try:
                    r = run_exactfit(X, y, P, beta) if m.startswith("exactfit") else \
                        run_pyscnn(X, y, G, b, beta, m.split("/")[1].replace("CVXPY+", ""))
                except Exception as exc:  # report a failing reference, keep going
                    r = {"time": float("nan"), "objective": float("nan"), "error": repr(exc)}
                if best is None or r["time"] < best["time"]:
                    best = r
            rows.append({"problem": name, "n": len(y), "patterns": P.shape[1], "beta": beta,
                         "method": m, **best})
            print(f"{name:>16} {m:>22}: {best['time']:.3f} s, objective "
                  f"{best['objective']:.10g}")
    ref = {r["problem"]: r for r in rows if r["method"] == "exactfit/CLARABEL"}
    for r in rows:
        e = ref[r["problem"]]
        r["rel_objective_vs_exactfit"] = (r["objective"] - e["objective"]) / abs(e["objective"])
        r["time_ratio_vs_exactfit"] = r["time"] / e["time"]
    os.makedirs(RESULTS, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "quick": args.quick, "pyscnn": have_pyscnn,
            "evidence": "certified (exactfit rows: duality gap reported)"}
    with open(os.path.join(RESULTS, "certify.json"), "w") as fh:
        json.dump({"meta": meta, "rows": rows}, fh, indent=1, default=str)
    lines = ["| problem | patterns | method | evidence | time (s) | time / exactfit | "
             "objective | rel. diff vs exactfit |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ev = "certified" if r["method"].startswith("exactfit") else "none"
        lines.append(f"| {r['problem']} | {r['patterns']} | {r['method']} | {ev} | "
                     f"{r['time']:.3f} | {r['time_ratio_vs_exactfit']:.2f} | "
                     f"{r['objective']:.10g} | {r['rel_objective_vs_exactfit']:.2e} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(RESULTS, "certify.md"), "w") as fh:
        fh.write("# convex_relu vs pyscnn (same data, patterns, weight decay)\n\n" + text)
    print(text)


if __name__ == "__main__":
    main()

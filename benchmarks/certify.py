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

- exactfit / CLARABEL: ``convex_relu`` (default: redundant orthant constraints
  screened out, same feasible set and optimum);
- exactfit / CLARABEL unscreened: ``convex_relu(..., screen=False)``, all ``n``
  orthant rows per pattern, the program pyscnn also builds;
- pyscnn / CVXPY+CLARABEL: pyscnn's own cvxpy program with the same solver
  (pyscnn only accepts ecos/cvxopt/scs/gurobi/mosek by name; the benchmark swaps
  its SCS for CLARABEL so that the formulations, not the solvers, are compared);
- pyscnn / CVXPY+SCS: pyscnn's program with SCS (eps 1e-9), a solver it supports;
- pyscnn / AL: pyscnn's default augmented-Lagrangian method (float64).

The CLARABEL rows are timed in interleaved rounds (each round runs every one of
them once, best round kept), so machine noise hits them alike. The table gives
each row's time over exactfit's (screened) and its objective's relative
difference from exactfit's, against the 1e-6 target.

Writes certify.json and certify.md to benchmarks/results (or --out).

Usage: python benchmarks/certify.py [--quick] [--repeats N] [--out DIR]
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


def run_exactfit(X, y, P, beta, screen):
    t = time.perf_counter()
    res = convex_relu(X, y, beta, patterns=P, solver="CLARABEL", screen=screen)
    wall = time.perf_counter() - t
    return {"time": wall, "objective": regularized_objective(res.network, X, y, beta),
            "solver_objective": res.objective, "duality_gap": res.duality_gap,
            "status": res.status, "constraints": res.n_constraints,
            "solve_time": res.solver_stats["solve_time"]}


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


EXACTFIT = "exactfit/CLARABEL"
UNSCREENED = "exactfit/CLARABEL unscreened"
# Timed in interleaved rounds; the slow SCS and AL references run once.
INTERLEAVED = (EXACTFIT, UNSCREENED, "pyscnn/CVXPY+CLARABEL")


def run_method(m, X, y, G, b, P, beta):
    try:
        if m.startswith("exactfit"):
            return run_exactfit(X, y, P, beta, screen=(m == EXACTFIT))
        return run_pyscnn(X, y, G, b, beta, m.split("/")[1].replace("CVXPY+", ""))
    except Exception as exc:  # report a failing reference, keep going
        return {"time": float("nan"), "objective": float("nan"), "error": repr(exc)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one small problem per kind")
    ap.add_argument("--repeats", type=int, default=3,
                    help="interleaved timing rounds of the CLARABEL rows (best kept)")
    ap.add_argument("--out", default=RESULTS, help="directory for certify.json/.md")
    args = ap.parse_args()
    try:
        import scnn
        have_pyscnn = scnn is not None
    except ImportError:
        have_pyscnn = False
        print("pyscnn not installed: measuring exactfit only (see the module docstring).")
    methods = [EXACTFIT, UNSCREENED] + (["pyscnn/CVXPY+CLARABEL", "pyscnn/CVXPY+SCS",
                                         "pyscnn/AL"] if have_pyscnn else [])
    rows = []
    for name, X, y, n_gates in problems(args.quick):
        G, b, P = gates_and_patterns(X, n_gates, seed=0)
        beta = 1e-3 * len(y) * float(np.var(y))
        best = {}
        for rnd in range(max(1, args.repeats)):
            for m in methods:
                if rnd > 0 and m not in INTERLEAVED:
                    continue
                r = run_method(m, X, y, G, b, P, beta)
                if m not in best or r["time"] < best[m]["time"]:
                    best[m] = r
        for m in methods:
            rows.append({"problem": name, "n": len(y), "patterns": P.shape[1], "beta": beta,
                         "method": m, **best[m]})
            print(f"{name:>16} {m:>28}: {best[m]['time']:.3f} s, objective "
                  f"{best[m]['objective']:.10g}")
    ref = {r["problem"]: r for r in rows if r["method"] == EXACTFIT}
    for r in rows:
        e = ref[r["problem"]]
        r["rel_objective_vs_exactfit"] = (r["objective"] - e["objective"]) / abs(e["objective"])
        r["time_ratio_vs_exactfit"] = r["time"] / e["time"]
        r["objective_match_1e-6"] = bool(abs(r["rel_objective_vs_exactfit"]) <= 1e-6)
    os.makedirs(args.out, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "quick": args.quick, "pyscnn": have_pyscnn,
            "repeats": args.repeats,
            "evidence": "certified (exactfit rows: duality gap reported)"}
    with open(os.path.join(args.out, "certify.json"), "w") as fh:
        json.dump({"meta": meta, "rows": rows}, fh, indent=1, default=str)
    lines = ["| problem | patterns | method | orthant rows | evidence | time (s) | "
             "time / exactfit | objective | rel. diff vs exactfit | match 1e-6 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ev = "certified" if r["method"].startswith("exactfit") else "none"
        cons = r.get("constraints", r["n"] * r["patterns"])  # pyscnn keeps every row
        lines.append(f"| {r['problem']} | {r['patterns']} | {r['method']} | {cons} | {ev} | "
                     f"{r['time']:.3f} | {r['time_ratio_vs_exactfit']:.2f} | "
                     f"{r['objective']:.10g} | {r['rel_objective_vs_exactfit']:.2e} | "
                     f"{'yes' if r['objective_match_1e-6'] else 'NO'} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "certify.md"), "w") as fh:
        fh.write("# convex_relu vs pyscnn (same data, patterns, weight decay)\n\n"
                 "Orthant rows: per sign (v or w), summed over patterns; pyscnn and the "
                 "unscreened program keep n per pattern.\n\n" + text)
    print(text)


if __name__ == "__main__":
    main()

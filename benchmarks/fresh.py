"""fit_global on fresh random problems: how often a default call is wrong, and says so.

benchmarks/reliability.py measures a fixed suite of named problems. This script draws
problems nobody chose: each from its own seed, the input dimension (1 to 3, or those of
``--dims``), the distribution of the inputs (box, ball, Gaussian, simplex, clusters,
skewed), a target made of one to three random terms (kinks, square roots of a ReLU,
squares, sines, maxima, products, distances, tanh steps; sometimes noise), the sample
size (150 to 2500, log uniform) and the width (2 to 5 units, 2 to 6 in 1-D). The
best-known loss of a problem is the lowest of `--long` long searches (``fit_global`` run
through all `--starts` starts, ``confirm`` out of reach) and of every default call. A
default call ``fit_global(X, y, hidden=k, random_state=seed)`` hits when its loss is
within 1e-3 relative of the best-known (MSE <= 1e-8 var(y) where that is ~0).
``--archs`` draws each problem's architecture too (other hidden activations, the MAE
loss, two outputs, two hidden layers; :data:`ARCHS`): the same data, judged on the
problem's own loss.

What it reports, per problem and in total: hits (with a Wilson 95% interval over all
calls), **confirmed misses** (the call said CONFIRMED but missed: the kind of wrong answer
a user cannot see), warned misses, warned hits (false alarms), the worst call's ratio to
the best-known, and median seconds per call. A long search is itself only a best-known
(many starts, not a certificate), so a miss here is a miss against the best any run found.

    python benchmarks/fresh.py                       # 24 problems, 5 calls each
    python benchmarks/fresh.py --problems 8 --calls 3 --long 1 --starts 40   # quicker
    python benchmarks/fresh.py --resume              # continue after Ctrl-C
    python benchmarks/fresh.py --fit max_restarts=60 --name fewer --reference fresh
    python benchmarks/fresh.py --set exactfit.search._layerwise._REDRAWS=16 ...

``--fit`` passes options to the default calls (an A/B of a user-facing setting);
``--set`` changes a private constant of exactfit in every job, for experiments on the
search itself that can be rerun from the repository (the report says so).

Every finished job (a long search or a call) is checkpointed atomically; Ctrl-C stops
cleanly. Seeds come from each problem's seed, so results do not depend on --n-jobs.
Writes benchmarks/results/fresh.{json,md}.
"""

import argparse
import ast
import contextlib
import importlib
import os
import sys
import time

import numpy as np
from joblib import Parallel, delayed
from tqdm.auto import tqdm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exactfit  # noqa: E402
from exactfit.bench import wilson_interval  # noqa: E402
from reliability import (RESULTS, _call, git_commit, machine, read_json, today,  # noqa: E402
                         write_json, atomic_write)

RTOL = 1e-3
ZERO_TOL = 1e-8
DISTS = ("box", "ball", "gauss", "simplex", "clusters", "skewed")
DIMS = (1, 2, 2, 3)
TERMS = ("abs", "sqrt_relu", "square", "sin", "max", "product", "norm", "tanh")
# --archs: the architecture and loss of a problem's fit, besides the default (one hidden
# ReLU layer, MSE, one output). Every option of fit_global a user can reach with a
# problem of this script's kind: other hidden activations (no unit moves: they need
# ReLU), the MAE loss (no least-squares output layer), two outputs (the second target
# drawn as the first), and two hidden ReLU layers of the drawn width each.
ARCHS = ("relu", "tanh", "elu", "softplus", "leaky_relu", "mae", "outputs2", "deep")


# --------------------------------------------------------------------- problems

def _inputs(dist, n, d, rs):
    if dist == "box":
        return rs.uniform(-1, 1, size=(n, d)) * rs.uniform(0.3, 2.0, size=d)
    if dist == "ball":
        g = rs.normal(size=(n, d))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        return g * rs.uniform(0, 1, size=(n, 1)) ** (1.0 / d)
    if dist == "gauss":
        A = rs.normal(size=(d, d)) + 2 * np.eye(d)
        return rs.normal(size=(n, d)) @ A / 2
    if dist == "simplex":  # uniform in a random simplex (a triangle in 2-D)
        V = rs.normal(size=(d + 1, d))
        return rs.dirichlet(np.ones(d + 1), size=n) @ V
    if dist == "clusters":
        centres = rs.uniform(-1, 1, size=(3, d))
        return centres[rs.randint(3, size=n)] + 0.25 * rs.normal(size=(n, d))
    if dist == "skewed":
        return rs.exponential(size=(n, d)) * rs.choice([-1.0, 1.0], size=d)
    raise ValueError(dist)


def _term(kind, X, rs):
    d = X.shape[1]
    w = rs.normal(size=d)
    w /= np.linalg.norm(w)
    z = X @ w
    c = np.quantile(z, rs.uniform(0.2, 0.8))
    z = (z - c) / (np.std(z) or 1.0)
    if kind == "abs":
        return np.abs(z)
    if kind == "sqrt_relu":
        return np.sqrt(np.maximum(z, 0))
    if kind == "square":
        return z ** 2
    if kind == "sin":
        return np.sin(rs.uniform(1.0, 3.0) * z)
    if kind == "max":
        v = rs.normal(size=d)
        z2 = X @ (v / np.linalg.norm(v))
        return np.maximum(z, (z2 - z2.mean()) / (np.std(z2) or 1.0))
    if kind == "product":
        v = rs.normal(size=d)
        z2 = X @ (v / np.linalg.norm(v))
        return z * (z2 - z2.mean()) / (np.std(z2) or 1.0)
    if kind == "norm":
        centre = X[rs.randint(len(X))]
        return np.linalg.norm((X - centre) / X.std(axis=0), axis=1)
    if kind == "tanh":
        return np.tanh(rs.uniform(1.0, 4.0) * z)
    raise ValueError(kind)


def make_problem(seed, dims=None, sizes=None, widths=None, archs=None):
    """The problem drawn from `seed`: a dict with X, y, hidden and its description.

    `dims`: the input dimensions to draw from (equally likely); default 1, 2, 2 or 3
    (the draw every run before ``--dims`` existed made, unchanged). `sizes`: ``(lo, hi)``,
    the range of the sample size (log uniform; default 150 to 2500). `widths`: the widths
    to draw from (default 2 to 5, 2 to 6 in 1-D). Each option takes the place of its
    default in the same stream of draws: what is drawn before it stays what it was (the
    inputs and target terms, drawn after the size, change with it). `archs`: the
    architectures to draw from (:data:`ARCHS`; default "relu" only), drawn from a stream
    of their own, so the data and width are those of the default draw.
    """
    rs = np.random.RandomState(seed)
    d = int(rs.choice(DIMS if dims is None else list(dims)))
    dist = str(rs.choice(DISTS))
    lo, hi = (150, 2500) if sizes is None else sizes
    n = int(round(np.exp(rs.uniform(np.log(lo), np.log(hi)))))
    k = int(rs.randint(2, 7 if d == 1 else 6))
    if widths is not None:  # the default draw's number picks one of them (same stream)
        k = int(list(widths)[k % len(widths)])
    X = _inputs(dist, n, d, rs)
    terms = [str(t) for t in rs.choice(TERMS, size=rs.randint(1, 4))]
    y = sum(rs.choice([-1.0, 1.0]) * rs.uniform(0.5, 2.0) * _term(t, X, rs) for t in terms)
    noise = float(rs.rand() < 0.3) * 0.05 * float(np.std(y))
    y = y + noise * rs.normal(size=n)
    name = f"p{seed}-d{d}-{dist}-n{n}-k{k}-" + "+".join(terms) + ("-noisy" if noise else "")
    problem = dict(name=name, seed=seed, X=X, y=y, hidden=k, arch="relu", fit={},
                   loss="mse")
    if archs is not None:
        unknown = sorted(set(archs) - set(ARCHS))
        if unknown or not len(archs):
            raise ValueError(f"archs must be a non-empty list of {', '.join(ARCHS)}; got "
                             f"{list(archs)}")
        ra = np.random.RandomState([seed, 1])
        arch = str(ra.choice(list(archs)))
        problem.update(arch=arch, name=name if arch == "relu" else f"{name}-{arch}")
        if arch in ("tanh", "elu", "softplus", "leaky_relu"):
            problem["fit"] = dict(activation=arch)
        elif arch == "mae":
            problem.update(fit=dict(loss="mae"), loss="mae")
        elif arch == "outputs2":
            term = str(ra.choice(TERMS))
            y2 = ra.choice([-1.0, 1.0]) * ra.uniform(0.5, 2.0) * _term(term, X, ra)
            problem.update(y=np.column_stack([y, y2]), name=f"{problem['name']}-{term}")
        elif arch == "deep":
            problem["hidden"] = (k, k)
    return problem


def zero_loss(problem):
    """The loss below which a fit is exact: MSE 1e-8 var(y), MAE 1e-4 std(y) (the same
    residual scale)."""
    y = problem["y"]
    return ZERO_TOL * float(np.var(y)) if problem["loss"] == "mse" else \
        np.sqrt(ZERO_TOL) * float(np.std(y))


# --------------------------------------------------------------------- jobs

def _draw(record):
    """make_problem's options recorded with a job (absent: the default draw)."""
    return {key: record[key] for key in ("dims", "sizes", "widths", "archs")
            if key in record}


def _job(problem_seed, kind, seed, starts, recombine=True, dims=None, sizes=None,
         widths=None, archs=None, fit=None, patch=None):
    draw = {key: list(v) for key, v in (("dims", dims), ("sizes", sizes),
                                         ("widths", widths), ("archs", archs))
            if v is not None}
    with _patched(patch or {}):
        return _run_job(problem_seed, kind, seed, starts, recombine, draw, fit or {})


@contextlib.contextmanager
def _patched(patch):
    """Set exactfit's private constants (``--set``) for one job, then restore them: a
    joblib worker runs jobs of one run only, but the main process runs --n-jobs 1's."""
    old = []
    try:
        for name, value in patch.items():
            module, attr = name.rsplit(".", 1)
            mod = importlib.import_module(module)
            old.append((mod, attr, getattr(mod, attr)))
            setattr(mod, attr, value)
        yield
    finally:
        for mod, attr, value in reversed(old):
            setattr(mod, attr, value)


def _run_job(problem_seed, kind, seed, starts, recombine, draw, fit):
    p = make_problem(problem_seed, **draw)
    X, y, k = p["X"], p["y"], p["hidden"]
    if kind == "exact":
        return _exact_job(problem_seed, X, y, k, draw)
    kw = dict(X=X, y=y, hidden=k, random_state=seed, **p["fit"])
    if kind == "long":
        kw.update(n_restarts=starts, max_restarts=starts, confirm=10 ** 6)
    else:  # the calls only: the long searches stay the reference's
        kw.update(fit)
        if not recombine:
            kw.update(recombine=False)
    res, meta = _call(exactfit.fit_global, kw)
    # the problem's own loss (MSE unless --archs drew "mae"), of the returned network
    return {"problem": problem_seed, "kind": kind, "seed": int(seed),
            "loss": float(exactfit.loss(res.network, X, y, p["loss"])),
            "stated": float(res.loss), "confirmed": bool(res.confirmed),
            "evidence": str(res.evidence),
            "n_starts": int(res.get("n_starts", 0)),
            "missable_share": float(res.get("missable_share", 0.0)),
            "stop_reason": str(res.get("stop_reason")),
            # what the stopping rule saw, start by start (replayable: see replay())
            "start_minima": [float(v) for v in res.get("start_minima", [])],
            "start_minimum_ids": [int(v) for v in res.get("start_minimum_ids", [])],
            "start_kinds": [str(v) for v in res.get("start_kinds", [])],
            "n_recombined": int(res.get("n_recombined", 0)),
            "improved_by_recombination": bool(res.get("improved_by_recombination", False)),
            **({"fit": fit} if fit and kind == "call" else {}), **draw, **meta}


def _exact_job(problem_seed, X, y, k, draw):
    """The certified optimum of a 1- or 2-input problem (--exact), as a record."""
    from threadpoolctl import threadpool_limits

    certify = exactfit.certify.exact_1d if X.shape[1] == 1 else exactfit.certify.exact_2d
    t = time.perf_counter()
    with threadpool_limits(1):
        res = certify(X[:, 0] if X.shape[1] == 1 else X, y, hidden=k)
    return {"problem": problem_seed, "kind": "exact", "seed": 0,
            "loss": float(exactfit.mse(res.network, X, y)), "stated": float(res.loss),
            "confirmed": res.evidence == "certified", "evidence": str(res.evidence),
            "n_starts": 0, "start_minima": [], "start_minimum_ids": [], "start_kinds": [],
            "n_recombined": 0, "improved_by_recombination": False,
            # the certificate's claim: no network below optimum - tolerance (1e-9 var(y))
            "optimum": float(res.optimum), "tolerance": float(res.tolerance),
            "time": time.perf_counter() - t, **draw}


def _seeds(args):
    seeds = [args.seed + i for i in range(args.problems)]
    return [s for s in seeds if s in args.only] if args.only else seeds


def jobs_for(args):
    out = []
    draw = (args.dims, args.sizes, args.widths, args.archs, args.fit, args.set)
    for ps in _seeds(args):
        out += [(ps, "exact", 0, 0, True, *draw)] if args.exact else []
        out += [(ps, "long", 10 ** 6 + j, args.starts, True, *draw)
                for j in range(args.long)]
        out += [(ps, "call", j, args.starts, not args.no_recombine, *draw)
                for j in range(args.calls)]
    return out


def _key(job):
    return f"{job[0]}/{job[1]}/{job[2]}"


# --------------------------------------------------------------------- report

def summarise(args, records, reference=None):
    """Per-problem rows; the best-known also counts the records of `reference` (another
    run on the same problems, e.g. an A/B twin), if given."""
    reference = reference or {}
    rows = []
    for ps in _seeds(args):
        p = make_problem(ps, args.dims, args.sizes, args.widths, args.archs)
        recs = [r for r in records.values() if r["problem"] == ps]
        calls = [r for r in recs if r["kind"] == "call"]
        if not calls:
            continue
        var_y, zero = float(np.var(p["y"])), zero_loss(p)
        others = [r["loss"] for r in reference.values() if r["problem"] == ps]
        best = min([r["loss"] for r in recs] + others)
        certified = any(r["evidence"] == "certified" for r in recs)
        exact = [r for r in recs if r["kind"] == "exact"]

        def hit(r):
            return r["loss"] <= best * (1 + RTOL) or r["loss"] <= zero
        hits = [hit(r) for r in calls]
        rows.append(dict(
            name=p["name"], best=best, best_by=("certificate" if certified else
                                                "long search or a call"),
            n_calls=len(calls), hits=int(sum(hits)),
            confirmed_misses=sum(r["confirmed"] and not h for r, h in zip(calls, hits)),
            warned_misses=sum(not r["confirmed"] and not h for r, h in zip(calls, hits)),
            warned_hits=sum(not r["confirmed"] and h for r, h in zip(calls, hits)),
            worst=max(r["loss"] / best if best > zero else
                      r["loss"] / (var_y if p["loss"] == "mse" else np.sqrt(var_y))
                      for r in calls),
            long_hit=[hit(r) for r in recs if r["kind"] == "long"],
            # a record below the certificate's claim (optimum - tolerance) would be a bug of
            # one of them; within the tolerance a search may end below the enumeration's
            # own network (its NNLS solves' round-off)
            # (records of stop 30's first run lack the two fields: its network's loss and
            # exact_2d's tolerance, 1e-9 var(y))
            below_certificate=(sum(r["loss"] < exact[0].get("optimum", exact[0]["loss"])
                                   - exact[0].get("tolerance", 1e-9 * var_y)
                                   for r in recs) if exact else None),
            median_time=float(np.median([r["time"] for r in calls])),
            median_starts=float(np.median([r["n_starts"] for r in calls])),
            # None: the records predate the field
            improved_by_recombination=(sum(r["improved_by_recombination"] for r in calls)
                                       if all("improved_by_recombination" in r for r in calls)
                                       else None)))
    return rows


def write_report(args, rows, run):
    n = sum(r["n_calls"] for r in rows)
    hits = sum(r["hits"] for r in rows)
    cm = sum(r["confirmed_misses"] for r in rows)
    wm = sum(r["warned_misses"] for r in rows)
    wh = sum(r["warned_hits"] for r in rows)
    lo, hi = wilson_interval(hits, n) if n else (np.nan, np.nan)
    all_hit = sum(r["hits"] == r["n_calls"] for r in rows)
    recorded = [r["improved_by_recombination"] for r in rows
                if r.get("improved_by_recombination") is not None]
    by_rec = sum(recorded) if len(recorded) == len(rows) else None
    summary = dict(problems=len(rows), calls=n, hits=hits, hit_interval=[lo, hi],
                   problems_all_hit=all_hit, confirmed_misses=cm, warned_misses=wm,
                   warned_hits=wh, improved_by_recombination=by_rec)
    if args.exact:
        summary["below_certificate"] = sum(r["below_certificate"] or 0 for r in rows)
    write_json(os.path.join(args.results, f"{args.name}.json"),
               dict(run=run, summary=summary, rows=rows))
    lines = [
        "# fit_global on fresh random problems (`benchmarks/fresh.py`)", "",
        f"Run: `{run['command']}` on {run['date']}, commit {run['commit']}, "
        f"{run['machine']['cpus']} CPUs ({run['machine']['platform']}); "
        + (f"{run['wall_s'] / 60:.1f} min wall for this run's jobs." if run.get("jobs", 1)
           else "no job ran: the report was rewritten from the checkpoint"
           + (f"; its jobs ran as `{run['measured']['command']}` on "
              f"{run['measured']['date']}, commit {run['measured']['commit']}"
              if run.get("measured") else "") + "."), "",
        "Best-known per problem: the lowest loss of "
        + (f"{args.long} long search(es) of {args.starts} starts each and of " if args.long
           else "")
        + "every default call"
        + (" and the certified optimum of certify.exact_1d / exact_2d (`--exact`)"
           if args.exact else "")
        + (f" of this run and of every record (long searches and calls) of run(s) "
           f"{', '.join(args.reference)}" if args.reference else "")
        + (" (calls with recombine=False)" if args.no_recombine else "")
        + (f" (calls with {', '.join(f'{k}={v!r}' for k, v in args.fit.items())})"
           if args.fit else "")
        + (f" (every job with {', '.join(f'{k} = {v!r}' for k, v in args.set.items())}: "
           f"an experiment on exactfit's private constants, `--set`)" if args.set else "")
        + f". A call hits within "
        f"{RTOL:g} relative of it (MSE <= {ZERO_TOL:g} var(y) where that is ~0"
        + (f"; MAE <= {np.sqrt(ZERO_TOL):g} std(y)" if args.archs and "mae" in args.archs
           else "") + ")."
        + (f" Architectures drawn from: {', '.join(args.archs)} (`--archs`; the name's "
           f"last part says which, none for relu; a loss is the problem's own, MAE for "
           f"mae)." if args.archs else ""), "",
        f"**{hits} of {n} default calls hit ({100 * hits / max(n, 1):.1f}%, Wilson 95% "
        f"[{100 * lo:.1f}, {100 * hi:.1f}]); every call hit on {all_hit} of {len(rows)} "
        f"problems. Misses: {cm} said CONFIRMED, {wm} warned. Warned hits (false "
        f"alarms): {wh}.** Calls whose best came from a recombination of the minima's "
        f"units: {'not recorded' if by_rec is None else by_rec}.", "",
        "| problem | best-known | by | hits | confirmed misses | warned misses | "
        "warned hits | worst / best | long searches hit | median s/call | median starts |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['best']:.6g} | {r['best_by']} | {r['hits']}/{r['n_calls']} "
            f"| {r['confirmed_misses']} | {r['warned_misses']} | {r['warned_hits']} "
            f"| {r['worst']:.4g} | {sum(r['long_hit'])}/{len(r['long_hit'])} "
            f"| {r['median_time']:.2f} | {r['median_starts']:.0f} |")
    if args.exact:
        lines += ["", f"Records (calls, long searches) below a certificate's claim (its "
                      f"optimum minus its tolerance, 1e-9 var(y)): "
                      f"{summary['below_certificate']}."]
    atomic_write(os.path.join(args.results, f"{args.name}.md"), "\n".join(lines) + "\n")
    return summary


# --------------------------------------------------------------------- replay

def replay_rule(minima, ids, confirm=5, n_min=3, coverage=True, rtol=1e-4, ruled=None):
    """Where a stopping rule would have stopped on a sequence of start minima.

    `minima`, `ids`: a search's ``start_minima`` and ``start_minimum_ids`` (what its
    stopping rule saw, start by start). The rule: at least `n_min` starts, `confirm` of
    them at the best so far (within `rtol`), and, with `coverage`, the Good-Turing
    chance of a new minimum (classes seen once, the best's classes merged) at most the
    best's share. `ruled` (booleans, one per start; default all True): the starts the
    last two conditions count, as fit_global leaves its grown starts out of them; every
    start counts towards `n_min` and competes for the best. Returns ``(n, best)``:
    starts used and the best among them; ``n`` is None when the rule is not met within
    the sequence.
    """
    minima = np.asarray(minima, float)
    ruled = np.ones(len(minima), bool) if ruled is None else np.asarray(ruled, bool)
    if not ruled.any():  # (as fit_global: when no start is independent, all count)
        ruled = np.ones(len(minima), bool)
    for n in range(1, len(minima) + 1):
        f, c = minima[:n], np.asarray(ids[:n])
        ok = np.isfinite(f)
        if not ok.any():
            continue
        best = f[ok].min()
        at_best = ok & (f <= best * (1 + rtol))
        use = ok & ruled[:n]
        if not use.any():
            use = ok
        reached = int((at_best & use).sum())
        if n < n_min or reached < confirm:
            continue
        if coverage:
            others = c[use & ~at_best]
            _, counts = np.unique(others, return_counts=True)
            singles = int(np.sum(counts == 1)) + (reached == 1)
            if singles / use.sum() > reached / use.sum():
                continue
        return n, best
    return None, float(np.nanmin(np.where(np.isfinite(minima), minima, np.nan)))


RULES = {"confirm 5 + coverage, at least 3 starts (fit_global's default before 2026-11-30)": {},
         "confirm 5 + coverage, at least 10 starts": dict(n_min=10),
         "confirm 5 + coverage, at least 20 starts": dict(n_min=20),
         "confirm 5 + coverage, at least 30 starts": dict(n_min=30),
         "confirm 5 + coverage, at least 40 starts": dict(n_min=40),
         "confirm 5, no coverage, at least 30 starts": dict(n_min=30, coverage=False),
         "confirm 10 + coverage, at least 3 starts": dict(confirm=10),
         "confirm 5 + coverage, at least 29 starts, every start counted (fit_global's "
         "default before stop 21)": dict(n_min=29),
         "confirm 5 + coverage, at least 29 starts, grown starts left out of the counts "
         "(fit_global's default)": dict(n_min=29, grown_out=True),
         # fewest starts for which a basin drawing 6.5%, 5% or 4% of the starts is
         # reached with probability 95%
         "the same, at least 45 starts": dict(n_min=45, grown_out=True),
         "the same, at least 59 starts": dict(n_min=59, grown_out=True),
         "the same, at least 74 starts": dict(n_min=74, grown_out=True)}
# Runs drawn before the "wide" start kind (commit f178524): their long searches cycled
# ("spread", "data", "grow", "random", "grow") at every input dimension. Later runs
# record each start's kind ("start_kinds"); for the runs between, it follows from the
# input dimension (fit_global's "auto" cycle).
_PRE_WIDE_RUNS = frozenset({"fresh", "fresh_1d", "fresh_third", "fresh_third_norecombine",
                            "fresh_validation", "fresh_validation_recombine",
                            "fresh_fourth", "fresh_fifth"})


def start_kinds(record, run):
    """The kind of each counted start of a long search (see _PRE_WIDE_RUNS)."""
    if record.get("start_kinds"):
        return list(record["start_kinds"])
    from exactfit.search._fit_global import _AUTO_MOVES, _AUTO_WIDE, _WIDE_MIN_INPUTS
    d = make_problem(record["problem"], **_draw(record))["X"].shape[1]
    cycle = (_AUTO_WIDE if d >= _WIDE_MIN_INPUTS and run not in _PRE_WIDE_RUNS
             else _AUTO_MOVES)
    return [cycle[j % len(cycle)] for j in range(len(record["start_minima"]))]


def replay(args, records, n_orders=200):
    """Replay stopping rules on the long searches' start sequences, in random orders.

    `records`: ``{run name: {key: record}}``. Each long search's starts are independent
    draws (up to the incumbent the moves compare with), so shuffling their order gives
    other searches of the same problem. A problem's best-known is the lowest loss of
    every record of it, in every run given; a long search that appears in two runs
    (the same problem, seed and starts: an A/B twin's copy) is replayed once. Per rule:
    the share of replays that stop with a best within RTOL of the problem's best-known,
    the share that stop confirmed but miss, and the mean starts used.
    """
    rs = np.random.RandomState(0)
    out = {name: dict(hits=0, confirmed_misses=0, unconfirmed=0, starts=0, n=0)
           for name in RULES}
    best = {}
    for recs in records.values():
        for r in recs.values():
            best[r["problem"]] = min(best.get(r["problem"], np.inf), r["loss"])
    seen, n_searches, shares = set(), 0, {}
    for run, recs in records.items():
        for r in recs.values():
            if r["kind"] != "long" or not r.get("start_minima"):
                continue
            key = (r["problem"], r["seed"], tuple(r["start_minima"]))
            if key in seen:
                continue
            seen.add(key)
            n_searches += 1
            scale = r["loss"] / min(v for v in r["start_minima"])  # search sample -> data
            m, c = np.array(r["start_minima"]), np.array(r["start_minimum_ids"])
            kinds = np.array(start_kinds(r, run))
            ruled = kinds != "grow"
            at = np.isfinite(m) & (m <= np.nanmin(np.where(np.isfinite(m), m, np.nan))
                                   * (1 + 1e-4))
            for k in np.unique(kinds):  # the share of each kind's starts at the search's best
                shares.setdefault(str(k), []).append(float(at[kinds == k].mean()))
            for _ in range(n_orders):
                order = rs.permutation(len(m))
                for name, kw in RULES.items():
                    kw = dict(kw)
                    mask = ruled[order] if kw.pop("grown_out", False) else None
                    n, b = replay_rule(m[order], c[order], ruled=mask, **kw)
                    hit = b * scale <= best[r["problem"]] * (1 + RTOL)
                    o = out[name]
                    o["n"] += 1
                    o["hits"] += hit
                    o["starts"] += n if n is not None else len(m)
                    o["unconfirmed"] += n is None
                    o["confirmed_misses"] += (n is not None) and not hit
    return out, n_searches, shares


def write_replay(args, out, runs):
    out, n_searches, shares = out
    lines = ["# Stopping rules replayed on the long searches of `benchmarks/fresh.py`", "",
             f"`python benchmarks/fresh.py --replay --name {args.name}"
             + (f" --replay-runs {' '.join(args.replay_runs)}" if args.replay_runs else "")
             + f"` on {today()}: the {n_searches} distinct long searches of run(s) "
             f"{', '.join(runs)}, each's starts shuffled 200 times; a problem's best-known "
             "is the lowest loss of any record of it in those runs. Per rule: replays whose "
             f"best is within {RTOL:g} of the best-known, replays that stopped CONFIRMED on "
             "a miss, replays whose rule was not met within the starts (a call would go on "
             "to its budget, and warn), and mean starts used. Start kinds: recorded, or "
             "fit_global's cycle at the time of the run (`start_kinds`).", "",
             "| rule | replays | hit | confirmed misses | not met | mean starts |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, o in out.items():
        n = max(o["n"], 1)
        lines.append(f"| {name} | {o['n']} | {100 * o['hits'] / n:.1f}% | "
                     f"{o['confirmed_misses']} ({100 * o['confirmed_misses'] / n:.1f}%) | "
                     f"{o['unconfirmed']} ({100 * o['unconfirmed'] / n:.1f}%) | "
                     f"{o['starts'] / n:.1f} |")
    lines += ["", "Share of each kind's starts that ended at their long search's best "
              "(within 1e-4), over the searches:", "",
              "| kind | searches | median | mean | searches at 0 | searches >= 0.9 |",
              "|---|---:|---:|---:|---:|---:|"]
    for kind, v in sorted(shares.items()):
        v = np.array(v)
        lines.append(f"| {kind} | {len(v)} | {np.median(v):.2f} | {v.mean():.2f} | "
                     f"{int(np.sum(v == 0))} | {int(np.sum(v >= 0.9))} |")
    atomic_write(os.path.join(args.results, f"{args.name}_replay.md"),
                 "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


# --------------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--problems", type=int, default=24, help="problems drawn (default 24)")
    p.add_argument("--seed", type=int, default=9000, help="seed of the first problem")
    p.add_argument("--calls", type=int, default=5, help="default calls per problem")
    p.add_argument("--long", type=int, default=2, help="long searches per problem")
    p.add_argument("--starts", type=int, default=100, help="starts of a long search")
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--dims", type=int, nargs="+", metavar="D",
                   help="input dimensions to draw the problems from (default 1 2 2 3); "
                        "another list draws other problems from the same seeds")
    p.add_argument("--sizes", type=int, nargs=2, metavar=("LO", "HI"),
                   help="sample sizes to draw from, log uniform (default 150 2500)")
    p.add_argument("--widths", type=int, nargs="+", metavar="K",
                   help="widths to draw from (default 2 to 5, 2 to 6 in 1-D)")
    p.add_argument("--archs", nargs="+", metavar="ARCH", choices=ARCHS,
                   help="architectures to draw from (default relu only: one hidden ReLU "
                        "layer, MSE): " + ", ".join(ARCHS) + "; drawn from a stream of "
                        "their own (the data and width stay the default draw's)")
    p.add_argument("--exact", action="store_true",
                   help="also certify each problem's optimum by certify.exact_1d / "
                        "exact_2d (1 or 2 inputs; choose --sizes and --widths it can "
                        "enumerate): the best-known is then the certified optimum")
    p.add_argument("--only", type=int, nargs="+", metavar="SEED",
                   help="only these problems (their seeds, within the range drawn)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--replay", action="store_true",
                   help="run nothing: replay stopping rules on the checkpointed long "
                        "searches (writes fresh_replay.md)")
    p.add_argument("--replay-runs", metavar="NAME", nargs="+",
                   help="with --replay: pool the long searches of these runs (their "
                        "checkpoints, whatever their settings) instead of --name's")
    p.add_argument("--results", default=RESULTS, help=argparse.SUPPRESS)
    p.add_argument("--name", default="fresh",
                   help="stem of the files written in benchmarks/results (default fresh)")
    p.add_argument("--no-recombine", action="store_true",
                   help="default calls with recombine=False (an A/B twin of a run; the "
                        "long searches are unchanged)")
    p.add_argument("--fit", metavar="KEY=VALUE", nargs="+", default=[],
                   help="options of fit_global for the default calls (not the long "
                        "searches), VALUE a Python literal: --fit max_restarts=60")
    p.add_argument("--set", metavar="MODULE.NAME=VALUE", nargs="+", default=[],
                   help="for experiments: set a constant of exactfit in every job "
                        "(long searches too), VALUE a Python literal: --set "
                        "exactfit.search._layerwise._REDRAWS=16; refused for a constant "
                        "the code copies at import (a default argument, an import by "
                        "name), which setting it would not reach")
    p.add_argument("--reference", metavar="NAME", nargs="+",
                   help="also count the records of runs NAME (their checkpoints) in each "
                        "problem's best-known: both twins of an A/B judged alike")
    args = p.parse_args(argv)
    for name in ("problems", "calls", "long", "starts", "n_jobs"):
        if getattr(args, name) < (0 if name == "long" else 1):
            p.error(f"--{name.replace('_', '-')} must be at least "
                    f"{0 if name == 'long' else 1}; got {getattr(args, name)}")
    if args.dims is not None and min(args.dims) < 1:
        p.error(f"--dims must be positive integers; got {args.dims}")
    if args.sizes is not None and not 1 <= args.sizes[0] <= args.sizes[1]:
        p.error(f"--sizes needs 1 <= LO <= HI; got {args.sizes}")
    if args.widths is not None and min(args.widths) < 1:
        p.error(f"--widths must be positive integers; got {args.widths}")
    if args.exact and (args.dims is None or max(args.dims) > 2):
        p.error("--exact needs --dims 1 and/or 2 (the enumerations certify 1 or 2 inputs)")
    if args.exact and args.archs and set(args.archs) != {"relu"}:
        p.error("--exact certifies one hidden ReLU layer with MSE only: --archs relu")
    args.fit = _pairs(p, "--fit", args.fit)
    args.set = _pairs(p, "--set", args.set)
    for key in args.fit:
        if key in ("X", "y", "hidden", "random_state"):
            p.error(f"--fit {key}: the problem and the call's seed set it")
    for name in args.set:
        module, _, attr = name.rpartition(".")
        if not module.startswith("exactfit"):
            p.error(f"--set {name}: expected a name inside exactfit (MODULE.NAME)")
        try:
            getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            p.error(f"--set {name}: no such name in exactfit")
        bound = _bound_copies(module, attr)
        if bound:
            p.error(f"--set {name}: {bound[0]} keeps its own copy of {attr}, made at "
                    f"import, which --set would not change (read it at call time first)")
    return args


def _bound_copies(module, attr):
    """Where exactfit's code holds a copy of the constant `module`.`attr` that setting it
    on its module would not reach: a default argument of a function of `module` (bound
    when the function is defined), or a ``from module import attr`` elsewhere."""
    root = os.path.dirname(os.path.abspath(exactfit.__file__))
    out = []
    for folder, _, files in os.walk(root):
        for file in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, file)
            parts = os.path.relpath(path[:-3], os.path.dirname(root)).split(os.sep)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            package = name if parts[-1] == "__init__" else name.rpartition(".")[0]
            with open(path, encoding="utf-8") as fh:
                tree = ast.parse(fh.read())
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and name == module:
                    defaults = node.args.defaults + [d for d in node.args.kw_defaults if d]
                    if any(isinstance(d, ast.Name) and d.id == attr for d in defaults):
                        out.append(f"{name}.{node.name}() (a default argument)")
                elif isinstance(node, ast.ImportFrom) and any(a.name == attr
                                                              for a in node.names):
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    source = (".".join(base + ([node.module] if node.module else []))
                              if node.level else node.module)
                    if source == module:
                        out.append(f"{name} (its import)")
    return out


def _pairs(p, option, items):
    """KEY=VALUE strings as a dict, each VALUE a Python literal."""
    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key:
            p.error(f"{option} expects KEY=VALUE; got {item!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            p.error(f"{option} {key}: VALUE must be a Python literal; got {value!r}")
    return out


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.results, exist_ok=True)
    ckpt = os.path.join(args.results, f"{args.name}_checkpoint.json")
    records = {}
    settings = {k: getattr(args, k) for k in ("problems", "seed", "calls", "long", "starts")}
    if args.only:
        settings["only"] = sorted(args.only)
    for key in ("dims", "sizes", "widths", "archs"):
        if getattr(args, key) is not None:
            settings[key] = list(getattr(args, key))
    if args.exact:
        settings["exact"] = True
    if args.no_recombine:
        settings["recombine"] = False
    if args.fit:
        settings["fit"] = dict(args.fit)
    if args.set:
        settings["set"] = dict(args.set)
    reference = {}
    for name in args.reference or []:
        ref = os.path.join(args.results, f"{name}_checkpoint.json")
        if not os.path.exists(ref):
            raise SystemExit(f"--reference: no checkpoint {ref}")
        reference.update({f"{name}:{key}": rec for key, rec in
                          read_json(ref, {}).get("records", {}).items()})
    if args.replay_runs and not args.replay:
        raise SystemExit("--replay-runs needs --replay.")
    if args.replay:
        if args.replay_runs:
            pooled = {}
            for name in args.replay_runs:
                path = os.path.join(args.results, f"{name}_checkpoint.json")
                if not os.path.exists(path):
                    raise SystemExit(f"--replay-runs: no checkpoint {path}")
                pooled[name] = read_json(path, {}).get("records", {})
            return write_replay(args, replay(args, pooled), args.replay_runs)
        state = read_json(ckpt, {})
        if state.get("settings") != settings:
            raise SystemExit(f"--replay: {ckpt} holds no run with these settings.")
        return write_replay(args, replay(args, {args.name: state["records"]}), [args.name])
    if args.resume:
        state = read_json(ckpt, {})
        if state.get("settings") == settings:
            records = state.get("records", {})
    todo = [j for j in jobs_for(args) if _key(j) not in records]
    t0 = time.perf_counter()
    commit = git_commit()  # the code that runs (read before, not after: it may change)
    bar = tqdm(total=len(todo), desc="fresh", disable=None)
    try:
        # Jobs return in order (joblib's generator), each checkpointed as it comes.
        out = Parallel(n_jobs=args.n_jobs, return_as="generator")(
            delayed(_job)(*j) for j in todo)
        for job, rec in zip(todo, out):
            records[_key(job)] = rec
            write_json(ckpt, dict(settings=settings, records=records))
            bar.update()
    except KeyboardInterrupt:
        print("interrupted: rerun with --resume to continue", file=sys.stderr)
        return 130
    finally:
        bar.close()
    run = dict(command="python benchmarks/fresh.py " + " ".join(argv or sys.argv[1:]),
               date=today(), commit=commit, machine=machine(),
               wall_s=time.perf_counter() - t0, jobs=len(todo))
    if not todo:  # a rewrite: say which run (and code) the records come from
        last = read_json(os.path.join(args.results, f"{args.name}.json"), {}).get("run", {})
        measured = last.get("measured") or (last if last.get("jobs") else None)
        if measured:
            run["measured"] = {k: measured[k] for k in ("command", "date", "commit")}
    summary = write_report(args, summarise(args, records, reference), run)
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

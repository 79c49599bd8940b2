"""Costs of the safety nets of issue 10, measured side by side in one run.

1. ``diagnose``: the blocked matrix products that find collapsed unit pairs,
   against the former pair-by-pair Python loop (same pairs), at 1000 to 10000
   units.
2. Checkpoints: ``benchmark(..., checkpoint=path)`` (every finished run written
   atomically) against the same benchmark without one, interleaved.

Writes ``benchmarks/results/faults.json`` and ``faults.md``.

    python benchmarks/faults.py            # about 2 minutes on an idle 2-core machine
    python benchmarks/faults.py --quick    # smaller sizes, seconds
"""

import argparse
import functools
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import exactfit
from exactfit.diagnose import _collapsed_pairs

RESULTS = Path(__file__).resolve().parent / "results"


def pair_loop(V, cosine):
    """The former implementation: a Python loop over unit pairs."""
    norms = np.linalg.norm(V, axis=1)
    Vn = V / np.where(norms > 0, norms, 1.0)[:, None]
    C = Vn @ Vn.T
    out = []
    for i in range(len(V)):
        for j in range(i + 1, len(V)):
            if norms[i] > 0 and norms[j] > 0 and C[i, j] >= cosine:
                out.append((i, j))
    return out


def time_diagnose(widths, rounds):
    rows = []
    rs = np.random.RandomState(0)
    for h in widths:
        V = rs.normal(size=(h, 3))
        best = {"blocked": np.inf, "loop": np.inf}
        for _ in range(rounds):
            for name, fn in (("blocked", _collapsed_pairs), ("loop", pair_loop)):
                t0 = time.perf_counter()
                pairs = fn(V, 0.99)
                best[name] = min(best[name], time.perf_counter() - t0)
                if name == "blocked":
                    want = len(pairs)
                else:
                    assert len(pairs) == want
        rows.append({"units": h, "pairs": want, "blocked_s": best["blocked"],
                     "loop_s": best["loop"], "speedup": best["loop"] / best["blocked"]})
        print(rows[-1], flush=True)
    return rows


def time_checkpoint(n_runs, rounds):
    task = exactfit.tasks.euclid(300, random_state=0)
    methods = [exactfit.Method("adam", functools.partial(exactfit.train_gd, hidden=3,
                                                         optimizer="adam", max_iter=200))]
    best = {"plain": np.inf, "checkpoint": np.inf}
    size = 0
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(rounds):
            for name in ("plain", "checkpoint"):
                path = os.path.join(folder, f"run{r}.json") if name == "checkpoint" else None
                t0 = time.perf_counter()
                exactfit.benchmark(task, methods=methods, n_runs=n_runs, progress=False,
                                   checkpoint=path)
                best[name] = min(best[name], time.perf_counter() - t0)
                if path:
                    size = os.path.getsize(path)
    out = {"runs": n_runs, "plain_s": best["plain"], "checkpoint_s": best["checkpoint"],
           "overhead": best["checkpoint"] / best["plain"] - 1, "file_bytes": size}
    print(out, flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for faults.json/.md")
    args = parser.parse_args()
    widths = (300, 1000) if args.quick else (1000, 3000, 10000)
    diag = time_diagnose(widths, rounds=1 if args.quick else 2)
    ckpt = time_checkpoint(n_runs=5 if args.quick else 30, rounds=1 if args.quick else 3)
    meta = {"machine": platform.platform(), "cpus": os.cpu_count(),
            "load": os.getloadavg()[0], "quick": args.quick}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "faults.json").write_text(json.dumps({"diagnose": diag, "checkpoint": ckpt,
                                                 "meta": meta}, indent=1))
    lines = ["| units | collapsed pairs | blocked [s] | pair loop [s] | speed-up |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['units']} | {r['pairs']} | {r['blocked_s']:.3g} | {r['loop_s']:.3g} | "
              f"{r['speedup']:.0f}x |" for r in diag]
    lines += ["", "| benchmark runs | without checkpoint [s] | with checkpoint [s] | overhead | "
                  "file |", "|---|---|---|---|---|",
              f"| {ckpt['runs']} | {ckpt['plain_s']:.3g} | {ckpt['checkpoint_s']:.3g} | "
              f"{ckpt['overhead']:+.1%} | {ckpt['file_bytes'] / 1e6:.2f} MB |", "",
              f"Best of the rounds, measured side by side; {meta['machine']}, "
              f"{meta['cpus']} CPUs, load average {meta['load']:.1f} at the end."]
    (out / "faults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""One row of Safran & Shamir's table over several seed sets: pooled rate and homogeneity.

Reads ``benchmarks/results/teacher_student.json`` (seed 0) and the files written by
``python benchmarks/teacher_student.py --rows K-N --seed S --out
benchmarks/results/teacher_student_K-N_seedS.json``, and prints each sample's stuck
count, the pooled rate with its Wilson interval, Fisher's exact test of the pooled
count against theirs, and a chi-square test that the samples share one rate (a small
p says they differ more than binomial sampling explains).

Run: ``python benchmarks/teacher_student_replicates.py --row 14-15`` (``--exclude 0``:
without the seed set whose count led to the reruns).
"""

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import stats

from exactfit.bench import wilson_interval

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--row", default="14-15", help="k-n")
    p.add_argument("--exclude", type=int, nargs="+", default=[], metavar="SEED",
                   help="leave these seed sets out of the pooled rate and the tests, e.g. "
                        "the one whose surprising count led to the reruns (a test that "
                        "includes it is biased towards finding a difference)")
    args = p.parse_args(argv)
    k, n = (int(v) for v in args.row.split("-"))
    files = [RESULTS / "teacher_student.json"] + sorted(
        RESULTS.glob(f"teacher_student_{k}-{n}_seed*.json"))
    counts = []
    for f in files:
        data = json.loads(f.read_text())
        rows = [r for r in data["gd_rows"].values() if r["k"] == k and r["n"] == n]
        if rows:
            r = rows[0]
            seed = data["meta"]["settings"]["seed"]
            if seed not in args.exclude:
                counts.append((seed, r["stuck"], r["runs"]))
            theirs = (r.get("paper_stuck"), r.get("paper_runs"))
    for seed, stuck, runs in counts:
        print(f"seed {seed}: {stuck} / {runs} stuck")
    stuck = sum(c[1] for c in counts)
    runs = sum(c[2] for c in counts)
    lo, hi = wilson_interval(stuck, runs)
    print(f"pooled: {stuck} / {runs} = {stuck / runs:.4f} [{lo:.3f}, {hi:.3f}]")
    if theirs[0] is not None:
        p_f = stats.fisher_exact([[stuck, runs - stuck],
                                  [theirs[0], theirs[1] - theirs[0]]]).pvalue
        print(f"theirs: {theirs[0]} / {theirs[1]}; Fisher p of the pooled count: {p_f:.2g}")
    if len(counts) > 1:
        table = np.array([[s, r - s] for _, s, r in counts])
        chi2, p_h = stats.chi2_contingency(table)[:2]
        print(f"homogeneity of the {len(counts)} samples: chi-square {chi2:.1f}, p = {p_h:.2g}")


if __name__ == "__main__":
    main()

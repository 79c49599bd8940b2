"""How often one random redraw of a unit (:func:`exactfit.search._moves.redrawn`) takes
p10404's missed minimum to its best-known, unit by unit.

p10404 is problem 10404 of ``benchmarks/fresh.py`` (2125 points in a triangle, 3 units);
its miss is the minimum of a ``recombine=False`` call with ``random_state=1`` (1.296x the
best-known 0.094957). Each unit gets ``--draws`` redraws, each settled by L-BFGS.

Writes benchmarks/results/redraw_rate.json and .md.

    python benchmarks/redraw_rate.py [--draws 60]
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import exactfit  # noqa: E402
from exactfit.search._local import Problem  # noqa: E402
from exactfit.search._moves import redrawn  # noqa: E402
from exactfit.search._scaling import Scaling  # noqa: E402
from fresh import make_problem  # noqa: E402
from reliability import RESULTS, atomic_write, git_commit, machine, today  # noqa: E402

BEST_KNOWN = 0.094957


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=60, help="redraws per unit")
    args = p.parse_args(argv)
    prob = make_problem(10404)
    X, y, k = prob["X"], prob["y"][:, None], prob["hidden"]
    miss = exactfit.fit_global(X, y[:, 0], hidden=k, recombine=False, random_state=1)
    sc = Scaling(X, y)
    problem = Problem(sc.X(X), sc.Y(y), (2, k, 1), "relu", "linear", "mse", 15000)
    theta = sc.to_search(miss.network.to_flat(), problem.sizes)
    starts = redrawn(problem, theta, np.random.RandomState(0), per_unit=args.draws)
    ratios = [problem.local(t)[1] * sc.sy ** 2 / BEST_KNOWN for t in starts]
    rows = [{"unit": u, "draws": args.draws,
             "hits": int(sum(r <= 1 + 1e-3 for r in ratios[u * args.draws:(u + 1) * args.draws]))}
            for u in range(k)]
    out = {"command": "python benchmarks/redraw_rate.py --draws %d" % args.draws,
           "date": today(), "commit": git_commit(), "machine": machine(),
           "miss_ratio": miss.loss / BEST_KNOWN, "rows": rows}
    md = ["# Redraws out of p10404's miss (`benchmarks/redraw_rate.py`)", "",
          f"`{out['command']}` on {out['date']}, commit {out['commit']}. The miss: "
          f"{out['miss_ratio']:.4f}x the best-known {BEST_KNOWN}. A hit: settled within "
          "1e-3 of it.", "", "| unit | draws | hits |", "|---:|---:|---:|"]
    md += [f"| {r['unit']} | {r['draws']} | {r['hits']} |" for r in rows]
    atomic_write(Path(RESULTS) / "redraw_rate.json", json.dumps(out, indent=1))
    atomic_write(Path(RESULTS) / "redraw_rate.md", "\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()

"""benchmarks/exact_estimate.py: a quick run writes its table, and the estimate it reports
is the one fit_global decides on. No timing is asserted (times live in its output)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import exact_estimate  # noqa: E402

from exactfit.certify import exact_2d  # noqa: E402
from exactfit.search._exact import _exact_estimate  # noqa: E402


def test_quick_run_writes_json_and_table(tmp_path):
    exact_estimate.main(["--quick", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "exact_estimate.json").read_text())
    rows = report["rows"]
    assert {(r["target"], r["k"]) for r in rows} == {(t, k) for t in ("euclid", "noise")
                                                      for k in (2, 3)}
    for r in rows:
        assert r["evidence"] == "certified" and r["cpu_s"] > 0
        assert r["estimate_s"] == _exact_estimate(r["n"], r["k"], 2)[0]
        # every pattern set the cost formula counts was bounded
        assert r["n_bounds"] == r["n_bounds_formula"]
    X, y = exact_estimate._data(rows[0]["target"], rows[0]["n"])
    assert exact_2d(X, y, hidden=rows[0]["k"]).loss == rows[0]["loss"]
    text = (tmp_path / "exact_estimate.md").read_text()
    assert text.startswith("# fit_global's estimate") and "| euclid | 3 | 10 |" in text

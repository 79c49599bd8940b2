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


def test_fresh_mode_times_the_problems_fresh_draws_with_their_profile(tmp_path):
    from fresh import make_problem

    exact_estimate.main(["--fresh", "11000", "11001", "--sizes", "9", "11", "--widths", "2",
                         "--profile", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "exact_estimate_fresh.json").read_text())
    assert [r["target"] for r in report["rows"]] == [
        make_problem(s, dims=[2], sizes=[9, 11], widths=[2])["name"] for s in (11000, 11001)]
    for r in report["rows"]:
        assert r["evidence"] == "certified" and r["k"] == 2
        shares = r["profile"]
        assert set(shares) == set(exact_estimate.STEPS)
        assert all(0.0 <= v <= 1.0 for v in shares.values())
        assert shares["least-squares bounds"] > 0  # the enumeration ran through them
    p = make_problem(11000, dims=[2], sizes=[9, 11], widths=[2])
    assert exact_2d(p["X"], p["y"], hidden=2).loss == report["rows"][0]["loss"]
    assert (tmp_path / "exact_estimate_fresh.md").read_text().startswith(
        "# fit_global's estimate of the 2-D enumeration's time against its CPU time (fresh")


def test_rescore_recomputes_the_estimates_from_the_current_code(tmp_path):
    exact_estimate.main(["--quick", "--out", str(tmp_path)])
    path = tmp_path / "exact_estimate.json"
    report = json.loads(path.read_text())
    for r in report["rows"]:  # as if measured with other constants
        r["estimate_s"], r["ratio"] = 1e9, 1e9 / r["cpu_s"]
    path.write_text(json.dumps(report))
    exact_estimate.main(["--rescore", "--out", str(tmp_path)])
    rescored = json.loads(path.read_text())
    assert rescored["rescored"]
    for r, old in zip(rescored["rows"], report["rows"]):
        assert r["estimate_s"] == _exact_estimate(r["n"], r["k"], 2)[0]
        assert r["ratio"] == r["estimate_s"] / r["cpu_s"]
        assert r["cpu_s"] == old["cpu_s"]  # measurements untouched
    assert "recomputed by --rescore" in (tmp_path / "exact_estimate.md").read_text()


def _git_head():
    import subprocess

    try:
        return subprocess.run(["git", "-C", exact_estimate.REPO, "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def test_against_times_another_commit_side_by_side_on_the_same_problems(tmp_path):
    import pytest
    from fresh import make_problem

    head = _git_head()
    if head is None:
        pytest.skip("not a git checkout: --against needs the repository's history")
    exact_estimate.main(["--fresh", "11000", "11001", "--sizes", "9", "11", "--widths", "2",
                         "--against", head, "--out", str(tmp_path)])
    report = json.loads((tmp_path / "exact_estimate_fresh.json").read_text())
    assert report["against"] == head
    for r in report["rows"]:
        # the committed enumeration and this tree's certify the same optimum
        assert r["same_loss"] and r["evidence"] == r["old_evidence"] == "certified"
        assert r["speedup"] == r["old_cpu_s"] / r["cpu_s"] > 0
    p = make_problem(11001, dims=[2], sizes=[9, 11], widths=[2])
    assert abs(exact_2d(p["X"], p["y"], hidden=2).loss - report["rows"][1]["loss"]) <= (
        1e-12 * max(report["rows"][1]["loss"], 1e-300))
    assert "Side by side with commit " + head in (
        tmp_path / "exact_estimate_fresh.md").read_text()
    with pytest.raises(SystemExit):
        exact_estimate.main(["--quick", "--against", "no-such-commit-x", "--out",
                             str(tmp_path)])



def test_per_bound_fit_recovers_a_cost_of_that_form_and_needs_three_runs():
    rows = [dict(k=3, n=n, cpu_s=2.0, evidence="certified",
                 us_per_bound=0.2 + 50.0 / (n * n - n + 1)) for n in (12, 20, 30, 40)]
    a, b, runs = exact_estimate.per_bound_fit(rows, 3)
    assert runs == 4 and abs(a - 0.2) < 1e-9 and abs(b - 50.0) < 1e-6
    # runs under a second of CPU, uncertified runs and other widths are left out
    rows[0]["cpu_s"], rows[1]["evidence"] = 0.5, "search"
    assert exact_estimate.per_bound_fit(rows, 3) is None
    assert exact_estimate.per_bound_fit(rows, 2) is None

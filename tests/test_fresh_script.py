"""benchmarks/fresh.py: problems drawn from seeds, a tiny run end to end, rules replayed.

No timing is asserted (times live in the benchmark's own output).
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import fresh  # noqa: E402


def test_problems_are_drawn_from_their_seed_and_vary():
    a, b = fresh.make_problem(9004), fresh.make_problem(9004)
    np.testing.assert_array_equal(a["X"], b["X"])
    np.testing.assert_array_equal(a["y"], b["y"])
    names = [fresh.make_problem(s)["name"] for s in range(9000, 9024)]
    dims = {int(n.split("-d")[1][0]) for n in names}
    assert len(set(names)) == 24 and dims == {1, 2, 3}
    for s in range(9000, 9024):
        p = fresh.make_problem(s)
        assert np.all(np.isfinite(p["X"])) and np.all(np.isfinite(p["y"]))
        assert np.var(p["y"]) > 0 and 150 <= len(p["y"]) <= 2500


def test_dims_draw_other_problems_and_leave_the_default_draw_alone():
    # the default draw is the one every recorded run made (its names are in results/)
    assert fresh.make_problem(9004, fresh.DIMS)["name"] == fresh.make_problem(9004)["name"]
    names = [fresh.make_problem(s, dims=(4, 6))["name"] for s in range(9000, 9012)]
    assert {int(n.split("-d")[1].split("-")[0]) for n in names} == {4, 6}
    p = fresh.make_problem(9003, dims=(5,))
    assert p["X"].shape[1] == 5 and np.all(np.isfinite(p["y"])) and np.var(p["y"]) > 0
    with pytest.raises(SystemExit):
        fresh.parse_args(["--dims", "0"])


def test_sizes_and_widths_replace_their_part_of_the_draw_only():
    base = fresh.make_problem(9005, dims=(2,))
    small = fresh.make_problem(9005, dims=(2,), sizes=(20, 30), widths=(3, 4))
    assert 20 <= len(small["y"]) <= 30 and small["hidden"] in (3, 4)
    # the same distribution as the default draw of that seed (the draws after the size
    # consume a number of values that depends on it)
    assert base["name"].split("-")[2] == small["name"].split("-")[2]
    assert fresh.make_problem(9005, dims=(2,), widths=(3,))["name"].split("-k")[0] == \
        base["name"].split("-k")[0]
    for bad in (["--sizes", "30", "20"], ["--widths", "0"], ["--exact"],
                ["--exact", "--dims", "3"]):
        with pytest.raises(SystemExit):
            fresh.parse_args(bad)


def test_exact_makes_the_certified_optimum_the_best_known(tmp_path):
    args = ["--seed", "9004", "--problems", "2", "--calls", "1", "--long", "0",
            "--dims", "2", "--sizes", "9", "10", "--widths", "2", "--exact",
            "--results", str(tmp_path), "--name", "ex"]
    assert fresh.main(args) == 0
    report = json.loads((tmp_path / "ex.json").read_text())
    ckpt = json.loads((tmp_path / "ex_checkpoint.json").read_text())["records"]
    for ps, row in zip((9004, 9005), report["rows"]):
        exact = ckpt[f"{ps}/exact/0"]
        assert exact["evidence"] == "certified" and exact["sizes"] == [9, 10]
        p = fresh.make_problem(ps, dims=(2,), sizes=(9, 10), widths=(2,))
        assert exact["loss"] == pytest.approx(
            exactfit_certify().exact_2d(p["X"], p["y"], hidden=2).loss, rel=1e-12)
        assert row["best_by"] == "certificate" and row["below_certificate"] == 0
        assert row["best"] <= exact["loss"]
    assert report["summary"]["below_certificate"] == 0
    assert "certify.exact_1d / exact_2d" in (tmp_path / "ex.md").read_text()


def exactfit_certify():
    import exactfit

    return exactfit.certify


def test_replay_stops_where_the_rule_is_met():
    # a popular wrong basin (loss 2) reached first, the better one (1) once, at start 6
    minima, ids = [2.0] * 5 + [1.0] + [2.0] * 10, [0] * 5 + [1] + [0] * 10
    assert fresh.replay_rule(minima, ids) == (5, 2.0)  # the old rule confirms the miss
    n, best = fresh.replay_rule(minima, ids, n_min=10)
    assert n is None and best == 1.0  # with 10 as the fewest it sees the better one


def test_replay_can_leave_grown_starts_out_of_the_counts():
    # a wrong basin (2) reached by 5 grown starts, the better one (1) by an independent
    # start at position 7: counted alike, the grown ones confirm the miss; left out, the
    # rule waits (and every start still counts towards the fewest, n_min)
    minima = [2.0] * 5 + [3.0, 1.0] + [1.0] * 5
    ids = [0] * 5 + [2, 1] + [1] * 5
    ruled = [False] * 5 + [True] * 7
    assert fresh.replay_rule(minima, ids, n_min=6) == (6, 2.0)
    assert fresh.replay_rule(minima, ids, ruled=ruled, n_min=6) == (11, 1.0)
    assert fresh.replay_rule(minima, ids, ruled=ruled, n_min=12) == (12, 1.0)
    # while no start so far is independent, all count (as Minima._ruled in fit_global)
    assert fresh.replay_rule(minima, ids, ruled=ruled) == (5, 2.0)


def test_start_kinds_are_recorded_or_follow_the_cycle_of_the_run():
    rec = {"problem": 9004, "start_minima": [1.0] * 7}
    d = fresh.make_problem(9004)["X"].shape[1]
    assert fresh.start_kinds(rec, "fresh")[:5] == ["spread", "data", "grow", "random", "grow"]
    assert fresh.start_kinds(dict(rec, start_kinds=["wide"] * 7), "fresh") == ["wide"] * 7
    assert len(fresh.start_kinds(rec, "later")) == 7
    assert (fresh.start_kinds(rec, "later")[0] == "wide") == (d >= 3)


def test_tiny_run_writes_its_report_and_replays(tmp_path):
    args = ["--seed", "9004", "--problems", "1", "--calls", "2", "--long", "1",
            "--starts", "4", "--results", str(tmp_path)]
    assert fresh.main(args) == 0
    report = json.loads((tmp_path / "fresh.json").read_text())
    assert report["summary"]["calls"] == 2 and len(report["rows"]) == 1
    row = report["rows"][0]
    assert 0 <= row["hits"] <= 2 and row["worst"] >= 1.0
    assert (tmp_path / "fresh.md").read_text().startswith("# fit_global on fresh")
    ckpt = json.loads((tmp_path / "fresh_checkpoint.json").read_text())
    long = ckpt["records"]["9004/long/1000000"]
    assert len(long["start_minima"]) == long["n_starts"] == 4
    assert long["start_kinds"][:3] == ["spread", "data", "grow"][:len(long["start_kinds"])]
    assert fresh.main(args + ["--replay"]) == 0
    assert "| rule |" in (tmp_path / "fresh_replay.md").read_text()
    # pooled: a run given twice is replayed once
    assert fresh.main(args + ["--replay", "--name", "pooled", "--replay-runs", "fresh",
                              "fresh"]) == 0
    text = (tmp_path / "pooled_replay.md").read_text()
    assert "the 1 distinct long searches" in text and "grown starts left out" in text
    with pytest.raises(SystemExit, match="replay-runs"):
        fresh.main(args + ["--replay", "--replay-runs", "nope"])


def test_an_ab_twin_without_recombination_is_judged_against_both_runs(tmp_path):
    base = ["--seed", "9004", "--problems", "1", "--calls", "2", "--long", "1",
            "--starts", "4", "--results", str(tmp_path)]
    assert fresh.main(base) == 0
    assert fresh.main(base + ["--no-recombine", "--name", "twin", "--reference", "fresh"]) == 0
    ckpt = json.loads((tmp_path / "twin_checkpoint.json").read_text())
    assert ckpt["settings"]["recombine"] is False
    calls = [r for r in ckpt["records"].values() if r["kind"] == "call"]
    assert all(r["n_recombined"] == 0 for r in calls)
    a = json.loads((tmp_path / "fresh_checkpoint.json").read_text())["records"]
    assert any(r["n_recombined"] > 0 for r in a.values() if r["kind"] == "call")
    best = min(r["loss"] for r in list(a.values()) + list(ckpt["records"].values()))
    twin = json.loads((tmp_path / "twin.json").read_text())
    assert twin["rows"][0]["best"] == best
    assert "of run(s) fresh" in (tmp_path / "twin.md").read_text()
    with pytest.raises(SystemExit, match="reference"):
        fresh.main(base + ["--name", "x", "--reference", "nope"])


def test_a_rewritten_report_says_which_run_its_records_come_from(tmp_path):
    args = ["--seed", "9004", "--problems", "1", "--calls", "1", "--long", "0",
            "--results", str(tmp_path)]
    assert fresh.main(args) == 0
    measured = json.loads((tmp_path / "fresh.json").read_text())["run"]
    assert measured["jobs"] == 1
    for _ in range(2):  # a rewrite of a rewrite still names the run that measured
        assert fresh.main(args + ["--resume"]) == 0
        run = json.loads((tmp_path / "fresh.json").read_text())["run"]
        assert run["jobs"] == 0
        assert run["measured"] == {k: measured[k] for k in ("command", "date", "commit")}
        assert f"its jobs ran as `{measured['command']}`" in (tmp_path / "fresh.md").read_text()


def test_archs_are_drawn_apart_from_the_data():
    others = fresh.ARCHS[1:]
    seen = set()
    for s in range(9000, 9024):
        base, p = fresh.make_problem(s), fresh.make_problem(s, archs=others)
        # the data and width are the default draw's; the name ends with the architecture
        np.testing.assert_array_equal(p["X"], base["X"])
        np.testing.assert_array_equal(p["y"] if p["y"].ndim == 1 else p["y"][:, 0], base["y"])
        assert p["name"].startswith(base["name"]) and p["arch"] in p["name"]
        assert fresh.make_problem(s, archs=("relu",))["name"] == base["name"]
        seen.add(p["arch"])
        if p["arch"] == "deep":
            assert p["hidden"] == (base["hidden"],) * 2
        if p["arch"] == "outputs2":
            assert p["y"].shape == (len(base["y"]), 2) and np.var(p["y"][:, 1]) > 0
        if p["arch"] == "mae":
            assert p["fit"] == {"loss": "mae"} and p["loss"] == "mae"
    assert seen == set(others)
    p = fresh.make_problem(9000, archs=("mae",))
    assert fresh.zero_loss(p) == pytest.approx(1e-4 * np.std(p["y"]))
    assert fresh.zero_loss(fresh.make_problem(9000)) == pytest.approx(
        1e-8 * np.var(fresh.make_problem(9000)["y"]))
    for bad in (["--archs", "bogus"], ["--exact", "--dims", "2", "--archs", "mae"]):
        with pytest.raises(SystemExit):
            fresh.parse_args(bad)
    for bad in (("bogus",), ("relu", "leaky"), ()):
        with pytest.raises(ValueError, match="archs must be"):
            fresh.make_problem(9000, archs=bad)


@pytest.mark.parametrize("arch", ["mae", "outputs2"])
def test_a_run_of_another_arch_judges_the_problem_own_loss(tmp_path, arch):
    args = ["--seed", "9004", "--problems", "1", "--calls", "1", "--long", "0",
            "--dims", "2", "--sizes", "30", "40", "--widths", "2", "--archs", arch,
            "--results", str(tmp_path)]
    assert fresh.main(args) == 0
    ckpt = json.loads((tmp_path / "fresh_checkpoint.json").read_text())
    assert ckpt["settings"]["archs"] == [arch]
    rec = ckpt["records"]["9004/call/0"]
    assert rec["archs"] == [arch]
    p = fresh.make_problem(9004, dims=(2,), sizes=(30, 40), widths=(2,), archs=(arch,))
    # the record's loss is the problem's own (MAE for mae, MSE over both outputs), the
    # loss fit_global stated for its network
    assert rec["loss"] == pytest.approx(rec["stated"], rel=1e-9)
    assert p["loss"] == ("mae" if arch == "mae" else "mse")
    assert "Architectures drawn from" in (tmp_path / "fresh.md").read_text()


def test_fit_options_reach_the_calls_and_set_reaches_every_job(tmp_path, monkeypatch):
    seen = []
    real = fresh.exactfit.fit_global

    def spy(*args, **kw):
        from exactfit.search import _layerwise
        seen.append((kw.get("max_restarts"), kw.get("n_restarts"), _layerwise._REDRAWS))
        return real(*args, **kw)

    monkeypatch.setattr(fresh.exactfit, "fit_global", spy)
    from exactfit.search import _layerwise
    before = _layerwise._REDRAWS
    args = ["--seed", "9004", "--problems", "1", "--calls", "2", "--long", "1",
            "--starts", "4", "--results", str(tmp_path), "--fit", "max_restarts=50",
            "n_restarts=3", "--set", "exactfit.search._layerwise._REDRAWS=2"]
    assert fresh.main(args) == 0
    # the long search keeps its own budget; every job (long too) saw the constant
    assert sorted(seen) == sorted([(4, 4, 2), (50, 3, 2), (50, 3, 2)])
    assert _layerwise._REDRAWS == before  # restored after each job
    ckpt = json.loads((tmp_path / "fresh_checkpoint.json").read_text())
    assert ckpt["settings"]["fit"] == {"max_restarts": 50, "n_restarts": 3}
    assert ckpt["settings"]["set"] == {"exactfit.search._layerwise._REDRAWS": 2}
    assert all(r.get("fit") == {"max_restarts": 50, "n_restarts": 3}
               for r in ckpt["records"].values() if r["kind"] == "call")
    text = (tmp_path / "fresh.md").read_text()
    assert "calls with max_restarts=50, n_restarts=3" in text and "`--set`" in text
    # a resume with other options is another run: nothing is reused
    assert fresh.main(args[:-5] + ["--resume"]) == 0
    assert "set" not in json.loads((tmp_path / "fresh_checkpoint.json").read_text())["settings"]


@pytest.mark.parametrize("bad, match", [
    (["--fit", "max_restarts"], "KEY=VALUE"),
    (["--fit", "max_restarts=fifty"], "literal"),
    (["--fit", "hidden=3"], "problem"),
    (["--set", "numpy.pi=3"], "inside exactfit"),
    (["--set", "exactfit.search._layerwise._NOPE=3"], "no such name"),
    # bound as default arguments at import: setting the module's name would change nothing
    (["--set", "exactfit.search._recombine._KEEP=2"], "best_subsets() (a default"),
    # imported by name into _search: its copy there would stay as it was
    (["--set", "exactfit.search._canonical.BAND=0.1"], "_search (its import)"),
])
def test_fit_and_set_reject_what_they_cannot_use(bad, match, capsys):
    with pytest.raises(SystemExit):
        fresh.parse_args(bad)
    assert match in capsys.readouterr().err

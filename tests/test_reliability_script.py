"""benchmarks/reliability.py runs end to end on its tiny configuration, checkpoints and resumes.

No timing is asserted (times live in the benchmark's own output).
"""

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "reliability.py"
QUICK = ["euclid-disc-800-k3", "1d-abs-15-k1", "2d-max-gaussian-1000-k2"]


def _load():
    # Not registered in sys.modules: joblib's workers then receive its functions by value.
    spec = importlib.util.spec_from_file_location("reliability_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def quick_best(tmp_path_factory):
    """A results folder holding the --quick best-known losses."""
    out = tmp_path_factory.mktemp("reliability")
    mod = _load()
    assert mod.main(["--quick", "--best-known", "--results-dir", str(out)]) == 0
    return out


def _copy_best(src, dst):
    dst.mkdir(exist_ok=True)
    name = "reliability_best_quick.json"
    (dst / name).write_text((src / name).read_text())
    return json.loads((dst / name).read_text())


def _calls(path):
    data = json.loads(Path(path).read_text())
    return {name: [(c["seed"], c["loss"]) for c in calls] for name, calls in data["calls"].items()}


def test_problem_set_is_wide_and_reproducible():
    mod = _load()
    probs = mod.problems_mod.PROBLEMS
    assert len(probs) >= 16
    assert {p.family for p in probs} == {"euclid", "teacher", "1d", "small2d", "2d", "ridge"}
    seeds = [p.seed for p in probs]
    assert len(set(seeds)) == len(seeds)
    for p in probs[:3]:
        X1, y1 = p.data()
        X2, y2 = p.data()
        assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    # a ridge problem is a function of one projection of its inputs (plus its noise)
    ridge = next(p for p in probs if p.family == "ridge" and not p.params.get("noise"))
    X, y = ridge.data()
    assert X.shape == (ridge.params["n"], ridge.params["d"])
    t = X @ np.linalg.lstsq(X, np.arctanh(y) - 0.3, rcond=None)[0]  # tanh(1.5 t + 0.3)
    np.testing.assert_allclose(np.tanh(t + 0.3), y, atol=1e-9)


def test_zero_constructions_have_zero_loss():
    import exactfit

    mod = _load()
    for p in mod.problems_mod.PROBLEMS:
        if p.exact == "zero":
            X, y = p.data()
            net = p.zero_network(X)
            assert net.layer_sizes == (X.shape[1], p.hidden, 1)
            assert exactfit.mse(net, X, y) <= 1e-25 * max(np.var(y), 1.0), p.name


def test_quick_runs_end_to_end(quick_best):
    mod = _load()
    best = json.loads((quick_best / "reliability_best_quick.json").read_text())["problems"]
    assert set(best) == set(QUICK)
    assert best["1d-abs-15-k1"]["evidence"] == "certified"
    assert best["2d-max-gaussian-1000-k2"]["loss"] == 0.0
    for entry in best.values():
        assert {"method", "date", "commit", "data_sha1", "checks"} <= set(entry)
    assert mod.main(["--quick", "--results-dir", str(quick_best)]) == 0
    res = json.loads((quick_best / "reliability_quick.json").read_text())
    assert [r["problem"] for r in res["rows"]] == QUICK
    for r in res["rows"]:
        assert r["calls"] == 3 and 0 <= r["hits_1e-4"] <= r["hits"] <= 3
        assert r["ci_low"] <= r["rate"] <= r["ci_high"]
        assert r["median_time"] > 0 and r["p90_time"] >= r["median_time"]
        # every call is judged against a best-known no call went below
        losses = [c["loss"] for c in res["calls"][r["problem"]]]
        assert min(losses) >= r["best_known"] * (1 - 1e-9)
    # the 1-D calls can be checked against the certificate
    assert res["rows"][1]["best_evidence"] == "certified"
    md = (quick_best / "reliability_quick.md").read_text()
    assert "problems meet the target" in md and "| euclid-disc-800-k3 |" in md
    assert "## Below target" in md
    assert not (quick_best / ".reliability_quick.ckpt.json").exists()


def test_interrupt_checkpoints_and_resume_continues(quick_best, tmp_path):
    _copy_best(quick_best, tmp_path)
    mod = _load()
    real = mod.measure_call
    seen = []

    def stop_on_fifth(X, y, hidden, seed):
        if len(seen) == 4:
            raise KeyboardInterrupt
        seen.append(seed)
        return real(X, y, hidden, seed)

    mod.measure_call = stop_on_fifth
    assert mod.main(["--quick", "--results-dir", str(tmp_path)]) == 130
    ckpt = json.loads((tmp_path / ".reliability_quick.ckpt.json").read_text())
    assert sum(len(p["calls"]) for p in ckpt["problems"].values()) == 4
    assert not (tmp_path / "reliability_quick.json").exists()

    resumed = []

    def counting(X, y, hidden, seed):
        resumed.append(seed)
        return real(X, y, hidden, seed)

    mod.measure_call = counting
    assert mod.main(["--quick", "--resume", "--results-dir", str(tmp_path)]) == 0
    assert len(resumed) == 9 - 4 and not set(resumed) & set(seen)
    # the same calls (seeds and losses) as an uninterrupted run; losses up to float
    # round-off (numpy's SIMD sums depend on how arrays happen to be aligned in memory,
    # which differs between the two runs in one long-lived test process)
    got, want = _calls(tmp_path / "reliability_quick.json"), _calls(
        quick_best / "reliability_quick.json")
    assert got.keys() == want.keys()
    for name in want:
        assert [s for s, _ in got[name]] == [s for s, _ in want[name]], name
        np.testing.assert_allclose([f for _, f in got[name]], [f for _, f in want[name]],
                                   rtol=1e-8, atol=1e-14, err_msg=name)


def test_results_do_not_depend_on_n_jobs(quick_best, tmp_path):
    _copy_best(quick_best, tmp_path)
    mod = _load()
    args = ["--quick", "--only", "1d-abs-15-k1", "--calls", "4"]
    assert mod.main(args + ["--results-dir", str(tmp_path), "--n-jobs", "2"]) == 0
    two = _calls(tmp_path / "reliability_quick.json")
    assert mod.main(args + ["--results-dir", str(tmp_path), "--n-jobs", "1"]) == 0
    assert _calls(tmp_path / "reliability_quick.json") == two


def test_best_known_is_only_ever_lowered(quick_best, tmp_path):
    stored = _copy_best(quick_best, tmp_path)
    mod = _load()
    name = "euclid-disc-800-k3"
    path = tmp_path / "reliability_best_quick.json"
    true_best = stored["problems"][name]["loss"]
    # A stored value below anything a search reaches is kept.
    stored["problems"][name]["loss"] = true_best * 0.5
    path.write_text(json.dumps(stored))
    assert mod.main(["--quick", "--best-known", "--only", name, "--results-dir",
                     str(tmp_path)]) == 0
    entry = json.loads(path.read_text())["problems"][name]
    assert entry["loss"] == true_best * 0.5
    assert "not lower" in entry["history"][-1]["note"]
    # A stored value above what a default call reaches is lowered by the measurement.
    stored["problems"][name]["loss"] = true_best * 2
    path.write_text(json.dumps(stored))
    assert mod.main(["--quick", "--only", name, "--results-dir", str(tmp_path)]) == 0
    entry = json.loads(path.read_text())["problems"][name]
    assert entry["loss"] < true_best * 2 and entry["lowered_by_measurement"]
    assert entry["history"][-1]["loss"] == true_best * 2
    assert "default fit_global call" in entry["method"]
    assert "lowered by a default call" in (tmp_path / "reliability_quick.md").read_text()


def test_interrupted_fit_global_result_is_not_recorded():
    mod = _load()

    def interrupted(**kwargs):
        warnings.warn("Interrupted: 1 of 3 trials finished; returning those.", RuntimeWarning)
        return {"message": "best of 1 L-BFGS starts (interrupted)"}

    with pytest.raises(KeyboardInterrupt):
        mod._call(interrupted, {})


def test_bad_options_are_refused(tmp_path):
    mod = _load()
    with pytest.raises(SystemExit, match="no problem matches"):
        mod.main(["--only", "nonexistent-*", "--results-dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="--calls"):
        mod.main(["--calls", "euclid-*=zero", "--results-dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="--best-known first"):
        mod.main(["--only", "1d-abs-15-k1", "--results-dir", str(tmp_path)])


def test_report_only_judges_stored_calls_again(quick_best, tmp_path):
    # Its own measurement: under xdist the one of test_quick_runs_end_to_end may run in
    # another worker.
    measured = tmp_path / "measured"
    _copy_best(quick_best, measured)
    assert _load().main(["--quick", "--results-dir", str(measured)]) == 0
    stored = _copy_best(quick_best, tmp_path)
    (tmp_path / "reliability_quick.json").write_text(
        (measured / "reliability_quick.json").read_text())
    mod = _load()
    mod.measure_call = None  # no call may run
    assert mod.main(["--quick", "--report-only", "--results-dir", str(tmp_path)]) == 0
    before = json.loads((measured / "reliability_quick.json").read_text())["rows"]
    after = json.loads((tmp_path / "reliability_quick.json").read_text())["rows"]
    assert [r["hits"] for r in after] == [r["hits"] for r in before]
    # A best-known lowered below every call (say, by a certificate) turns hits into misses.
    name = "1d-abs-15-k1"
    stored["problems"][name]["loss"] *= 0.9
    (tmp_path / "reliability_best_quick.json").write_text(json.dumps(stored))
    assert mod.main(["--quick", "--report-only", "--results-dir", str(tmp_path)]) == 0
    row = next(r for r in json.loads((tmp_path / "reliability_quick.json").read_text())["rows"]
               if r["problem"] == name)
    assert row["hits"] == 0 and not row["meets_target"]
    assert "--report-only" in (tmp_path / "reliability_quick.md").read_text()


def test_stored_data_match_up_to_rounding_but_not_beyond():
    """A best-known belongs to its data on another CPU whose BLAS rounds differently
    (last-bit differences), never to data that differ more."""
    mod = _load()
    X, y = mod.problems_mod.PROBLEMS[0].data()
    entry = {"data_sha1": mod.fingerprint(X, y), "data_summary": mod.data_summary(X, y)}
    rs = np.random.RandomState(0)
    X_ulp = X * (1 + rs.choice([-1, 0, 1], size=X.shape) * 2.0 ** -52)
    assert mod.fingerprint(X_ulp, y) != entry["data_sha1"]
    assert mod.same_data(entry, X_ulp, y)
    X_moved = X.copy()
    X_moved[3, 0] += 1e-7
    assert not mod.same_data(entry, X_moved, y)
    assert not mod.same_data(entry, X[:-1], y[:-1])
    assert not mod.same_data({"data_sha1": entry["data_sha1"]}, X_ulp, y)  # no summary: bytes
    assert not mod.same_data(None, X, y)

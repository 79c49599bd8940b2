import math

import numpy as np
import pytest

import exactfit
from exactfit.bench import (Method, default_methods, runs_for_confidence, summarize_runs,
                            wilson_interval)


def test_wilson_matches_formula():
    k, n, z = 7, 30, 1.959963984540054
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(k, n) == pytest.approx((c - h, c + h), rel=1e-9)


def test_runs_for_confidence():
    assert runs_for_confidence(1.0) == 1
    assert runs_for_confidence(0.0) == math.inf
    p = 0.12
    n = runs_for_confidence(p)
    assert 1 - (1 - p) ** n >= 0.99 > 1 - (1 - p) ** (n - 1)


@pytest.fixture(scope="module")
def report():
    task = exactfit.tasks.euclid(300, random_state=2)
    methods = default_methods(3, optimizers=("lbfgs",), max_iter=100, n_restarts=2)
    return exactfit.benchmark(task, methods=methods, n_runs=4, progress=False), task


def test_benchmark_report(report):
    rep, task = report
    assert list(rep.rows) == ["pyramid (construction)", "fit_global", "sklearn lbfgs"]
    assert rep.rows["pyramid (construction)"]["runs"] == 1
    best = min(r["loss"] for runs in rep.runs.values() for r in runs)
    assert rep.best_loss == best
    for name, runs in rep.runs.items():
        losses = np.array([r["loss"] for r in runs])
        assert rep.rows[name]["successes"] == int(np.sum(losses <= best * 1.01))
        # Each recorded loss is the true MSE of the recorded network.
        net = exactfit.Network.from_dict(runs[0]["network"])
        assert runs[0]["loss"] == pytest.approx(exactfit.mse(net, task.X, task.y), rel=1e-10)
    text = str(rep)
    assert "fit_global" in text and "95% CI" in text
    assert rep.to_markdown().startswith("| method |")


def test_report_save_load(report, tmp_path):
    rep, _ = report
    rep.save(tmp_path / "r.json")
    back = exactfit.BenchmarkReport.load(tmp_path / "r.json")
    assert str(back) == str(rep)
    assert back.network("fit_global") == rep.network("fit_global")


def test_summary_counts_failure_reasons():
    recs = [{"loss": 1.0, "time": 1.0, "reasons": [], "evidence": "none"},
            {"loss": 5.0, "time": 1.0, "reasons": ["dead", "linear"], "evidence": "none"},
            {"loss": 3.0, "time": 3.0, "reasons": [], "evidence": "none"}]
    row = summarize_runs(recs, best_loss=1.0)
    assert row["successes"] == 1 and row["failures"] == {"dead": 1, "collapsed": 0,
                                                         "linear": 1, "other": 1}
    assert row["time_to_optimum_99"] == pytest.approx(runs_for_confidence(1 / 3) * 5 / 3)
    assert row["median_ratio"] == 3.0


def test_same_results_with_n_jobs_2():
    task = exactfit.tasks.euclid(200, random_state=3)
    methods = default_methods(3, optimizers=("lbfgs",), max_iter=50, n_restarts=2,
                              construction=False)
    a = exactfit.benchmark(task, methods=methods, n_runs=3, progress=False)
    b = exactfit.benchmark(task, methods=methods, n_runs=3, progress=False, n_jobs=2)
    for name in a.runs:
        # Same seeds and paths; worker BLAS threading changes only the last bits.
        np.testing.assert_allclose([r["loss"] for r in a.runs[name]],
                                   [r["loss"] for r in b.runs[name]], rtol=1e-10)
        assert [r["seed"] for r in a.runs[name]] == [r["seed"] for r in b.runs[name]]


def test_bad_input():
    task = exactfit.tasks.euclid(50)
    with pytest.raises(ValueError, match="n_runs"):
        exactfit.benchmark(task, n_runs=0)
    with pytest.raises(ValueError, match="unique"):
        exactfit.benchmark(task, methods=[Method("a", None), Method("a", None)])
    with pytest.raises(TypeError, match="y"):
        exactfit.benchmark(task.X)

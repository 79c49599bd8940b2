import joblib
import numpy as np
import pytest

import exactfit
from exactfit import fit_global, sweep


@pytest.fixture(scope="module")
def task():
    return exactfit.tasks.euclid(200, random_state=4)


def _table(report):
    return [(r["optimizer"], r["activation"], r["width"], r["successes"],
             round(r["median_ratio"], 9)) for r in report.rows]


def test_sklearn_sweep_rows_and_per_architecture_optimum(task):
    rep = sweep(task, optimizers=("lbfgs", "adam"), activations=("relu", "tanh"), widths=(2, 3),
                n_seeds=3, backend="sklearn", epochs=40, progress=False)
    assert len(rep.rows) == 2 * 2 * 2
    for row, runs in zip(rep.rows, rep.runs):
        losses = np.array([r["loss"] for r in runs])
        # Judged against the optimum of its own architecture.
        same = [r for r in rep.rows if (r["activation"], r["width"]) ==
                (row["activation"], row["width"])]
        assert row["best_loss"] == min(min(s["reference_loss"] for s in same),
                                       min(min(q["loss"] for q in rr) for s, rr in
                                           zip(rep.rows, rep.runs) if s in same))
        assert row["successes"] == int(np.sum(losses <= row["best_loss"] * 1.01))
    refs = {(r["activation"], r["width"]): r["reference_loss"] for r in rep.rows}
    assert refs[("relu", 3)] < refs[("relu", 2)]  # each width has its own optimum
    assert refs[("tanh", 3)] != refs[("relu", 3)]
    # The reference is a real fit_global optimum: an independent call gets close.
    again = fit_global(task.X, task.y, hidden=3, activation="tanh", random_state=123).loss
    assert refs[("tanh", 3)] <= again * 1.01
    assert "optimizer" in str(rep) and rep.to_markdown().startswith("| optimizer")


def test_same_table_for_n_jobs_1_and_2(task):
    kw = dict(optimizers=("lbfgs",), activations=("relu",), widths=(3,), n_seeds=3,
              backend="sklearn", epochs=30, progress=False)
    a, b = sweep(task, **kw), sweep(task, n_jobs=2, **kw)
    assert [r["successes"] for r in a.rows] == [r["successes"] for r in b.rows]
    np.testing.assert_allclose([r["median_ratio"] for r in a.rows],
                               [r["median_ratio"] for r in b.rows], rtol=1e-8)


def test_torch_sweep_with_dropout_and_save_load(task, tmp_path):
    pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")
    rep = sweep(task, optimizers=("adam", "rmsprop"), activations=("relu", "elu"),
                dropout=(0.0, 0.1), n_seeds=4, epochs=5, progress=False)
    assert len(rep.rows) == 8
    xs, ys, Z = rep.grid("optimizer", "activation", dropout=0.0)
    assert xs == ["adam", "rmsprop"] and ys == ["relu", "elu"] and Z.shape == (2, 2)
    rep.save(tmp_path / "s.json")
    back = exactfit.SweepReport.load(tmp_path / "s.json")
    assert str(back) == str(rep)
    from exactfit.plot import SweepHeatmapDisplay, SweepWidthDisplay

    d = SweepHeatmapDisplay.from_report(rep, dropout=0.0).plot()
    assert d.ax_.get_xlabel() == "optimizer"
    SweepWidthDisplay.from_report(rep).plot()


def test_bad_input(task):
    with pytest.raises(ValueError, match="optimizer"):
        sweep(task, optimizers=("adamw",), backend="sklearn")
    with pytest.raises(ValueError, match="activation"):
        sweep(task, activations=("swish",), backend="sklearn")
    with pytest.raises(ValueError, match="torch"):
        sweep(task, activations=("elu",), backend="sklearn")
    with pytest.raises(ValueError, match="widths"):
        sweep(task, widths=(0,), backend="sklearn")
    with pytest.raises(ValueError, match="dropout"):
        sweep(task, dropout=(1.0,), backend="sklearn")
    with pytest.raises(ValueError, match="n_seeds"):
        sweep(task, n_seeds=0, backend="sklearn")
    with pytest.raises(TypeError, match="Task"):
        sweep(task.X)


def test_dask_cluster_gives_the_same_table(task):
    distributed = pytest.importorskip("distributed", reason="needs the extra exactfit[dask]")
    kw = dict(optimizers=("lbfgs", "sgd"), activations=("relu",), widths=(2, 3), n_seeds=2,
              backend="sklearn", epochs=20, progress=False)
    local = sweep(task, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        with joblib.parallel_config(backend="dask"):
            remote = sweep(task, **kw)
    assert _table(local) == _table(remote)

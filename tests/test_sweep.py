import importlib

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
        # Judged against the best loss known for its own architecture: fit_global's or
        # any run's at this activation and this width or a narrower one (nested).
        same = [(s, rr) for s, rr in zip(rep.rows, rep.runs)
                if s["activation"] == row["activation"] and s["width"] <= row["width"]]
        assert row["best_loss"] == pytest.approx(
            min(min(s["reference_loss"] for s, _ in same),
                min(s["polished_run_loss"] for s, _ in same)), rel=1e-9)
        own = [q["loss"] for s, rr in zip(rep.rows, rep.runs) for q in rr
               if (s["activation"], s["width"]) == (row["activation"], row["width"])]
        assert row["polished_run_loss"] <= min(own)
        assert row["successes"] == int(np.sum(losses <= row["best_loss"] * 1.01))
        assert row["median_ratio"] == pytest.approx(np.median(losses) / row["best_loss"])
    refs = {(r["activation"], r["width"]): r["reference_loss"] for r in rep.rows}
    assert refs[("relu", 3)] < refs[("relu", 2)]  # each width has its own optimum
    assert refs[("tanh", 3)] != refs[("relu", 3)]
    # The reference is a real fit_global optimum: an independent call gets close.
    again = fit_global(task.X, task.y, hidden=3, activation="tanh", random_state=123).loss
    assert refs[("tanh", 3)] <= again * 1.01
    assert "optimizer" in str(rep) and rep.to_markdown().startswith("| optimizer")


def test_same_table_for_n_jobs_1_and_2(task):
    kw = dict(optimizers=("lbfgs",), activations=("relu",), widths=(3,), n_seeds=3,
              backend="sklearn", epochs=30, reference_restarts=3, progress=False)
    a, b = sweep(task, **kw), sweep(task, n_jobs=2, **kw)
    assert [r["successes"] for r in a.rows] == [r["successes"] for r in b.rows]
    np.testing.assert_allclose([r["median_ratio"] for r in a.rows],
                               [r["median_ratio"] for r in b.rows], rtol=1e-8)


def test_torch_sweep_with_dropout_and_save_load(task, tmp_path):
    pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")
    rep = sweep(task, optimizers=("adam", "rmsprop"), activations=("relu", "elu"),
                dropout=(0.0, 0.1), n_seeds=4, epochs=5, reference_restarts=3, progress=False)
    assert len(rep.rows) == 8
    xs, ys, Z = rep.grid("optimizer", "activation", dropout=0.0)
    assert xs == ["adam", "rmsprop"] and ys == ["relu", "elu"] and Z.shape == (2, 2)
    for row, runs in zip(rep.rows, rep.runs):
        if row["dropout"] == 0.0:
            ok = np.mean([q["loss"] <= row["best_loss"] * 1.01 for q in runs])
            assert Z[ys.index(row["activation"]), xs.index(row["optimizer"])] == ok
    with pytest.raises(ValueError, match="dropout"):
        rep.grid("optimizer", "activation")  # two dropout rates per cell: ambiguous
    # Dropout really was applied, and a stored seed replays its run alone.
    cell = {(r["optimizer"], r["activation"], r["dropout"]): rr
            for r, rr in zip(rep.rows, rep.runs)}
    assert ([q["loss"] for q in cell[("adam", "elu", 0.0)]]
            != [q["loss"] for q in cell[("adam", "elu", 0.1)]])
    run = cell[("rmsprop", "elu", 0.1)][2]
    alone = exactfit.gd.train_gd_many(task.X, task.y, seeds=[run["seed"]], hidden=3,
                                      optimizer="rmsprop", activation="elu", dropout=0.1,
                                      epochs=5, progress=False)[0]
    assert alone.loss == pytest.approx(run["loss"], rel=1e-5)
    rep.save(tmp_path / "s.json")
    back = exactfit.SweepReport.load(tmp_path / "s.json")
    assert str(back) == str(rep) and back.rows == rep.rows
    from exactfit.plot import SweepHeatmapDisplay, SweepWidthDisplay

    d = SweepHeatmapDisplay.from_report(rep, dropout=0.0).plot()
    assert d.ax_.get_xlabel() == "optimizer"
    labels = [t.get_text() for t in d.ax_.texts]
    assert labels == [f"{z:.0%}" for z in Z.ravel()]
    w = SweepWidthDisplay.from_report(rep).plot()
    assert len(w.ax_.get_legend().get_texts()) == 8  # optimizer x activation x dropout


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
    with pytest.raises((ValueError, TypeError), match="widths"):
        sweep(task, widths=(2.5,), backend="sklearn")
    with pytest.raises(ValueError, match="dropout"):
        sweep(task, dropout=(-0.1,), backend="sklearn")
    with pytest.raises(ValueError, match="optimizers"):
        sweep(task, optimizers=(), backend="sklearn")
    with pytest.raises(ValueError, match="backend"):
        sweep(task, backend="keras")
    with pytest.raises(ValueError, match="rtol"):
        sweep(task, rtol=-1, backend="sklearn")
    with pytest.raises(TypeError, match="Task"):
        sweep(task.X)


def test_tanh_and_sigmoid_share_one_optimum(task):
    # tanh(z) = 2 sigmoid(2z) - 1: with an affine output layer both networks
    # represent the same functions, so independent searches must find one optimum.
    rep = sweep(task, optimizers=("lbfgs",), activations=("tanh", "sigmoid"), widths=(2, 3),
                n_seeds=2, backend="sklearn", epochs=30, progress=False)
    best = {(r["activation"], r["width"]): r["best_loss"] for r in rep.rows}
    for w in (2, 3):
        assert best[("tanh", w)] == pytest.approx(best[("sigmoid", w)], rel=1e-6)


def test_padding_a_unit_keeps_the_loss(task):
    # Why a narrower width's optimum bounds a wider one's: the wider net contains it.
    net = fit_global(task.X, task.y, hidden=2, random_state=0).network
    (W1, W2), (b1, b2) = net.weights, net.biases
    rng = np.random.default_rng(0)
    wide = exactfit.Network([np.hstack([W1, rng.normal(size=(2, 1))]),
                             np.vstack([W2, np.zeros((1, 1))])],
                            [np.append(b1, rng.normal()), b2])
    assert exactfit.mse(wide, task.X, task.y) == pytest.approx(
        exactfit.mse(net, task.X, task.y), rel=1e-12)


def test_wider_width_never_judged_against_a_worse_optimum(task, monkeypatch):
    sweep_module = importlib.import_module("exactfit.sweep")  # the name is the function
    real = sweep_module._references

    def weak_search_at_3(X, y, act, widths, n_restarts, seeds):
        losses = real(X, y, act, widths, n_restarts, seeds)
        return {w: 1e6 * loss if w == 3 else loss  # a search that missed width 3's optimum
                for w, loss in losses.items()}

    monkeypatch.setattr(sweep_module, "_references", weak_search_at_3)
    rep = sweep(task, optimizers=("lbfgs",), widths=(2, 3), n_seeds=2, backend="sklearn",
                epochs=30, reference_restarts=3, progress=False)
    r2, r3 = rep.rows
    assert r3["reference_loss"] > r2["best_loss"]
    assert r3["best_loss"] == pytest.approx(min(r2["best_loss"], r3["polished_run_loss"]),
                                            rel=1e-9)
    assert r3["best_from"] == ("width 2" if r2["best_loss"] < r3["polished_run_loss"]
                               else "best run + L-BFGS")
    assert "*" in str(rep) and "below fit_global" in str(rep)


def test_same_table_for_n_jobs_1_and_2_torch(task):
    pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")
    kw = dict(optimizers=("adam", "sgd"), activations=("relu",), widths=(3,), n_seeds=5,
              epochs=5, reference_restarts=3, progress=False)
    a, b = sweep(task, **kw), sweep(task, n_jobs=2, **kw)
    assert _table(a) == _table(b)
    np.testing.assert_array_equal([[q["loss"] for q in rr] for rr in a.runs],
                                  [[q["loss"] for q in rr] for rr in b.runs])


def test_references_warm_start_from_the_narrower_width(task):
    # Each width's search also starts from the narrower width's optimum, so the
    # reference of a wider network is never above a narrower one's, and equals an
    # independent fit_global call with that warm start.
    sweep_module = importlib.import_module("exactfit.sweep")
    refs = sweep_module._references(task.X, task.y, "relu", (4, 2, 3), 2, [11, 12, 13])
    assert refs[2] >= refs[3] >= refs[4]
    r2 = exactfit.fit_global(task.X, task.y, hidden=2, n_restarts=2, random_state=12)
    r3 = exactfit.fit_global(task.X, task.y, hidden=3, n_restarts=2, random_state=13,
                             init=[r2.network] * sweep_module._WARM_STARTS)
    assert refs[2] == pytest.approx(r2.loss, rel=1e-12)
    assert refs[3] == pytest.approx(r3.loss, rel=1e-12)


def test_a_ctrl_c_in_a_reference_search_stops_the_sweep(task, monkeypatch, tmp_path):
    # fit_global inside the sweep's reference trial used to return its best so far on
    # Ctrl-C: the sweep went on, judged every cell against it, and checkpointed it.
    from exactfit.search import _search

    real, calls = _search.one_start, []

    def start(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_search, "one_start", start)
    path = tmp_path / "sweep.json"
    with pytest.raises(KeyboardInterrupt, match="before every architecture's optimum"):
        sweep(task, optimizers=("lbfgs",), widths=(2,), n_seeds=2, backend="sklearn",
              epochs=30, reference_restarts=3, progress=False, checkpoint=str(path))
    assert len(calls) == 3  # nothing ran after the Ctrl-C
    # The checkpoint holds no reference: the resumed sweep searches again, and its
    # reference is that of an uninterrupted sweep.
    calls.clear()

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_search, "one_start", counted)
    resumed = sweep(task, optimizers=("lbfgs",), widths=(2,), n_seeds=2, backend="sklearn",
                    epochs=30, reference_restarts=3, progress=False, checkpoint=str(path))
    assert calls
    whole = sweep(task, optimizers=("lbfgs",), widths=(2,), n_seeds=2, backend="sklearn",
                  epochs=30, reference_restarts=3, progress=False)
    assert resumed.rows[0]["reference_loss"] == whole.rows[0]["reference_loss"]

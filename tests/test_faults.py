"""Issue 10, "nothing silently wrong": every reproducer of the issue, fixed.

Crashes and hangs, silently wrong results, wrong kinds of exception, solver
faults, interruption and resumption (subprocesses killed by a signal), atomic
writes (a process killed while saving).
"""

import functools
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import exactfit
from exactfit import FitResult, Method, Network, certify, construct, tasks
from exactfit import _validation

ROOT = Path(exactfit.__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def euclid():
    return tasks.euclid(120, random_state=5)


@pytest.fixture
def little_memory(monkeypatch):
    """Pretend 4 GiB are available, so memory refusals do not depend on the machine."""
    monkeypatch.setattr(_validation, "available_memory", lambda: 4 * 2 ** 30)


def _net(rs, sizes=(2, 3, 1)):
    return Network([rs.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                   [rs.normal(size=b) for b in sizes[1:]])


# ---------------------------------------------------------------------------
# Crashes and hangs

def test_norm_pyramid_with_ten_million_units_is_refused_not_a_segfault():
    # numpy's lstsq crashed the process on the 300 x 10**7 matrix (32-bit LAPACK).
    task = tasks.euclid(300, random_state=0)
    with pytest.raises(ValueError, match=r"n_units=10000000.*LAPACK"):
        construct.norm_pyramid(10 ** 7, task.X, task.y)


def test_huge_widths_are_refused_before_allocating(euclid, little_memory):
    X, y = euclid.X, euclid.y
    with pytest.raises(ValueError, match=r"beta_path\(hidden=10000000\).*GiB"):
        certify.beta_path(X, y, hidden=10 ** 7)
    with pytest.raises(ValueError, match=r"sweep\(widths=.*GiB"):
        exactfit.sweep(euclid, widths=10 ** 7, backend="sklearn", optimizers=("adam",))
    with pytest.raises(ValueError, match=r"identity\(n_features=100000"):
        construct.identity(10 ** 5)
    with pytest.raises(ValueError, match=r"dft_matrix\(n_samples=1000000"):
        construct.dft_matrix(10 ** 6)
    with pytest.raises(ValueError, match=r"polygon_gain\(units=1000000"):
        construct.polygon_gain(10 ** 6)
    with pytest.raises(ValueError, match="n_samples"):
        tasks.euclid(10 ** 10)
    with pytest.raises(ValueError, match="enumerate_patterns"):
        certify.enumerate_patterns(np.random.RandomState(0).uniform(size=(2000, 2)))
    with pytest.raises(ValueError, match="n_runs"):
        exactfit.benchmark(euclid, n_runs=10 ** 9)


def test_enumerate_patterns_rejects_inf_at_once():
    X = np.array([[0.0, 1.0], [np.inf, 2.0], [1.0, 0.5]])
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="X.*infinity"):
        certify.enumerate_patterns(X)
    assert time.perf_counter() - t0 < 1.0


# ---------------------------------------------------------------------------
# Silently wrong results

def _exact_fit(X, y, random_state=None):
    # An exact fit: the 1-D interpolant (loss 0 up to round-off).
    return construct.interpolant_1d(X[:, 0], y)


def test_benchmark_with_a_zero_best_loss_gives_finite_ratios_and_saves(tmp_path):
    task = tasks.lookup(1.0, 3.0, hidden=2)
    methods = [Method("exact", _exact_fit, deterministic=True),
               Method("fit_global", functools.partial(exactfit.fit_global, hidden=2,
                                                      n_restarts=2)),
               Method("sgd", functools.partial(exactfit.train_gd, hidden=2, optimizer="sgd",
                                               max_iter=5))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = exactfit.benchmark(task, methods=methods, n_runs=3, progress=False)
    assert rep.best_loss <= 1e-30
    atol = rep.meta["atol"]
    assert atol == pytest.approx(1e-8 * np.var(task.y))
    for name, row in rep.rows.items():
        assert math.isfinite(row["median_ratio"]) and math.isfinite(row["best_ratio"])
        losses = np.array([r["loss"] for r in rep.runs[name]])
        # Judged against the floor, not against round-off of an exact fit.
        assert row["successes"] == int(np.sum(losses <= rep.best_loss * 1.01 + atol))
    assert rep.rows["exact"]["successes"] == 1
    assert rep.rows["sgd"]["successes"] == 0  # 5 epochs: far from the fit
    assert f"atol = {atol:.3g}" in str(rep)
    rep.save(tmp_path / "r.json")
    back = exactfit.BenchmarkReport.load(tmp_path / "r.json")
    assert str(back) == str(rep)


def test_benchmark_on_lookup_judges_success_against_a_floor():
    # fit_global reaches ~1e-32 on the lookup: every run of it is a success, and a run
    # 1e-20 above zero is judged a success too (not a 1e12-times-worse failure).
    task = tasks.lookup(0.5, -2.0, hidden=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = exactfit.benchmark(task, methods=[Method("fit_global", functools.partial(
            exactfit.fit_global, hidden=4, n_restarts=1))], n_runs=3, progress=False)
    assert rep.rows["fit_global"]["successes"] == 3
    row = exactfit.bench.summarize_runs(
        [{"loss": 1e-20, "time": 1.0, "reasons": [], "evidence": "none"}], best_loss=2.5e-32,
        atol=rep.meta["atol"])
    assert row["successes"] == 1 and math.isfinite(row["median_ratio"])


def test_convex_relu_with_a_loose_solver_is_not_certified():
    rs = np.random.RandomState(0)
    X = rs.uniform(-1, 1, (20, 2))
    y = np.hypot(X[:, 0], X[:, 1])
    exact = certify.convex_relu(X, y, beta=0.01)
    assert exact.evidence == "certified" and exact.relative_gap <= 1e-6
    for kw in ({"eps_abs": 1e-1, "eps_rel": 1e-1}, {"max_iters": 5}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loose = certify.convex_relu(X, y, beta=0.01, solver="SCS", solver_kwargs=kw)
        assert loose.evidence == "bound" and not loose.success and not loose.certified
        assert "NOT certified" in loose.message
        # What it does claim holds: the bracket contains the certified optimum.
        assert loose.dual_bound <= exact.network_objective * (1 + 1e-6)
        assert loose.network_objective >= exact.dual_bound * (1 - 1e-6)
        assert loose.loss == pytest.approx(exactfit.mse(loose.network, X, y), rel=1e-12)


def test_convex_relu_on_huge_values_is_scaled_or_refused():
    rs = np.random.RandomState(1)
    X = rs.uniform(-1, 1, (15, 1))
    y = np.abs(X[:, 0])
    base = certify.convex_relu(X, y, beta=0.01)
    big = certify.convex_relu(X, y * 1e100, beta=0.01 * 1e100)  # same program, scaled
    assert big.evidence == "certified"
    assert big.network_objective == pytest.approx(base.network_objective * 1e200, rel=1e-5)
    with pytest.raises(ValueError, match="X has values up to 1e\\+160"):
        certify.convex_relu(X * 1e160, y, beta=0.01)  # was cvxpy's SolverError


def test_train_gd_uses_or_rejects_every_keyword(euclid):
    pytest.importorskip("torch", reason="the torch backend needs the extra exactfit[torch]")
    X, y = euclid.X, euclid.y
    with pytest.raises(ValueError, match="learning_rate"):
        exactfit.train_gd(X, y, backend="torch", learning_rate=-5.0)
    with pytest.raises(ValueError, match="batch_size"):
        exactfit.train_gd(X, y, backend="torch", batch_size=0)
    with pytest.raises(TypeError, match="tol"):
        exactfit.train_gd(X, y, backend="torch", tol="x")
    with pytest.raises(ValueError, match="tol applies to backend='sklearn'"):
        exactfit.train_gd(X, y, backend="torch", tol=1e-3)
    res = exactfit.train_gd(X, y, backend="torch", max_iter=7, learning_rate=0.05,
                            batch_size=40, random_state=3)
    assert res.nit == 7  # max_iter is the torch backend's epochs
    same = exactfit.train_gd_many(X, y, seeds=[3], epochs=7, learning_rate=0.05,
                                  batch_size=40, progress=False)[0]
    np.testing.assert_allclose(res.network.to_flat(), same.network.to_flat(), rtol=1e-6)
    with pytest.raises(TypeError, match="solver.*optimizer"):
        exactfit.train_gd(X, y, solver="sgd")  # would silently override optimizer


def test_train_gd_one_name_for_how_long(euclid):
    X, y = euclid.X, euclid.y
    a = exactfit.train_gd(X, y, optimizer="sgd", max_iter=4, random_state=0)
    with pytest.warns(FutureWarning, match="max_iter"):
        b = exactfit.train_gd(X, y, optimizer="sgd", epochs=4, random_state=0)
    assert a.nit == b.nit == 4
    np.testing.assert_array_equal(a.network.to_flat(), b.network.to_flat())
    with pytest.raises(TypeError, match="max_iter only"):
        exactfit.train_gd(X, y, max_iter=4, epochs=4)
    with pytest.raises(ValueError, match="backend='torch'"):
        exactfit.train_gd(X, y, optimizer="rmsprop")


def test_accepted_but_wrong_inputs_are_rejected(euclid):
    W, b = [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)]
    with pytest.raises(TypeError, match=r"weights\[0\].*complex"):
        Network([W[0] + 1j, W[1]], b)
    with pytest.raises(ValueError, match=r"weights\[0\].*at least one"):
        Network([np.ones((2, 0)), np.ones((0, 1))], [np.zeros(0), np.zeros(1)])
    with pytest.raises(ValueError, match="activation"):
        tasks.Task("t", euclid.X, euclid.y, activation="swish")
    with pytest.raises(TypeError, match="output"):
        tasks.Task("t", euclid.X, euclid.y, output=None)
    for bad in (1.5, "2"):
        with pytest.raises(TypeError, match="n_jobs"):
            exactfit.benchmark(euclid, n_jobs=bad)
        with pytest.raises(TypeError, match="n_jobs"):
            exactfit.sweep(euclid, n_jobs=bad, backend="sklearn")
    with pytest.raises(ValueError, match="reference_loss"):
        exactfit.benchmark(euclid, reference_loss=float("nan"))
    X = euclid.X.copy()
    X[3, 0] = np.nan
    with pytest.raises(ValueError, match="X.*NaN"):
        certify.sample_patterns(X, 10)  # returned [] before
    net = _net(np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"X has values up to 9.99e\+299"):
        exactfit.mse(net, euclid.X * 1e300, euclid.y)  # was inf with no error
    with pytest.raises(ValueError, match="y has values"):
        exactfit.train_gd(euclid.X, euclid.y * 1e300)


def test_fitresult_load_errors_name_the_file(tmp_path, euclid):
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    with pytest.raises(ValueError, match="empty.json.*no network"):
        FitResult.load(empty)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = exactfit.benchmark(euclid, methods=[Method("p", _pyramid, True)], n_runs=1,
                                 progress=False)
    rep.save(tmp_path / "report.json")
    with pytest.raises(ValueError, match="report.json.*BenchmarkReport.load"):
        FitResult.load(tmp_path / "report.json")
    res = construct.norm_pyramid(3, euclid.X, euclid.y)
    res.save(tmp_path / "res.json")
    text = (tmp_path / "res.json").read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="cut.json.*truncated"):
        FitResult.load(tmp_path / "cut.json")
    with pytest.raises(ValueError, match="res.json.*does not hold a report"):
        exactfit.BenchmarkReport.load(tmp_path / "res.json")
    with pytest.raises(FileNotFoundError, match="missing.json"):
        FitResult.load(tmp_path / "missing.json")
    with pytest.raises(TypeError, match="path"):
        exactfit.BenchmarkReport.load(None)


def _pyramid(X, y, random_state=None):
    return construct.norm_pyramid(3, X, y)


def test_save_that_cannot_serialise_leaves_the_old_file(tmp_path, euclid):
    res = construct.norm_pyramid(3, euclid.X, euclid.y)
    path = tmp_path / "r.json"
    res.save(path)
    before = path.read_text()
    res["extra"] = object()
    with pytest.raises(TypeError):
        res.save(path)
    assert path.read_text() == before
    assert os.listdir(tmp_path) == ["r.json"]  # no temporary file left behind


def test_nonfinite_values_round_trip(tmp_path, euclid):
    res = construct.norm_pyramid(3, euclid.X, euclid.y)
    res["restart_losses"] = np.array([0.1, np.inf])
    res["note"] = float("nan")
    res.save(tmp_path / "r.json")
    back = FitResult.load(tmp_path / "r.json")
    assert back.restart_losses[1] == np.inf and math.isnan(back.note)
    json.loads((tmp_path / "r.json").read_text())  # strict JSON: no bare NaN/Infinity


# ---------------------------------------------------------------------------
# Wrong kinds of exception

def test_a_fitresult_is_accepted_wherever_a_network_is(euclid):
    X, y = euclid.X, euclid.y
    res = construct.norm_pyramid(3, X, y)
    net = res.network
    assert exactfit.mse(res, X, y) == exactfit.mse(net, X, y) == res.loss
    assert exactfit.mae(res, X, y) == exactfit.mae(net, X, y)
    assert exactfit.loss(res, X, y, "mae") == exactfit.mae(net, X, y)
    np.testing.assert_array_equal(exactfit.loss_and_grad(res, X, y)[1],
                                  exactfit.loss_and_grad(net, X, y)[1])
    assert exactfit.diagnose(res, X).reasons() == exactfit.diagnose(net, X).reasons()
    assert certify.local(res, X, y).verdict == certify.local(net, X, y).verdict
    np.testing.assert_array_equal(certify.network_patterns([res], X),
                                  certify.network_patterns([net], X))
    free = Network(net.weights, [net.biases[0], np.zeros(1)])
    free_res = FitResult(network=free, loss=exactfit.mse(free, X, y))
    assert certify.regularized_objective(free_res, X, y, 0.1) == \
        certify.regularized_objective(free, X, y, 0.1)
    Xs, ys = X[:12], y[:12]
    a = certify.convex_relu(Xs, ys, 0.01, networks=[FitResult(network=free, loss=0.0)])
    b = certify.convex_relu(Xs, ys, 0.01, networks=[free])
    assert a.n_patterns == b.n_patterns


@pytest.mark.parametrize("call", [
    lambda X, y: exactfit.mse(None, X, y),
    lambda X, y: exactfit.loss_and_grad(None, X, y),
    lambda X, y: exactfit.diagnose(None, X),
    lambda X, y: certify.local(None, X, y),
    lambda X, y: certify.regularized_objective(None, X, y, 0.1),
    lambda X, y: certify.network_patterns([None], X),
])
def test_none_for_a_network_names_the_argument(call, euclid):
    with pytest.raises(TypeError, match="network"):
        call(euclid.X, euclid.y)


def test_pattern_functions_take_lists():
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [2.0, 1.0]]
    P = certify.enumerate_patterns(X)
    np.testing.assert_array_equal(P, certify.enumerate_patterns(np.array(X)))
    assert certify.sample_patterns(X, 5, random_state=0).shape[0] == 4
    net = _net(np.random.RandomState(2))
    assert certify.network_patterns(net, X).shape[0] == 4  # a single network
    assert certify.network_patterns((net, net), X).shape[0] == 4


def test_pattern_functions_take_dataframes():
    pd = pytest.importorskip("pandas")
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [2.0, 1.0]]
    frame = pd.DataFrame(X, columns=["a", "b"])
    np.testing.assert_array_equal(certify.enumerate_patterns(frame),
                                  certify.enumerate_patterns(np.array(X)))
    assert certify.sample_patterns(frame, 5, random_state=0).shape[0] == 4


def test_loss_and_grad_names_kind(euclid):
    net = _net(np.random.RandomState(0))
    with pytest.raises(ValueError, match="kind 'l2'"):
        exactfit.loss_and_grad(net, euclid.X, euclid.y, kind="l2")


@pytest.mark.parametrize("call", [
    lambda t: exactfit.train_gd(t.X, t.y, random_state="abc"),
    lambda t: exactfit.benchmark(t, random_state="abc"),
    lambda t: exactfit.sweep(t, random_state="abc", backend="sklearn"),
    lambda t: tasks.euclid(10, random_state="abc"),
    lambda t: certify.sample_patterns(t.X, 5, random_state="abc"),
    lambda t: certify.convex_relu(t.X[:10], t.y[:10], 0.1, random_state="abc"),
    lambda t: certify.beta_path(t.X[:10], t.y[:10], 2, random_state="abc"),
    lambda t: exactfit._parallel.draw_seeds("abc", 3),
])
def test_random_state_errors_name_it(call, euclid):
    with pytest.raises(TypeError, match="random_state"):
        call(euclid)


# ---------------------------------------------------------------------------
# Cost

def test_diagnose_collapsed_pairs_equal_the_pairwise_loop():
    rs = np.random.RandomState(3)
    W = rs.normal(size=(2, 300))
    W[:, 10] = 2.0 * W[:, 3]  # a collapsed pair (bias scaled alike below)
    b = rs.normal(size=300)
    b[10] = 2.0 * b[3]
    W[:, 20], b[20] = 0.0, 0.0  # a zero unit collapses with nothing
    net = Network([W, rs.normal(size=(300, 1))], [b, np.zeros(1)])
    got = exactfit.diagnose(net, rs.normal(size=(50, 2)), collapse_cosine=0.999).collapsed
    V = np.vstack([W, b]).T
    norms = np.linalg.norm(V, axis=1)
    want = [(0, i, j) for i in range(300) for j in range(i + 1, 300)
            if norms[i] > 0 and norms[j] > 0
            and V[i] @ V[j] / (norms[i] * norms[j]) >= 0.999]
    assert got == want and (0, 3, 10) in got


# ---------------------------------------------------------------------------
# The reference guard (issue 9)

def test_reference_guard_fires_when_a_planted_method_beats_fit_global(euclid):
    methods = [Method("fit_global", functools.partial(exactfit.fit_global, hidden=1,
                                                      n_restarts=1)),
               Method("planted", _pyramid, deterministic=True)]
    with pytest.warns(UserWarning, match="fit_global missed the optimum"):
        rep = exactfit.benchmark(euclid, methods=methods, n_runs=2, progress=False)
    assert rep.best_method == "planted"
    assert rep.best_loss == rep.runs["planted"][0]["loss"]  # the lowest loss seen
    assert str(rep).startswith("WARNING: fit_global missed the optimum. method 'planted'")
    assert rep.to_markdown().startswith("**WARNING")
    assert rep.rows["fit_global"]["successes"] == 0
    # Not fired when fit_global holds its own.
    fine = [Method("fit_global", functools.partial(exactfit.fit_global, hidden=3,
                                                   n_restarts=2)),
            Method("planted", _pyramid, deterministic=True)]
    rep = exactfit.benchmark(euclid, methods=fine, n_runs=1, progress=False)
    assert rep.meta["reference_warning"] is None and "WARNING" not in str(rep)


def test_sweep_reference_guard_fires_when_a_run_beats_fit_global(euclid, monkeypatch):
    import importlib

    sweep_module = importlib.import_module("exactfit.sweep")
    real = sweep_module._references

    def missed(X, y, act, widths, n_restarts, seeds):  # a search that missed by 50%
        return {w: 1.5 * loss for w, loss in real(X, y, act, widths, n_restarts, seeds).items()}

    monkeypatch.setattr(sweep_module, "_references", missed)
    with pytest.warns(UserWarning, match="fit_global missed the optimum"):
        rep = exactfit.sweep(euclid, optimizers=("lbfgs",), widths=(2,), n_seeds=3,
                             backend="sklearn", epochs=200, reference_restarts=2,
                             progress=False)
    row = rep.rows[0]
    assert row["fit_global_missed"] and row["best_loss"] < row["reference_loss"] / 1.01
    assert str(rep).startswith("WARNING: fit_global missed the optimum (relu, 2 units")
    # Without the planted miss: no warning.
    monkeypatch.setattr(sweep_module, "_references", real)
    rep = exactfit.sweep(euclid, optimizers=("lbfgs",), widths=(2,), n_seeds=3,
                         backend="sklearn", epochs=200, reference_restarts=2, progress=False)
    assert not rep.rows[0]["fit_global_missed"] and rep.meta["reference_warning"] is None


def test_reference_guard_fires_on_a_certified_reference_loss(euclid):
    methods = [Method("fit_global", functools.partial(exactfit.fit_global, hidden=3,
                                                      n_restarts=1))]
    with pytest.warns(UserWarning, match="reference_loss"):
        rep = exactfit.benchmark(euclid, methods=methods, n_runs=1, progress=False,
                                 reference_loss=1e-6)
    assert rep.best_method == "reference" and rep.best_loss == 1e-6


# ---------------------------------------------------------------------------
# Interruption, resumption, atomic writes (subprocesses killed by a signal)

_CHILD = """
import functools, signal, sys, warnings
sys.path.insert(0, {root!r})
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
warnings.simplefilter("ignore")
import exactfit
{body}
"""


def _spawn(body, **fmt):
    code = _CHILD.format(root=str(ROOT), body=textwrap.dedent(body).format(**fmt))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_entries(path, count, proc, timeout=240):
    """Wait until the checkpoint at `path` holds `count` finished pieces."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.communicate()}")
        try:
            with open(path) as fh:
                if len(json.load(fh)["done"]) >= count:
                    return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the checkpoint never filled")


def _without_times(report):
    rows = {k: {q: v for q, v in r.items() if q not in ("time_per_run", "time_to_optimum_99")}
            for k, r in (report.rows.items() if isinstance(report.rows, dict)
                         else enumerate(report.rows))}
    runs = report.runs.items() if isinstance(report.runs, dict) else enumerate(report.runs)
    return rows, {k: [{q: v for q, v in r.items() if q != "time"} for r in rs]
                  for k, rs in runs}


_BENCH = """
task = exactfit.tasks.euclid(150, random_state=7)
methods = [exactfit.Method("sgd", functools.partial(exactfit.train_gd, hidden=3,
                                                    optimizer="sgd", max_iter=400)),
           exactfit.Method("adam", functools.partial(exactfit.train_gd, hidden=3,
                                                     optimizer="adam", max_iter=300))]
"""


def test_one_ctrl_c_stops_the_sklearn_phase_and_the_checkpoint_resumes(tmp_path):
    # scikit-learn's solvers swallow Ctrl-C (a warning, then the next run started):
    # with n_jobs=1 a benchmark once needed to be killed and saved nothing.
    path = tmp_path / "run.json"
    proc = _spawn(_BENCH + """
rep = exactfit.benchmark(task, methods=methods, n_runs=4, n_jobs=1, progress=False,
                         checkpoint={path!r})
print("INTERRUPTED" if rep.meta["interrupted"] else "COMPLETE")
""", path=str(path))
    _wait_for_entries(path, 2, proc)
    proc.send_signal(signal.SIGINT)  # once, while a scikit-learn run is training
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "INTERRUPTED"
    finished = len(json.loads(path.read_text())["done"])
    assert 2 <= finished < 8
    task = tasks.euclid(150, random_state=7)
    methods = [Method("sgd", functools.partial(exactfit.train_gd, hidden=3, optimizer="sgd",
                                               max_iter=400)),
               Method("adam", functools.partial(exactfit.train_gd, hidden=3, optimizer="adam",
                                                max_iter=300))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resumed = exactfit.benchmark(task, methods=methods, n_runs=4, progress=False,
                                     checkpoint=path)
        fresh = exactfit.benchmark(task, methods=methods, n_runs=4, progress=False)
    assert not resumed.meta["interrupted"]
    assert _without_times(resumed) == _without_times(fresh)
    # The resumed runs kept their recorded times: the report is the checkpoint's.
    stored = json.loads(path.read_text())["done"]
    assert all(resumed.runs[json.loads(k)[0]][json.loads(k)[1]]["time"] == v["time"]
               for k, v in stored.items())
    # A checkpoint made with other arguments is refused.
    with pytest.raises(ValueError, match="run.json.*different arguments.*n_runs"):
        exactfit.benchmark(task, methods=methods, n_runs=5, progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="different arguments.*methods"):
        exactfit.benchmark(task, methods=methods[:1], n_runs=4, progress=False,
                           checkpoint=path)
    with pytest.raises(ValueError, match="not a sweep one"):
        exactfit.sweep(task, backend="sklearn", checkpoint=path)


def test_sweep_killed_mid_way_resumes_to_the_uninterrupted_report(tmp_path):
    path = tmp_path / "sweep.json"
    kw = dict(optimizers=("sgd", "adam"), widths=(2,), n_seeds=3, backend="sklearn",
              epochs=300, reference_restarts=2, progress=False)
    proc = _spawn("""
task = exactfit.tasks.euclid(150, random_state=8)
exactfit.sweep(task, checkpoint={path!r}, **{kw!r})
""", path=str(path), kw=kw)
    _wait_for_entries(path, 2, proc)  # the reference search and one cell
    proc.send_signal(signal.SIGKILL)  # no chance to clean up
    proc.communicate(timeout=30)
    done = json.loads(path.read_text())["done"]
    assert 2 <= len(done) < 4
    task = tasks.euclid(150, random_state=8)
    resumed = exactfit.sweep(task, checkpoint=path, **kw)
    fresh = exactfit.sweep(task, **kw)
    assert _without_times(resumed) == _without_times(fresh)
    assert not resumed.meta["interrupted"]


@pytest.mark.slow  # the Ctrl-C test resumes a benchmark, the sweep test a SIGKILL
def test_benchmark_killed_mid_way_resumes(tmp_path):
    path = tmp_path / "run.json"
    proc = _spawn(_BENCH + """
exactfit.benchmark(task, methods=methods, n_runs=3, progress=False, checkpoint={path!r})
""", path=str(path))
    _wait_for_entries(path, 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert 1 <= len(json.loads(path.read_text())["done"]) < 6
    task = tasks.euclid(150, random_state=7)
    methods = [Method("sgd", functools.partial(exactfit.train_gd, hidden=3, optimizer="sgd",
                                               max_iter=400)),
               Method("adam", functools.partial(exactfit.train_gd, hidden=3, optimizer="adam",
                                                max_iter=300))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resumed = exactfit.benchmark(task, methods=methods, n_runs=3, progress=False,
                                     checkpoint=path)
        fresh = exactfit.benchmark(task, methods=methods, n_runs=3, progress=False)
    assert _without_times(resumed) == _without_times(fresh)


@pytest.mark.parametrize("kind", ["result", "benchmark report"])
def test_a_process_killed_while_saving_never_leaves_a_truncated_file(tmp_path, kind):
    # The saving process is killed by the kernel in the middle of writing: a file-size
    # limit of half the file, with SIGXFSZ's default action (terminate), stops it at
    # the write that crosses it. A plain open-and-write save leaves the file cut in
    # half; the atomic save leaves the previous complete file.
    proc = _spawn("""
import os, resource, signal
import numpy as np
net = exactfit.Network([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])
res = exactfit.FitResult(network=net, loss=1.0, loss_curve=np.linspace(0, 1, 20000),
                         generation=0)
if {kind!r} == "benchmark report":
    rec = dict(seed=0, loss=1.0, time=1.0, nit=1, evidence="none", reasons=[], n_dead=0,
               n_collapsed=0, n_linear=0, network=net.to_dict(),
               loss_curve=res.loss_curve.tolist())
    res = exactfit.BenchmarkReport.from_runs(dict(m=[rec]), generation=0)
    res.meta["generation"] = 0
path = {path!r}
res.save(path)
size = os.path.getsize(path)
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; the kernel kills
    resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, size // 2))
    if {kind!r} == "benchmark report":
        res.meta["generation"] = 1
    else:
        res["generation"] = 1
    res.save(path)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("killed" if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXFSZ
      else "not killed")
back = (exactfit.BenchmarkReport.load(path).meta if {kind!r} == "benchmark report"
        else exactfit.FitResult.load(path))
print("generation", back["generation"])
""", path=str(tmp_path / "r.json"), kind=kind)
    out, err = proc.communicate(timeout=300)
    assert out.split() == ["killed", "generation", "0"], (out, err)

"""exactfit.check: a trained model against the best-known network of its architecture."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

import exactfit
from exactfit import Network
from exactfit.check import CONCLUSIONS, check, verdict
from exactfit.plot import CheckDisplay


@pytest.fixture(scope="module")
def task():
    return exactfit.tasks.euclid(300, random_state=0)


@pytest.fixture(scope="module")
def optimum(task):
    return exactfit.fit_global(task.X, task.y, hidden=3, random_state=0, n_restarts=6)


def test_model_at_the_optimum(task, optimum):
    r = check(optimum, task.X, task.y, random_state=1)
    assert r.conclusion == "optimum"
    assert r.best_loss <= r.model_loss <= r.best_loss * 1.01
    assert r.model_loss == pytest.approx(exactfit.mse(optimum.network, task.X, task.y), rel=1e-12)
    text = str(r)
    assert "change the architecture" in text and "2 -> 3 relu -> 1" in text
    assert r.verdict in exactfit.certify.VERDICTS


def test_not_converged_model(task, optimum):
    """A small step away from the optimum: L-BFGS from it comes back, so training stopped early."""
    theta = optimum.network.to_flat()
    near = optimum.network.with_flat(theta + 0.02 * np.random.RandomState(0).normal(size=theta.size))
    r = check(near, task.X, task.y)
    assert r.model_loss > r.best_loss * 1.01
    assert r.conclusion == "not converged"
    assert r.polished_loss <= r.best_loss * 1.01
    assert "stopped too early" in str(r)


def test_local_minimum_with_a_dead_unit(task, optimum):
    """Kill one unit of the optimum: the other two settle in a worse minimum."""
    net = optimum.network.copy()
    net.biases[0][0] = -100.0
    r = check(net, task.X, task.y)
    assert r.conclusion == "local minimum"
    assert r.diagnosis.dead == [(0, 0)]
    assert r.polished_loss > r.best_loss * 1.01
    assert r.ratio == pytest.approx(r.model_loss / r.best_loss)
    text = str(r)
    assert "1 dead unit" in text and "a training problem, not a capacity problem" in text


def test_frameworks_give_the_same_check(task, optimum):
    net = optimum.network
    sk = check(net.to_sklearn(), task.X, task.y, local=False)
    ke = check(net.to_keras_weights(), task.X, task.y, activation="relu", local=False)
    assert sk.model_loss == pytest.approx(ke.model_loss, rel=1e-12)
    assert sk.local is None and "local=False" in sk.local_note
    torch = pytest.importorskip("torch")
    th = check(net.to_torch(dtype=torch.float32), task.X, task.y, local=False)
    assert th.model_loss == pytest.approx(sk.model_loss, rel=1e-5)


def test_zero_loss_problem():
    """y = relu(x) - relu(-x) = x with two units: the best is 0, ratios stay finite."""
    x = np.linspace(-1, 1, 21)[:, None]
    y = np.abs(x[:, 0])
    exact = Network([np.array([[1.0, -1.0]]), np.array([[1.0], [1.0]])], [np.zeros(2), [0.0]])
    r = check(exact, x, y)
    assert r.model_loss < 1e-25 and r.conclusion == "optimum" and r.ratio == 1.0
    off = Network([np.array([[1.0, -1.0]]), np.array([[1.0], [0.5]])], [np.zeros(2), [0.0]])
    r2 = check(off, x, y)
    assert r2.conclusion == "not converged" and r2.ratio > 1e6  # inf when the best is exactly 0
    json.dumps(r2.to_dict())


def test_no_hidden_layer_uses_least_squares(rng):
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=40)
    lin = Network([np.zeros((3, 1))], [np.zeros(1)], hidden="linear")
    r = check(lin, X, y)
    assert r.conclusion == "not converged"  # L-BFGS on a convex loss reaches the optimum
    assert "exact least squares" in r.evidence_text()


def test_report_dict_and_save(task, optimum, tmp_path):
    r = check(optimum, task.X, task.y, local=False)
    d = r.to_dict()
    json.dumps(d)
    assert d["conclusion"] in CONCLUSIONS and d["best_loss"] == r.best_loss
    assert Network.from_dict(d["best_network"]).layer_sizes == (2, 3, 1)
    for key in ("n_reached", "n_minima", "p_better"):
        assert key in d  # None until fit_global reports them
    r.save(tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text())["model_loss"] == r.model_loss


def test_display(task, optimum):
    net = optimum.network.copy()
    net.biases[0][1] = -100.0
    d = CheckDisplay.from_report(check(net, task.X, task.y, local=False)).plot()
    assert len(d.ax_.patches) == 3 and "training problem" in d.ax_.get_title()
    plt.close("all")


def test_bad_input(task, optimum):
    with pytest.raises(ValueError, match="X has 3 features but the model expects 2"):
        check(optimum, np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match="y has 2 output"):
        check(optimum, task.X, np.ones((len(task.X), 2)))
    with pytest.raises(ValueError, match="name the hidden activation"):
        check(optimum.network.to_keras_weights(), task.X, task.y)
    with pytest.raises(TypeError, match="model must be"):
        check("model.pt", task.X, task.y)
    with pytest.raises(ValueError, match="rtol"):
        check(optimum, task.X, task.y, rtol=-1)
    with pytest.raises(TypeError, match="n_restarts"):
        check(optimum, task.X, task.y, n_restarts=1.5)
    with pytest.raises(ValueError, match="X"):
        check(optimum, np.full((5, 2), np.nan), np.ones(5))


def test_benchmark_verdict(task):
    report = exactfit.benchmark(task, n_runs=3, progress=False, methods=[
        exactfit.Method("fit_global", exactfit.fit_global),
        exactfit.Method("sklearn lbfgs", lambda X, y, random_state: exactfit.train_gd(
            X, y, hidden=3, optimizer="lbfgs", max_iter=20, random_state=random_state))])
    text = verdict(report)
    assert text.startswith(f"The architecture reaches MSE {report.best_loss:.4g}")
    assert "sklearn lbfgs" in text

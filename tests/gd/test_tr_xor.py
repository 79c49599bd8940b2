"""tr_xor's XOR experiments: their training loop transcribed, against the batched replay."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

torch = pytest.importorskip("torch", reason="the torch backend needs PyTorch")
nn = torch.nn

import exactfit  # noqa: E402
from exactfit.gd import tr_xor  # noqa: E402
from exactfit.gd._tr_xor import XOR_X, XOR_Y, _initial  # noqa: E402


def _their_run(W0, model):
    """tr_xor's ``Model_ReLU1`` / ``Model_Abs1`` and ``execute_training_run`` (src/run.py,
    commit 4a1a9d7), from the initial weights W0."""
    lin = nn.Linear(2, W0.shape[0])
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W0))
        lin.bias.zero_()
    if model == "relu1":
        def forward(x):
            return torch.relu(lin(x)).sum(dim=1, keepdim=True).squeeze()
    else:
        def forward(x):
            return torch.abs(lin(x)).squeeze()
    opt = torch.optim.Adam(lin.parameters(), lr=0.01, betas=(0.9, 0.99))
    loss_function = nn.MSELoss()
    x, y = torch.tensor(XOR_X, dtype=torch.float32), torch.tensor(XOR_Y, dtype=torch.float32)
    epochs, patience = (800, 10) if model == "relu1" else (400, None)
    best_loss, patience_counter = float("inf"), 0
    for epoch in range(epochs):
        loss = loss_function(forward(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        current_loss = loss.item()
        if current_loss < 1e-7:
            break
        if patience:
            loss_delta = best_loss - current_loss
            if loss_delta > 1e-24:
                best_loss, patience_counter = current_loss, 0
            else:
                patience_counter += 1
            if patience_counter > patience:
                break
        if current_loss < best_loss:
            best_loss = current_loss
    with torch.no_grad():
        acc = ((forward(x) > 0.5).float() == y).float().mean().item()
    return lin.weight.detach().numpy(), lin.bias.detach().numpy(), epoch + 1, acc


@pytest.mark.parametrize("model,reinit", [("relu1", False), ("relu1", True), ("abs1", False)])
def test_replays_their_loop_bit_for_bit(model, reinit):
    seeds = list(range(6))
    res = tr_xor(model, reinit=reinit, seeds=seeds, progress=False)
    units = 2 if model == "relu1" else 1
    for r, s in zip(res, seeds):
        W0, _ = _initial(s, units, reinit, 0.5)
        W, b, nit, acc = _their_run(W0, model)
        assert r.nit == nit and r.accuracy == acc
        # the network holds exactly their float32 weights (abs1: the first of the pair)
        assert np.array_equal(r.network.weights[0].T[:units], W.astype(np.float64))
        assert np.array_equal(r.network.biases[0][:units], b.astype(np.float64))


def test_batched_equals_one_at_a_time():
    seeds = [3, 8, 21]
    together = tr_xor("relu1", seeds=seeds, progress=False)
    for r, s in zip(together, seeds):
        alone = tr_xor("relu1", seeds=[s], progress=False)[0]
        assert alone.nit == r.nit and alone.network == r.network


def test_initialisation():
    res = tr_xor("relu1", seeds=range(300), epochs=1, progress=False)
    W = np.concatenate([r.initial_network.weights[0].ravel() for r in res])
    assert stats.kstest(W, stats.norm(scale=0.5).cdf).pvalue > 1e-3
    assert all(np.all(r.initial_network.biases[0] == 0) for r in res)
    # reinit: no point is dead in both units at the start, and some seeds needed redraws
    res = tr_xor("relu1", reinit=True, seeds=range(100), epochs=1, progress=False)
    assert not any(any(r.dead_at_init) for r in res)
    assert max(r.reinit_attempts for r in res) > 1


def test_results_describe_the_run():
    res = tr_xor("relu1", seeds=range(30), progress=False)
    assert {r.stop for r in res} <= {"loss", "patience", "epochs"}
    for r in res:
        out = r.network.predict(XOR_X)
        assert r.accuracy == np.mean((out > 0.5) == (XOR_Y == 1))
        assert r.solved == (r.accuracy == 1.0)
        assert r.loss == pytest.approx(exactfit.mse(r.network, XOR_X, XOR_Y), abs=0)
        assert np.all(r.network.weights[1] == 1) and np.all(r.network.biases[1] == 0)
        if r.stop == "loss":
            assert r.solved
    assert any(r.solved for r in res) and not all(r.solved for r in res)


def test_abs1_network_is_the_absolute_value():
    r = tr_xor("abs1", seeds=[4], progress=False)[0]
    w, b = r.network.weights[0][:, 0], r.network.biases[0][0]
    np.testing.assert_allclose(r.network.predict(XOR_X), np.abs(XOR_X @ w + b), atol=1e-15)
    assert r.solved and r.stop == "loss"


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(model="relu2"), ValueError, "model"),
    (dict(model="abs1", reinit=True), ValueError, "reinit"),
    (dict(reinit="yes"), TypeError, "reinit"),
    (dict(seeds=[-1]), ValueError, "seeds"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(init_std=0.0), ValueError, "init_std"),
    (dict(device="cuda:77"), ValueError, "device"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        tr_xor(progress=False, **{"seeds": [0], **kwargs})


@pytest.mark.slow
def test_success_rates_are_stable_across_seed_sets():
    a = sum(r.solved for r in tr_xor("relu1", seeds=range(1000), progress=False))
    b = sum(r.solved for r in tr_xor("relu1", seeds=range(1000, 2000), progress=False))
    assert stats.fisher_exact([[a, 1000 - a], [b, 1000 - b]]).pvalue > 1e-3


@settings(max_examples=20, deadline=None)
@given(model=st.sampled_from(["relu1", "abs1"]), reinit=st.booleans(),
       seeds=st.lists(st.integers(0, 2 ** 32 - 1), min_size=1, max_size=4),
       epochs=st.integers(1, 30))
def test_properties_of_any_short_run(model, reinit, seeds, epochs):
    reinit = reinit and model == "relu1"
    res = tr_xor(model, reinit=reinit, seeds=seeds, epochs=epochs, progress=False)
    assert [r.random_state for r in res] == seeds
    for r in res:
        assert 1 <= r.nit <= epochs and r.accuracy in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert r.loss == exactfit.mse(r.network, XOR_X, XOR_Y)
        assert not (reinit and any(r.dead_at_init))

"""Safran & Shamir's gradient descent: their loop transcribed, batched, against the closed form."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

torch = pytest.importorskip("torch", reason="the torch backend needs PyTorch")

from exactfit.gd import safran_gd  # noqa: E402
from exactfit.gd._batched_population import _Grad2Pi  # noqa: E402
from exactfit.gd._safran import _initial  # noqa: E402
from exactfit.population import population_mse, population_mse_and_grad  # noqa: E402


def _find_minimum(W, V, stepsize=0.1, target=1e-9, max_iter=10 ** 6):
    """``findMinimum.m`` line by line (numpy; acos of clipped cosines)."""
    stepsize = stepsize / (2 * math.pi)
    gradnorm = math.inf
    Winit = W.copy()
    it = 0
    while gradnorm > target and it < max_iter:
        Wnorms = np.sqrt((W ** 2).sum(0))
        Vnorms = np.sqrt((V ** 2).sum(0))
        Wnormalized = W / Wnorms
        Vnormalized = V / Vnorms
        AnglesWW = np.arccos(np.clip(Wnormalized.T @ Wnormalized, -1, 1))
        AnglesVW = np.arccos(np.clip(Vnormalized.T @ Wnormalized, -1, 1))
        gWW = (Wnorms @ np.sin(AnglesWW)) * Wnormalized + W @ (np.pi - AnglesWW)
        gWV = (Vnorms @ np.sin(AnglesVW)) * Wnormalized + V @ (np.pi - AnglesVW)
        Grad = gWW - gWV
        W = W - stepsize * Grad
        it += 1
        gradnorm = math.sqrt((Grad ** 2).sum(0).max())
        if gradnorm > 1e4:
            W = Winit.copy()
            stepsize /= 2
    return W, it


def _objval(W, V):
    """``objval.m`` transcribed."""
    Wn, Vn = np.sqrt((W ** 2).sum(0)), np.sqrt((V ** 2).sum(0))
    h = lambda t: np.sin(t) + (np.pi - t) * np.cos(t)  # noqa: E731
    ang = lambda A, B: np.arccos(np.clip((A / np.linalg.norm(A, axis=0)).T  # noqa: E731
                                         @ (B / np.linalg.norm(B, axis=0)), -1, 1))
    return (Wn @ h(ang(W, W)) @ Wn / 2 - Vn @ h(ang(V, W)) @ Wn
            + Vn @ h(ang(V, V)) @ Vn / 2) / (2 * np.pi)


@pytest.mark.parametrize("axes", [True, False])
def test_batched_gradient_is_pi_times_the_population_gradient(axes):
    rs = np.random.RandomState(0)
    d, k, n = 6, 4, 5
    V = np.eye(d)[:, :k] if axes else np.linalg.qr(rs.randn(d, d))[0][:, :k] * 1.3
    W = rs.randn(7, d, n)
    G = _Grad2Pi(torch, V, 7, "cpu")(torch.tensor(W)).numpy()
    for i in range(7):
        # 2 pi * grad of F = E[...]^2 / 2 is pi * grad of the population MSE
        np.testing.assert_allclose(G[i], math.pi * population_mse_and_grad(W[i], V)[1],
                                   rtol=1e-12, atol=1e-12)


def test_objective_is_their_objval():
    rs = np.random.RandomState(1)
    V = np.eye(5)
    for _ in range(5):
        W = rs.randn(5, 6)
        assert 0.5 * population_mse(W, V) == pytest.approx(_objval(W, V), rel=1e-12)


@pytest.mark.parametrize("k,n,max_iter", [(3, 3, 10 ** 6), (4, 4, 10 ** 6), (4, 5, 2000)])
def test_replays_their_loop_seed_for_seed(k, n, max_iter):
    # n = k + 1 needs ~10^6 steps to meet the tol rule: compare after 2000
    seeds = [0, 3]
    res = safran_gd(k, n, seeds=seeds, max_iter=max_iter, progress=False)
    V = np.eye(k)
    for r, s in zip(res, seeds):
        W, it = _find_minimum(_initial(s, k, n), V, max_iter=max_iter)
        assert r.nit == it
        np.testing.assert_allclose(r.network.weights[0], W, rtol=0, atol=1e-9)
        assert r.loss == pytest.approx(_objval(W, V), abs=1e-12)
        assert r.success == (r.grad_norm <= 1e-9) == (it < max_iter)


def test_batched_equals_one_at_a_time():
    seeds = [5, 17, 99]
    together = safran_gd(4, 4, seeds=seeds, progress=False)
    for r, s in zip(together, seeds):
        alone = safran_gd(4, 4, seeds=[s], progress=False)[0]
        assert alone.nit == r.nit
        np.testing.assert_allclose(alone.network.weights[0], r.network.weights[0],
                                   rtol=0, atol=1e-12)


def test_initialisation_is_gaussian_over_sqrt_d():
    W = np.stack([_initial(s, 9, 4) for s in range(300)]).ravel()
    assert stats.kstest(W, stats.norm(scale=1 / 3).cdf).pvalue > 1e-3


def test_results_describe_the_run():
    res = safran_gd(4, 4, seeds=range(6), progress=False)
    for r in res:
        W = r.network.weights[0]
        assert r.network.layer_sizes == (4, 4, 1)
        assert np.all(r.network.weights[1] == 1) and all(np.all(b == 0) for b in r.network.biases)
        assert r.loss == pytest.approx(0.5 * population_mse(W, np.eye(4)), abs=1e-15)
        assert r.population_mse == pytest.approx(2 * r.loss)
        assert r.stuck == (r.loss >= 1e-3)
        assert r.loss_kind == "population_mse/2" and r.method == "safran-gd"
        if not r.stuck:
            # the global minimum: the student is the teacher up to a permutation
            match = np.abs(np.abs(W.T @ np.eye(4)) - 1).min(1)
            assert match.max() < 1e-6 and sorted(np.argmax(W, 0)) == [0, 1, 2, 3]


def test_divergence_restarts_with_half_the_step():
    r = safran_gd(3, 3, seeds=[0], learning_rate=40.0, progress=False)[0]
    assert r.restarts >= 1
    assert r.learning_rate == pytest.approx(40.0 / 2 ** r.restarts)
    assert r.success and not r.stuck
    assert "restart" in r.message


def test_max_iter_is_reported():
    r = safran_gd(4, 4, seeds=[0], max_iter=10, progress=False)[0]
    assert not r.success and r.nit == 10 and "max_iter" in r.message
    assert r.grad_norm > 1e-9


def test_early_decision_keeps_every_stuck_flag():
    seeds = [0, 1, 25]
    faithful = safran_gd(8, 8, seeds=seeds, progress=False)
    early = safran_gd(8, 8, seeds=seeds, decide_below=1e-6, progress=False)
    assert [r.stuck for r in early] == [r.stuck for r in faithful]
    assert any(r.stuck for r in faithful)  # the check has both kinds (seed 25 is stuck)
    for a, b in zip(faithful, early):
        if b.decided_early:
            assert b.loss < 1e-6 and b.success and not b.stuck and b.nit <= a.nit
            assert "Decided" in b.message
        else:  # stuck runs run to the tol rule, the same steps
            assert b.nit == a.nit and b.loss == pytest.approx(a.loss, abs=1e-12)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(k=5, n=5, d=3), ValueError, "k must be at most d"),
    (dict(k=0, n=5), ValueError, "k"),
    (dict(k=2, n=2.5), TypeError, "n"),
    (dict(k=2, n=2, seeds=[]), ValueError, "seeds"),
    (dict(k=2, n=2, learning_rate=0.0), ValueError, "learning_rate"),
    (dict(k=2, n=2, teacher=np.ones((3, 2))), ValueError, "teacher"),
    (dict(k=2, n=2, teacher=np.zeros((2, 2))), ValueError, "zero column"),
    (dict(k=2, n=2, device="cuda:123"), ValueError, "device"),
    (dict(k=2, n=2, decide_below=0.1), ValueError, "decide_below"),
    (dict(k=2, n=2, check_every=0), ValueError, "check_every"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        safran_gd(progress=False, **{"seeds": [0], **kwargs})


@pytest.mark.slow
def test_stuck_rate_of_k_n_8_agrees_with_the_paper():
    # Results/newExp-8-8.mat of ItaySafran/OneLayerGDconvergence: 126 stuck of 1000
    res = safran_gd(8, 8, seeds=range(400), progress=False)
    stuck = sum(r.stuck for r in res)
    assert stats.binomtest(stuck, 400, 0.126).pvalue > 1e-3


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 5), extra_d=st.integers(0, 2), extra_n=st.integers(0, 2),
       seeds=st.lists(st.integers(0, 2 ** 32 - 1), min_size=1, max_size=3),
       max_iter=st.integers(1, 60))
def test_properties_of_any_small_run(k, extra_d, extra_n, seeds, max_iter):
    d, n = k + extra_d, k + extra_n
    res = safran_gd(k, n, seeds=seeds, d=d, max_iter=max_iter, progress=False)
    assert [r.random_state for r in res] == seeds
    V = np.eye(d)[:, :k]
    for r in res:
        W = r.network.weights[0]
        assert W.shape == (d, n) and 1 <= r.nit <= max_iter
        assert r.loss == pytest.approx(0.5 * population_mse(W, V), abs=1e-14)
        assert r.stuck == (r.loss >= 1e-3)
        assert r.success == (r.grad_norm <= 1e-9)

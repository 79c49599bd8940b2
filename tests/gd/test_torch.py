"""The PyTorch trainer: Keras/Flux protocols, batched seeds, against independent computations."""

import numpy as np
import pytest
from scipy import stats

torch = pytest.importorskip("torch", reason="the torch backend needs PyTorch: "
                            "pip install torch==2.13.0 (or exactfit[torch])")

import exactfit  # noqa: E402
from exactfit import loss_and_grad, mse  # noqa: E402
from exactfit.gd import KERAS_OPTIMIZERS, train_gd_many, train_torch  # noqa: E402

ACTS = ("relu", "leaky_relu", "elu", "selu", "tanh", "sigmoid", "softplus")


def _data(n=12, d=2, n_out=1, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.uniform(-1, 1, (n, d))
    y = np.linalg.norm(X, axis=1) if n_out == 1 else np.c_[np.abs(X).sum(1), X[:, 0] ** 2]
    return X, y


def _initial(X, y, seed, **kw):
    """The initial network of `seed`: one epoch of SGD with learning rate 0."""
    kw = {**kw, "optimizer": "sgd", "learning_rate": 0.0, "epochs": 1, "progress": False,
          "dtype": "float64", "loss_curve": False}
    return train_gd_many(X, y, seeds=[seed], **kw)[0].network


# --------------------------------------------------------------------------- defaults

def test_keras_optimizer_defaults_match_documented_values():
    # keras.io/api/optimizers/<name>/ (Keras 3) signatures.
    documented = {
        "sgd": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
        "rmsprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07,
                        centered=False),
        "adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                     amsgrad=False),
        "adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
        "nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
        "adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07),
        "adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-07),
    }
    assert KERAS_OPTIMIZERS == documented


def test_results_record_the_hyperparameters_used():
    X, y = _data()
    r = train_torch(X, y, optimizer="rmsprop", epochs=1, random_state=3, rho=0.8)
    assert r.hyperparameters["rho"] == 0.8
    assert r.hyperparameters["epsilon"] == 1e-7
    assert r.hyperparameters["learning_rate"] == 0.001
    assert r.method == "torch-keras:rmsprop" and r.evidence == "none" and r.nit == 1


# --------------------------------------------------------------------------- init

def test_glorot_uniform_initial_weights():
    X, y = _data(n=4, d=5)
    res = train_gd_many(X, y, seeds=range(400), hidden=7, optimizer="sgd", learning_rate=0.0,
                        epochs=1, progress=False, dtype="float64", loss_curve=False)
    W1 = np.stack([r.network.weights[0] for r in res]).ravel()
    W2 = np.stack([r.network.weights[1] for r in res]).ravel()
    for W, fan_in, fan_out in ((W1, 5, 7), (W2, 7, 1)):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        assert np.all(np.abs(W) <= limit)
        # the whole distribution, not only its moments
        assert stats.kstest(W, stats.uniform(-limit, 2 * limit).cdf).pvalue > 1e-3
        # variance limit^2 / 3 within 5 standard errors of a sample variance
        se = np.sqrt((limit ** 4 / 5 - limit ** 4 / 9) / W.size)
        assert abs(W.var() - limit ** 2 / 3) < 5 * se
    for r in res:
        assert all(np.all(b == 0) for b in r.network.biases)
    # seeds give different networks
    assert not np.array_equal(res[0].network.weights[0], res[1].network.weights[0])


# --------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_one_sgd_step_is_the_exact_gradient(activation, loss):
    # Full batch, SGD, learning rate 1: theta_1 = theta_0 - grad, compared with
    # exactfit.loss_and_grad (numpy, analytic) on two hidden layers and two outputs.
    X, y = _data(n=9, d=3, n_out=2, seed=1)
    kw = dict(hidden=(4, 3), activation=activation, loss=loss, batch_size=9)
    net0 = _initial(X, y, 5, **kw)
    # give the biases non-zero values through a first step, then check the second
    r1 = train_gd_many(X, y, seeds=[5], optimizer="sgd", learning_rate=0.3, epochs=1,
                       progress=False, dtype="float64", **kw)[0]
    r2 = train_gd_many(X, y, seeds=[5], optimizer="sgd", learning_rate=0.3, epochs=2,
                       progress=False, dtype="float64", **kw)[0]
    _, g0 = loss_and_grad(net0, X, y, loss)
    np.testing.assert_allclose(net0.to_flat() - r1.network.to_flat(), 0.3 * g0,
                               rtol=1e-9, atol=1e-12)
    _, g1 = loss_and_grad(r1.network, X, y, loss)
    np.testing.assert_allclose(r1.network.to_flat() - r2.network.to_flat(), 0.3 * g1,
                               rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- optimizers

def _keras_reference(name, theta, grad_fn, steps, lr, h):
    """Keras 3 update rules written out in numpy, step by step."""
    s = {k: np.zeros_like(theta) for k in ("m", "v", "u", "a", "d")}
    if name == "adagrad":
        s["v"] = np.full_like(theta, h["initial_accumulator_value"])
    u_prod = 1.0
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        if name == "sgd":
            if h["momentum"]:
                s["m"] = h["momentum"] * s["m"] - lr * g
                theta = theta + (h["momentum"] * s["m"] - lr * g if h["nesterov"] else s["m"])
            else:
                theta = theta - lr * g
        elif name == "rmsprop":
            s["v"] = h["rho"] * s["v"] + (1 - h["rho"]) * g ** 2
            inc = lr * g / np.sqrt(s["v"] + h["epsilon"])
            if h["momentum"]:
                s["m"] = h["momentum"] * s["m"] + inc
                inc = s["m"]
            theta = theta - inc
        elif name == "adam":
            b1, b2 = h["beta_1"], h["beta_2"]
            s["m"] = b1 * s["m"] + (1 - b1) * g
            s["v"] = b2 * s["v"] + (1 - b2) * g ** 2
            alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            theta = theta - alpha * s["m"] / (np.sqrt(s["v"]) + h["epsilon"])
        elif name == "adamax":
            b1, b2 = h["beta_1"], h["beta_2"]
            s["m"] = b1 * s["m"] + (1 - b1) * g
            s["u"] = np.maximum(b2 * s["u"], np.abs(g))
            theta = theta - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + h["epsilon"]))
        elif name == "nadam":
            b1, b2 = h["beta_1"], h["beta_2"]
            u_t = b1 * (1 - 0.5 * 0.96 ** t)
            u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            u_prod = u_prod * u_t
            s["m"] = b1 * s["m"] + (1 - b1) * g
            s["v"] = b2 * s["v"] + (1 - b2) * g ** 2
            m_hat = u_t1 * s["m"] / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
            v_hat = s["v"] / (1 - b2 ** t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + h["epsilon"])
        elif name == "adagrad":
            s["v"] = s["v"] + g ** 2
            theta = theta - lr * g / np.sqrt(s["v"] + h["epsilon"])
        elif name == "adadelta":
            rho, eps = h["rho"], h["epsilon"]
            s["a"] = rho * s["a"] + (1 - rho) * g ** 2
            delta = -np.sqrt(s["d"] + eps) / np.sqrt(s["a"] + eps) * g
            s["d"] = rho * s["d"] + (1 - rho) * delta ** 2
            theta = theta + lr * delta
    return theta


@pytest.mark.parametrize("name,options", [
    ("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.5}), ("adam", {}), ("adamax", {}),
    ("nadam", {}), ("adagrad", {}), ("adadelta", {}),
    # a large epsilon makes Keras's placement of epsilon (vs torch.optim's) visible
    ("adam", {"epsilon": 0.05}), ("rmsprop", {"epsilon": 0.05}),
])
def test_optimizer_matches_keras_formula(name, options):
    X, y = _data(n=8, d=2)
    kw = dict(hidden=3, batch_size=8)
    net0 = _initial(X, y, 11, **kw)
    lr = 0.05
    res = train_gd_many(X, y, seeds=[11], optimizer=name, learning_rate=lr, epochs=4,
                        progress=False, dtype="float64", **kw, **options)[0]
    h = {**KERAS_OPTIMIZERS[name], **options}
    ref = _keras_reference(name, net0.to_flat(),
                           lambda th: loss_and_grad(net0.with_flat(th), X, y)[1], 4, lr, h)
    np.testing.assert_allclose(res.network.to_flat(), ref, rtol=1e-9, atol=1e-12)


def test_adam_epsilon_placement_differs_from_torch_optim():
    # Keras's Adam (epsilon added to sqrt(v) before bias correction) is not
    # torch.optim.Adam with the same epsilon: with a large epsilon they part.
    X, y = _data(n=8, d=2)
    net0 = _initial(X, y, 2, hidden=3, batch_size=8)
    ours = train_gd_many(X, y, seeds=[2], hidden=3, batch_size=8, optimizer="adam",
                         learning_rate=0.05, epochs=3, epsilon=0.05, progress=False,
                         dtype="float64")[0].network.to_flat()
    th = torch.tensor(net0.to_flat(), requires_grad=True)
    opt = torch.optim.Adam([th], lr=0.05, eps=0.05)
    for _ in range(3):
        opt.zero_grad()
        th.grad = torch.tensor(loss_and_grad(net0.with_flat(th.detach().numpy()), X, y)[1])
        opt.step()
    assert np.max(np.abs(th.detach().numpy() - ours)) > 1e-4


# --------------------------------------------------------------------------- batching

@pytest.mark.parametrize("protocol,optimizer,options,dropout", [
    ("keras", "adam", {}, 0.0),
    ("keras", "sgd", {"momentum": 0.9}, 0.0),
    ("keras", "adam", {}, 0.3),
    ("keras", "sgd", {}, 0.3),
    ("keras", "rmsprop", {}, 0.0),
    ("flux", "sgd", {}, 0.0),
])
def test_batched_equals_one_at_a_time(protocol, optimizer, options, dropout):
    X, y = _data(n=50, d=2)
    kw = dict(hidden=4, optimizer=optimizer, protocol=protocol, dropout=dropout, epochs=6,
              batch_size=16 if protocol == "keras" else 1, progress=False, dtype="float64",
              **options)
    seeds = [0, 7, 123, 99991]
    batched = train_gd_many(X, y, seeds=seeds, **kw)
    for s, rb in zip(seeds, batched):
        alone = train_gd_many(X, y, seeds=[s], **kw)[0]
        np.testing.assert_allclose(rb.network.to_flat(), alone.network.to_flat(),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(rb.loss_curve, alone.loss_curve, rtol=1e-10)
        assert rb.random_state == s
    # and the seeds are not all the same run
    assert not np.allclose(batched[0].network.to_flat(), batched[1].network.to_flat())


def test_float32_batch_matches_float64_closely():
    X, y = _data(n=40)
    kw = dict(seeds=range(3), hidden=3, epochs=5, batch_size=8, progress=False)
    a = train_gd_many(X, y, dtype="float32", **kw)
    b = train_gd_many(X, y, dtype="float64", **kw)
    for ra, rb in zip(a, b):
        np.testing.assert_allclose(ra.network.to_flat(), rb.network.to_flat(), atol=1e-4)


def test_dropout_changes_training_but_not_the_reported_loss_definition():
    X, y = _data(n=40)
    kw = dict(seeds=[4], hidden=5, epochs=5, batch_size=8, progress=False, dtype="float64")
    r0 = train_gd_many(X, y, **kw)[0]
    r1 = train_gd_many(X, y, dropout=0.5, **kw)[0]
    assert not np.allclose(r0.network.to_flat(), r1.network.to_flat())
    assert r1.loss == pytest.approx(mse(r1.network, X, y), rel=1e-12)
    assert r1.loss_curve[-1] == pytest.approx(r1.loss, rel=1e-12)


def test_train_torch_replays_its_seed():
    X, y = _data(n=30)
    r = train_torch(X, y, epochs=3, random_state=np.random.RandomState(0), dtype="float64")
    again = train_gd_many(X, y, seeds=[r.random_state], epochs=3, progress=False,
                          dtype="float64")[0]
    np.testing.assert_array_equal(r.network.to_flat(), again.network.to_flat())
    r5 = train_torch(X, y, epochs=2, random_state=5)
    assert r5.random_state == 5


# --------------------------------------------------------------------------- behaviour

def test_training_the_euclid_net_decreases_the_loss():
    task = exactfit.tasks.euclid(400, random_state=1)
    res = train_gd_many(task.X, task.y, seeds=range(16), epochs=30, progress=False)
    init = [mse(_initial(task.X, task.y, s, hidden=3), task.X, task.y) for s in range(16)]
    final = np.array([r.loss for r in res])
    assert np.all(final < np.array(init))
    for r in res:
        assert r.loss == pytest.approx(mse(r.network, task.X, task.y), rel=1e-12)
        assert len(r.loss_curve) == 30
        # a float32 curve entry of the final weights agrees with the float64 loss
        assert r.loss_curve[-1] == pytest.approx(r.loss, rel=1e-12)


def _flux_replay(W1, b1, W2, b2, targets, iterations=1000, lr0=0.1):
    """The Flux question's loop in plain numpy (1 input, n ReLU units, MAE, Descent)."""
    W1, b1, W2, b2 = (np.array(a, dtype=float).ravel() for a in (W1, b1, W2, b2))
    for i in range(1, iterations + 1):
        lr = lr0 * (1 - i / iterations)
        for x, t in ((0.0, targets[0]), (1.0, targets[1])):
            z = W1 * x + b1
            h = np.maximum(z, 0)
            out = h @ W2 + b2[0]
            g = np.sign(out - t)
            gz = g * W2 * (z > 0)            # relu'(0) = 0, as in Flux
            W2, b2 = W2 - lr * g * h, b2 - lr * g
            W1, b1 = W1 - lr * gz * x, b1 - lr * gz
    return W1, b1, W2, b2


def test_flux_protocol_replays_the_question_step_for_step():
    X, y = [[0.0], [1.0]], [1.0, 2.0]
    seeds = range(6)
    res = train_gd_many(X, y, seeds=seeds, hidden=3, protocol="flux", loss="mae",
                        optimizer="sgd", progress=False, dtype="float64")
    for s, r in zip(seeds, res):
        n0 = _initial(X, y, s, hidden=3, protocol="flux")
        W1, b1, W2, b2 = _flux_replay(n0.weights[0], n0.biases[0], n0.weights[1],
                                      n0.biases[1], (1.0, 2.0))
        np.testing.assert_allclose(r.network.weights[0].ravel(), W1, atol=1e-10)
        np.testing.assert_allclose(r.network.biases[0], b1, atol=1e-10)
        np.testing.assert_allclose(r.network.weights[1].ravel(), W2, atol=1e-10)
        np.testing.assert_allclose(r.network.biases[1], b2, atol=1e-10)
        assert r.nit == 1000 and r.method == "torch-flux:sgd"


def test_flux_one_unit_succeeds_for_some_seeds_and_dies_for_others():
    X, y = np.array([[0.0], [1.0]]), np.array([1.0, 2.0])
    res = train_gd_many(X, y, seeds=range(40), hidden=1, protocol="flux", loss="mae",
                        optimizer="sgd", progress=False)
    exact, dead = 0, 0
    for r in res:
        p = r.network.predict(X)
        if np.allclose(p, y, atol=1e-3):
            exact += 1
        else:
            # the failure of the question: the unit is off on both inputs, so the
            # output is one constant
            z = r.network.hidden_preactivations(X)[0]
            assert np.all(z <= 0)
            assert p[0] == p[1]
            assert exactfit.diagnose(r.network, X).dead == [(0, 0)]
            dead += 1
    assert exact >= 1 and dead >= 1


def test_relu_grad_at_zero_changes_the_flux_run():
    # With zero initial biases, input 0 meets ReLU exactly at 0 on the first step.
    X, y = [[0.0], [1.0]], [1.0, 2.0]
    kw = dict(seeds=range(4), hidden=2, protocol="flux", loss="mae", optimizer="sgd",
              epochs=3, progress=False, dtype="float64")
    a = train_gd_many(X, y, **kw)
    b = train_gd_many(X, y, relu_grad_at_zero=1.0, **kw)
    assert any(not np.allclose(ra.network.to_flat(), rb.network.to_flat())
               for ra, rb in zip(a, b))


def test_interrupt_returns_the_last_completed_epoch():
    X, y = _data(n=30)

    def schedule(i):
        if i == 3:
            raise KeyboardInterrupt
        return 0.01

    kw = dict(seeds=[1, 2], hidden=3, batch_size=10, progress=False, dtype="float64",
              optimizer="sgd")
    res = train_gd_many(X, y, epochs=10, schedule=schedule, **kw)
    ref = train_gd_many(X, y, epochs=2, learning_rate=0.01, **kw)
    for r, rr in zip(res, ref):
        assert not r.success and "Interrupted" in r.message and r.nit == 2
        np.testing.assert_array_equal(r.network.to_flat(), rr.network.to_flat())


def test_divergence_is_reported_with_the_last_finite_network():
    X, y = _data(n=30)
    res = train_gd_many(X, y, seeds=[0, 1], hidden=3, activation="linear", optimizer="sgd",
                        learning_rate=1e3, epochs=5, progress=False, dtype="float64")
    for r in res:
        assert not r.success and "non-finite" in r.message
        assert np.all(np.isfinite(r.network.to_flat()))


def test_wide_layers_take_the_exact_gradient_too():
    # n_in > 8 and n_in * n_out > 32 switch the dense layers to einsum.
    rs = np.random.RandomState(3)
    X, y = rs.uniform(-1, 1, (7, 10)), rs.uniform(-1, 1, (7, 2))
    kw = dict(hidden=(12, 5), batch_size=7, activation="tanh")
    net0 = _initial(X, y, 8, **kw)
    r1 = train_gd_many(X, y, seeds=[8, 9], optimizer="sgd", learning_rate=0.3, epochs=1,
                       progress=False, dtype="float64", **kw)[0]
    _, g0 = loss_and_grad(net0, X, y)
    np.testing.assert_allclose(net0.to_flat() - r1.network.to_flat(), 0.3 * g0,
                               rtol=1e-9, atol=1e-12)

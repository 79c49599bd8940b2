"""fit_global: the best-known optimum of a small network, found reliably.

Multistart L-BFGS (scipy) over all weights with the analytic gradient of
:mod:`exactfit.losses`, started from constructions as well as at random. Each
start goes through:

1. a repulsion stage: the MSE plus ``repulsion * var(y) * R`` where
   ``R = sum_{i<j} max(0, cos(v_i, v_j))^2`` over the ``(weights, bias)``
   vectors ``v_i`` of the units of each hidden layer, so two units cannot
   collapse onto one; the weight is annealed (divided by 10 per stage) to 0;
2. after each stage, dead units (never active on the data) are revived: a new
   random direction whose hyperplane passes through a data point, outgoing
   weights re-solved;
3. a final stage on the true MSE alone, with the output layer polished by exact
   least squares before and after, so the returned network minimises the
   unpenalised loss.
"""

import time

import numpy as np
from scipy.optimize import minimize
from sklearn.utils import check_random_state

from ._parallel import draw_seeds, run_trials
from ._validation import (check_choice, check_data, check_hidden, check_nonnegative,
                          check_positive_int)
from .activations import activation, check_activation
from .construct._lstsq import solve_affine
from .construct._pyramid import pyramid_angles
from .losses import LOSSES, Objective
from .network import Network, _forward, n_params, unflatten
from .result import FitResult

__all__ = ["fit_global", "START_KINDS", "repulsion_penalty"]

#: Kinds of starting point; "auto" cycles through them.
START_KINDS = ("spread", "data", "random")

# Relative tolerance within which a restart counts as having reached the best loss.
_REACHED_RTOL = 1e-3


def fit_global(X, y, hidden=3, activation="relu", output="linear", loss="mse",
               n_restarts=3, repulsion=0.1, n_anneal=1, revive=2, starts="auto",
               symmetries="auto", maxiter=3000, init=None, random_state=None, n_jobs=None,
               progress=False):
    """Best-known optimum of a fully connected network by multistart L-BFGS.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    hidden : int or tuple of int, default=3
        Units per hidden layer.
    activation : str, default="relu"
        Hidden activation (see :data:`exactfit.ACTIVATIONS`).
    output : str, default="linear"
        Output activation.
    loss : {"mse", "mae"}, default="mse"
        Loss minimised (least-squares polishing applies to "mse" only).
    n_restarts : int, default=3
        Number of starts.
    repulsion : float, default=0.1
        Initial weight of the repulsion penalty, relative to ``var(y)``; 0 turns it off.
    n_anneal : int, default=1
        Number of penalised stages (weight divided by 10 each) before the final
        unpenalised stage.
    revive : int, default=2
        Rounds of revival per start: units that are dead or never bend (active on
        every sample) get a fresh boundary through a random sample, the start is
        re-optimised, and the revived network is kept if its loss is lower. 0 turns
        revival off.
    starts : "auto" or one of :data:`START_KINDS` or list of them, default="auto"
        Kind of each start. "auto": every other start is "spread", the rest
        alternate "data" and "random". "spread": the
        first layer's directions evenly spread (the pyramid family at a random
        rotation for 2-D inputs, breakpoints at data quantiles for 1-D inputs,
        random near-orthogonal directions otherwise). "data": random directions
        with each unit's boundary through a random data point. "random":
        Glorot-uniform weights, zero biases (Keras's initialisation). The output
        layer of every start is solved by least squares.
    symmetries : "auto" or bool, default="auto"
        After the restarts, also start from the images of the best network under the
        symmetries of the data's bounding box (signed permutations of the input
        coordinates about the data mean: 7 images in 2-D, 47 in 3-D). A symmetric
        domain (the Euclid square) has several symmetric copies of the optimum whose
        losses differ on a finite sample; L-BFGS from one copy never reaches the
        others. "auto": on for 1 to 3 inputs.
    maxiter : int, default=3000
        L-BFGS iterations per stage.
    init : Network or sequence of Network, optional
        Warm starts, run after the `n_restarts` starts: a previous fit, a
        gradient-descent run, or the optimum of a narrower network. A network with
        one hidden layer of fewer units is padded: each new unit gets a random
        direction with its boundary through a random sample and output weight 0, so
        the start keeps the narrower network's function and loss, and the result is
        never worse than it (with the MSE). Other networks must have the
        architecture being fitted. Only the weights are used, so the optimum of a
        ReLU net can start a softplus one. Warm starts skip the repulsion stage (it
        would push them away) but get revival.
    random_state : int, RandomState or None
        Seeds for every start, drawn up front so results do not depend on ``n_jobs``.
    n_jobs : int or None
        Restarts run through joblib (``None``: 1 unless inside ``joblib.parallel_config``).
    progress : bool, default=False
        Show a progress bar over restarts.

    Returns
    -------
    FitResult
        ``method="fit_global"``, ``evidence="search"``, ``restart_losses`` (final loss of
        each start, warm starts last), ``restart_seeds``, ``restart_starts`` (the kind of
        each start, ``"init"`` for warm starts), ``reached_fraction`` (share of
        starts within 0.1% of the best), ``nit`` (L-BFGS iterations, all starts).

    Examples
    --------
    >>> import exactfit
    >>> task = exactfit.tasks.euclid(500, random_state=0)
    >>> res = exactfit.fit_global(task.X, task.y, hidden=3, random_state=0)
    >>> res.loss < exactfit.construct.norm_pyramid(3, task.X, task.y).loss
    True
    """
    t0 = time.perf_counter()
    X, Y = check_data(X, y)
    hidden = check_hidden(hidden)
    check_activation(activation, "activation")
    check_activation(output, "output")
    check_choice(loss, LOSSES, "loss")
    n_restarts = check_positive_int(n_restarts, "n_restarts")
    repulsion = check_nonnegative(repulsion, "repulsion")
    n_anneal = check_positive_int(n_anneal, "n_anneal", minimum=0)
    revive = check_positive_int(revive, "revive", minimum=0)
    maxiter = check_positive_int(maxiter, "maxiter")
    kinds = _start_kinds(starts, n_restarts)
    if isinstance(symmetries, str):
        check_choice(symmetries, ("auto",), "symmetries")
        symmetries = X.shape[1] <= 3
    elif not isinstance(symmetries, (bool, np.bool_)):
        raise TypeError(f"symmetries must be 'auto' or a bool; got {symmetries!r}.")
    sizes = (X.shape[1],) + hidden + (Y.shape[1],)
    init = _check_init(init, sizes)
    # Warm starts take the seeds after the restarts', which stay as without them.
    seeds = draw_seeds(random_state, n_restarts + len(init))
    kinds = kinds + ["init"] * len(init)
    opts = dict(sizes=sizes, act=activation, output=output, loss=loss, repulsion=repulsion,
                n_anneal=n_anneal, revive=revive, maxiter=maxiter)
    args = [(X, Y, kind, seed, opts) for kind, seed in zip(kinds, seeds[:n_restarts])]
    args += [(X, Y, "init", seed, opts, net) for net, seed in zip(init, seeds[n_restarts:])]
    runs = run_trials(_restart, args, n_jobs=n_jobs, progress=progress,
                      desc="fit_global restarts")
    if not runs:
        raise KeyboardInterrupt("fit_global was interrupted before any restart finished.")
    interrupted = len(runs) < len(args)
    losses = np.array([r[1] for r in runs])
    best = int(np.argmin(losses))
    theta, loss_best = runs[best][0], float(losses[best])
    nit = int(sum(r[2] for r in runs))
    mats = _box_symmetries(X.shape[1]) if symmetries and not interrupted else []
    images = run_trials(_image_restart, [(X, Y, theta, P, opts, loss_best) for P in mats],
                        n_jobs=n_jobs) if mats else []
    improved = False
    for th, f, it in images:
        nit += it
        if f < loss_best:
            theta, loss_best, improved = th, f, True
    obj = Objective(X, Y, sizes, activation, output, loss)
    theta, it = _lbfgs(obj, theta, maxiter, tight=True)
    nit += it
    if loss == "mse" and output == "linear":
        theta = _polish_output(X, Y, theta, sizes, activation, output)
    loss_best = obj.value(theta)  # L-BFGS and the least-squares polish never increase it
    net = Network.from_flat(theta, sizes, activation, output)
    reached = float(np.mean(losses <= loss_best * (1 + _REACHED_RTOL) + 1e-15))
    msg = (f"best of {len(runs)} L-BFGS starts" + (f" ({len(init)} warm)" if init else "")
           + (f" and {len(images)} symmetric images of the best" if images else "")
           + f"; {reached:.0%} of starts reached it" + (" (interrupted)" if interrupted else ""))
    return FitResult(network=net, loss=loss_best, loss_kind=loss, method="fit_global",
                     success=not interrupted, message=msg, evidence="search", nit=nit,
                     time=time.perf_counter() - t0,
                     random_state=random_state if isinstance(random_state, int) else None,
                     restart_losses=losses, restart_seeds=seeds[:len(runs)],
                     restart_starts=kinds[:len(runs)], reached_fraction=reached,
                     best_restart=best, improved_by_symmetry=improved)

def _check_init(init, sizes):
    """The warm-start networks as a list, checked against the layer sizes being fitted."""
    if init is None:
        return []
    nets = [init] if isinstance(init, Network) else init
    if not isinstance(nets, (list, tuple)) or not all(isinstance(n, Network) for n in nets):
        raise TypeError(f"init must be a Network or a list of Networks; got {init!r}.")
    one_layer = len(sizes) == 3
    for i, net in enumerate(nets):
        have = net.layer_sizes
        narrower = (one_layer and len(have) == 3 and have[0] == sizes[0]
                    and have[2] == sizes[2] and have[1] <= sizes[1])
        if have != sizes and not narrower:
            also = (f", or one hidden layer of at most {sizes[1]} units with the same inputs "
                    f"and outputs" if one_layer else "")
            raise ValueError(f"init[{i}] has layer sizes {have}; expected {sizes}{also}.")
    return nets


def _start_kinds(starts, n):
    if isinstance(starts, str) and starts == "auto":
        # Constructions are the reliable starts; random ones add diversity.
        return ["spread" if i % 2 == 0 else ("data", "random")[(i // 2) % 2] for i in range(n)]
    if isinstance(starts, str):
        return [check_choice(starts, START_KINDS, "starts")] * n
    starts = list(starts)
    if not starts:
        raise ValueError("starts must be 'auto', a start kind, or a non-empty list of them.")
    return [check_choice(starts[i % len(starts)], START_KINDS, "starts") for i in range(n)]


# --------------------------------------------------------------------- penalty

def repulsion_penalty(theta, sizes):
    """``R = sum_{i<j} max(0, cos(v_i, v_j))^2`` over each hidden layer, and its gradient.

    ``v_i`` is unit i's incoming weights with its bias appended.
    """
    Ws, bs = unflatten(theta, sizes)
    grad = np.zeros_like(theta)
    gWs, gbs = unflatten(grad, sizes)
    total = 0.0
    for W, b, gW, gb in zip(Ws[:-1], bs[:-1], gWs[:-1], gbs[:-1]):
        V = np.vstack([W, b[None, :]]).T  # (units, n_in + 1)
        norms = np.sqrt(np.sum(V * V, axis=1)) + 1e-12
        Vn = V / norms[:, None]
        P = np.maximum(Vn @ Vn.T, 0.0)
        np.fill_diagonal(P, 0.0)
        total += 0.5 * np.sum(P * P)  # each unordered pair appears twice in P
        G = 2.0 * (P @ Vn)  # dR/dVn
        G = (G - np.sum(G * Vn, axis=1)[:, None] * Vn) / norms[:, None]
        gW += G[:, :-1].T
        gb += G[:, -1]
    return total, grad


# --------------------------------------------------------------------- one start

def _restart(X, Y, kind, seed, opts, network=None):
    """One start: (theta, final loss, iterations). Kind "init" starts from `network`."""
    rs = check_random_state(seed)
    sizes, act, out, kind_loss = opts["sizes"], opts["act"], opts["output"], opts["loss"]
    obj = Objective(X, Y, sizes, act, out, kind_loss)
    polish = kind_loss == "mse" and out == "linear"
    nit = 0
    scale = opts["repulsion"] * float(np.var(Y))
    if kind == "init":
        theta = _padded(X, network, sizes, rs)
        if polish:
            theta = _polish_output(X, Y, theta, sizes, act, out)
        scale = 0.0  # a warm start is not pushed away from where it is
    else:
        theta = _initial(X, Y, sizes, act, out, kind, rs)
    for k in range(opts["n_anneal"] if scale > 0 else 0):
        # Penalised stages only need to steer, not to converge tightly.
        theta, it = _lbfgs(_penalised(obj, sizes, scale / 10 ** k), theta, 20, loose=True)
        nit += it
    theta, it = _lbfgs(obj, theta, opts["maxiter"])
    nit += it
    if polish:
        theta = _polish_output(X, Y, theta, sizes, act, out)
    f = obj.value(theta)
    for _ in range(opts["revive"]):
        # Dead units and units that never bend on the data (active on every sample)
        # are wasted; give them a fresh boundary and keep the result if it is better.
        trial = _revive(X, Y, theta, sizes, act, out, polish, rs)
        if trial is None:
            break
        trial, it = _lbfgs(obj, trial, opts["maxiter"])
        nit += it
        if polish:
            trial = _polish_output(X, Y, trial, sizes, act, out)
        f_trial = obj.value(trial)
        if f_trial < f:
            theta, f = trial, f_trial
    return theta, f, nit


def _padded(X, network, sizes, rs):
    """`network`'s flat parameters, with new units added to reach `sizes` (one hidden layer).

    A new unit has a random direction, of the existing units' median norm, whose
    boundary passes through a random sample, and outgoing weight 0: the function,
    and so the loss, is the network's own.
    """
    if network.layer_sizes == sizes:
        return network.to_flat()
    d, h, m = sizes
    k = network.layer_sizes[1]
    W1, b1, W2 = np.zeros((d, h)), np.zeros(h), np.zeros((h, m))
    W1[:, :k], b1[:k], W2[:k] = network.weights[0], network.biases[0], network.weights[1]
    scale = float(np.median(np.linalg.norm(network.weights[0], axis=0))) or 1.0
    for u in range(k, h):
        W1[:, u], b1[u] = _fresh_boundary(X, scale, rs)
    return np.concatenate([W1.ravel(), b1, W2.ravel(), network.biases[1]])


def _fresh_boundary(A, scale, rs):
    """A random direction of norm `scale` and a bias putting its boundary through a row of A."""
    w = rs.normal(size=A.shape[1])
    w *= scale / (np.linalg.norm(w) or 1.0)
    return w, -A[rs.randint(len(A))] @ w


def _box_symmetries(d):
    """Signed permutation matrices of R^d except the identity (d! * 2^d - 1 of them)."""
    import itertools

    mats = []
    for perm in itertools.permutations(range(d)):
        for signs in itertools.product((1.0, -1.0), repeat=d):
            P = np.eye(d)[list(perm)] * np.array(signs)[:, None]
            if not np.array_equal(P, np.eye(d)):
                mats.append(P)
    return mats


def _image_restart(X, Y, theta, P, opts, target=None):
    """L-BFGS from the network x -> f(c + P (x - c)), c the data mean.

    An image still more than 0.5% above `target` (the best loss so far) after 15
    iterations is abandoned: it converges to a worse symmetric copy.
    """
    sizes, act, out = opts["sizes"], opts["act"], opts["output"]
    obj = Objective(X, Y, sizes, act, out, opts["loss"])
    theta = theta.copy()
    Ws, bs = unflatten(theta, sizes)
    c = X.mean(axis=0)
    W1 = Ws[0].copy()
    Ws[0][...] = P.T @ W1
    bs[0][...] += W1.T @ (c - P @ c)
    polish = opts["loss"] == "mse" and out == "linear"
    if polish:
        theta = _polish_output(X, Y, theta, sizes, act, out)
    theta, it = _lbfgs(obj, theta, opts["maxiter"], abandon_above=target)
    if polish:
        theta = _polish_output(X, Y, theta, sizes, act, out)
    return theta, obj.value(theta), it


def _penalised(obj, sizes, lam):
    def fun(theta):
        f, g = obj(theta)
        r, gr = repulsion_penalty(theta, sizes)
        return f + lam * r, g + lam * gr
    return fun


def _lbfgs(fun, theta, maxiter, loose=False, tight=False, abandon_above=None):
    # Restarts only need to be ranked (their losses differ by >= 1e-6 relative);
    # the winner gets a tight final run.
    tol = ({"ftol": 1e-8, "gtol": 1e-6} if loose else
           {"ftol": 1e-14, "gtol": 1e-10} if tight else {"ftol": 1e-11, "gtol": 1e-8})
    res = minimize(fun, theta, jac=True, method="L-BFGS-B",
                   callback=None if abandon_above is None else _Abandon(abandon_above),
                   options={"maxiter": maxiter, "maxcor": 20, **tol})
    return res.x, int(res.nit)


class _Abandon:
    """L-BFGS callback: stop a run still 0.5% above `target` after 15 iterations."""

    def __init__(self, target):
        self.target, self.count = target, 0

    def __call__(self, intermediate_result):
        self.count += 1
        if self.count >= 15 and intermediate_result.fun > self.target * 1.005:
            raise StopIteration


def _hidden_output(X, theta, sizes, act, out):
    Ws, bs = unflatten(theta, sizes)
    acts = [act] * (len(sizes) - 2) + [out]
    return _forward(Ws, bs, acts, X)[1][-2]


def _polish_output(X, Y, theta, sizes, act, out):
    """Replace the output layer by its exact least-squares solution (linear output)."""
    theta = theta.copy()
    Ws, bs = unflatten(theta, sizes)
    W, b = solve_affine(_hidden_output(X, theta, sizes, act, out), Y)
    Ws[-1][...] = W
    bs[-1][...] = b
    return theta


def _initial(X, Y, sizes, act, out, kind, rs):
    """A starting vector of the given kind, output layer solved by least squares."""
    theta = np.zeros(n_params(sizes))
    Ws, bs = unflatten(theta, sizes)
    center = X.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((X - center) ** 2, axis=1)))) or 1.0
    for layer, (W, b) in enumerate(zip(Ws[:-1], bs[:-1])):
        n_in, n_out = W.shape
        A = X if layer == 0 else _layer_input(X, theta, sizes, act, layer)
        if kind == "random" or (layer > 0 and kind == "spread"):
            lim = np.sqrt(6.0 / (n_in + n_out))
            W[...] = rs.uniform(-lim, lim, size=W.shape)
        elif kind == "spread":
            W[...], b[...] = _spread_first_layer(X, Y, act, n_out, rs, center, spread)
        else:  # "data": boundaries through random samples
            D = rs.normal(size=(n_in, n_out))
            D /= np.linalg.norm(D, axis=0, keepdims=True)
            W[...] = D / spread
            b[...] = -np.sum(A[rs.randint(len(A), size=n_out)] * W.T, axis=1)
    # Output layer: exact least squares for a linear output, small random otherwise.
    if out == "linear":
        theta = _polish_output(X, Y, theta, sizes, act, out)
    else:
        lim = np.sqrt(6.0 / sum(Ws[-1].shape))
        Ws[-1][...] = rs.uniform(-lim, lim, size=Ws[-1].shape)
    return theta


def _layer_input(X, theta, sizes, act, layer):
    Ws, bs = unflatten(theta, sizes)
    A = X
    for W, b in zip(Ws[:layer], bs[:layer]):
        A = activation(act)(A @ W + b)
    return A


def _spread_first_layer(X, Y, act, n_units, rs, center, spread, n_rotations=12):
    d = X.shape[1]
    if d == 2:
        # The pyramid family: which rotation suits the data matters (on the square the
        # good ones lead to the optimum), so take the best of a grid of rotations by
        # the least-squares loss of the output layer; a random offset varies the grid.
        f = activation(act)
        best = None
        # Odd n: the arrangement repeats every 360/n degrees; even n ("spare"): 360.
        period = 360.0 / n_units if n_units % 2 else 360.0
        for rot in rs.uniform(0, period) + period * np.arange(n_rotations) / n_rotations:
            ang = np.deg2rad(pyramid_angles(n_units, rot, "spare"))
            W = np.vstack([np.cos(ang), np.sin(ang)]) / spread
            b = -center @ W
            H = f(X @ W + b)
            W2, b2 = solve_affine(H, Y)
            err = np.mean((H @ W2 + b2 - Y) ** 2)
            if best is None or err < best[0]:
                best = (err, W, b)
        W, b = best[1], best[2]
    elif d == 1:
        # Breakpoints at evenly spaced data quantiles, alternating orientation.
        q = np.quantile(X[:, 0], (np.arange(n_units) + 0.5) / n_units)
        s = np.where(np.arange(n_units) % 2 == 0, 1.0, -1.0)
        s = s * rs.choice([-1.0, 1.0])
        W = (s / spread)[None, :]
        b = -q * W[0]
    else:
        D = rs.normal(size=(d, n_units))
        if n_units <= d:
            D = np.linalg.qr(D)[0][:, :n_units]
        D /= np.linalg.norm(D, axis=0, keepdims=True)
        W = D / spread
        b = -center @ W
    return W, b


def _revive(X, Y, theta, sizes, act, out, polish, rs):
    """A copy of theta whose wasted ReLU units get fresh boundaries, or None if none is wasted.

    A unit is wasted when it is active on no sample (dead: no gradient) or on every
    sample (it never bends, so it only adds an affine function).
    """
    if act not in ("relu", "leaky_relu"):
        return None
    theta = theta.copy()
    Ws, bs = unflatten(theta, sizes)
    acts = [act] * (len(sizes) - 2) + [out]
    pre, post = _forward(Ws, bs, acts, X)
    revived = False
    for layer in range(len(sizes) - 2):
        active = pre[layer] > 0
        wasted = np.flatnonzero(~active.any(axis=0) | active.all(axis=0))
        if wasted.size == 0:
            continue
        A = post[layer]
        scale = np.median(np.linalg.norm(Ws[layer], axis=0)) or 1.0
        for u in wasted:
            Ws[layer][:, u], bs[layer][u] = _fresh_boundary(A, scale, rs)
            Ws[layer + 1][u, :] = 0.0
        revived = True
    if not revived:
        return None
    return _polish_output(X, Y, theta, sizes, act, out) if polish else theta

"""Starting points of the search (all in the search's standardised coordinates).

- "spread": the first layer's directions evenly spread: the pyramid family at the
  best of a grid of rotations for 2-D inputs, breakpoints at data quantiles for
  1-D inputs, random near-orthogonal directions otherwise; all through the data
  mean.
- "data": random directions, each unit's boundary through a random sample.
- "random": Glorot-uniform weights and zero biases (Keras's initialisation).
- "grow" (see :func:`._moves.grown`): one unit, then one unit at a time, each
  either the best unit for the residual or a split of an existing unit.
- "wide" (see :func:`._wide.pruned_wide`): the best units of a network 4 times as
  wide fitted from a "random" start.
- "fold" (two or more hidden layers): every layer folds one scalar of its input, a
  zig-zag of the previous layer's scalar (see :func:`_fold`).
- "init": a given network (a warm start), narrower ones padded with new units.

Every start's output layer is solved by least squares (MSE, linear output).
"""

import numpy as np

from ..activations import activation
from ..construct._lstsq import solve_affine
from ..construct._pyramid import pyramid_angles
from ..network import n_params, unflatten

#: Kinds of starting point; "auto" cycles through those that suit the problem.
START_KINDS = ("spread", "data", "random", "grow", "wide", "fold")


def initial(problem, kind, rs):
    """A starting vector of `kind` ("spread", "data", "random" or "fold") for `problem`."""
    X, sizes, act = problem.X, problem.sizes, problem.act
    theta = np.zeros(n_params(sizes))
    Ws, bs = unflatten(theta, sizes)
    if kind == "fold":
        _fold(X, Ws, bs, rs)
        return _output_layer(problem, theta, Ws, rs)
    for layer, (W, b) in enumerate(zip(Ws[:-1], bs[:-1])):
        n_in, n_out = W.shape
        if kind == "random" or (layer > 0 and kind == "spread"):
            lim = np.sqrt(6.0 / (n_in + n_out))
            W[...] = rs.uniform(-lim, lim, size=W.shape)
        elif kind == "spread":
            W[...], b[...] = _spread_first_layer(X, problem.Y, act, n_out, rs)
        else:  # "data": boundaries through random samples
            A = X if layer == 0 else _layer_input(X, theta, sizes, act, layer)
            W[...], b[...] = boundaries_through(A, n_out, rs)
    return _output_layer(problem, theta, Ws, rs)


def _output_layer(problem, theta, Ws, rs):
    if problem.lstsq_output:
        return problem.polish(theta)
    lim = np.sqrt(6.0 / sum(Ws[-1].shape))
    Ws[-1][...] = rs.uniform(-lim, lim, size=Ws[-1].shape)
    return theta


def _fold(X, Ws, bs, rs):
    """Hidden layers (in place) that fold a scalar of the input again at every layer.

    Depth multiplies a ReLU network's linear pieces by folding its input (Montufar et
    al. 2014; Telgarsky 2016: the tent map composed m times needs 2^m units in one
    layer and 2 per layer in m layers), a structure random starts almost never draw. Here
    layer 1 sees ``s = v . x`` for a random unit direction v; in every layer unit 0 is
    ``relu(s - min s)`` (linear on the data) and units 1.. bend at sorted random points
    of s's range; the next layer's scalar is the zig-zag ``h_0 - c_1 h_1 + c_2 h_2 - ...``
    with ``c_j`` drawn from [1.5, 2.5] (slopes alternating in sign, as a fold's are).
    Measured on tasks.sawtooth(3) (1-2-2-2-1, 256 points; ``benchmarks/deep_fold.py``):
    L-BFGS reached the exact fit from 1 of 30 such starts and from 0 of 30 of each of
    the other kinds (by hand: none of 300 spread, data and random starts of one call,
    209 distinct minima); default calls with it: 9 of 10.
    """
    d = X.shape[1]
    v = rs.normal(size=d)
    v /= np.linalg.norm(v) or 1.0
    A, s, back = X, X @ v, v
    for W, b in zip(Ws[:-1], bs[:-1]):
        n_out = W.shape[1]
        lo, hi = float(np.min(s)), float(np.max(s))
        thresholds = np.concatenate([[lo], np.sort(rs.uniform(lo, hi, n_out - 1))])
        W[...] = np.outer(back, np.ones(n_out))  # every unit reads the same scalar s
        b[...] = -thresholds
        A = np.maximum(A @ W + b, 0.0)
        back = np.empty(n_out)
        back[0] = 1.0
        back[1:] = rs.uniform(1.5, 2.5, n_out - 1) * np.where(np.arange(1, n_out) % 2, -1.0, 1.0)
        s = A @ back


def boundaries_through(A, n_units, rs):
    """Random unit directions (scaled to the data's spread) with boundaries through rows of A."""
    spread = float(np.sqrt(np.mean(np.sum((A - A.mean(axis=0)) ** 2, axis=1)))) or 1.0
    D = rs.normal(size=(A.shape[1], n_units))
    D /= np.linalg.norm(D, axis=0, keepdims=True) * spread
    return D, -np.sum(A[rs.randint(len(A), size=n_units)] * D.T, axis=1)


def padded(problem, theta_small, small_sizes, rs):
    """`theta_small` with new units added to reach ``problem.sizes`` (one hidden layer).

    A new unit has a random direction of the existing units' median norm, its
    boundary through a random sample, and outgoing weight 0: the function, and so
    the loss, is the narrower network's own.
    """
    sizes = problem.sizes
    if tuple(small_sizes) == sizes:
        return theta_small.copy()
    d, h, m = sizes
    k = small_sizes[1]
    Ws, bs = unflatten(theta_small, small_sizes)
    W1, b1, W2 = np.zeros((d, h)), np.zeros(h), np.zeros((h, m))
    W1[:, :k], b1[:k], W2[:k] = Ws[0], bs[0], Ws[1]
    scale = float(np.median(np.linalg.norm(Ws[0], axis=0))) if k else 1.0
    for u in range(k, h):
        W1[:, u], b1[u] = fresh_boundary(problem.X, scale or 1.0, rs)
    return np.concatenate([W1.ravel(), b1, W2.ravel(), bs[1]])


def fresh_boundary(A, scale, rs):
    """A random direction of norm `scale` and a bias putting its boundary through a row of A."""
    w = rs.normal(size=A.shape[1])
    w *= scale / (np.linalg.norm(w) or 1.0)
    return w, -A[rs.randint(len(A))] @ w


def _layer_input(X, theta, sizes, act, layer):
    Ws, bs = unflatten(theta, sizes)
    A = X
    for W, b in zip(Ws[:layer], bs[:layer]):
        A = activation(act)(A @ W + b)
    return A


def _spread_first_layer(X, Y, act, n_units, rs, n_rotations=12):
    d = X.shape[1]
    center = X.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((X - center) ** 2, axis=1)))) or 1.0
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
        return best[1], best[2]
    if d == 1:
        # Breakpoints at evenly spaced data quantiles, alternating orientation.
        q = np.quantile(X[:, 0], (np.arange(n_units) + 0.5) / n_units)
        s = np.where(np.arange(n_units) % 2 == 0, 1.0, -1.0) * rs.choice([-1.0, 1.0])
        W = (s / spread)[None, :]
        return W, -q * W[0]
    D = rs.normal(size=(d, n_units))
    if n_units <= d:
        D = np.linalg.qr(D)[0][:, :n_units]
    D /= np.linalg.norm(D, axis=0, keepdims=True)
    W = D / spread
    return W, -center @ W

"""1-D inputs: a local search over where the breakpoints fall, each placement solved exactly.

On one input feature, a unit ``a relu(w x + b)`` acts on the data through its
breakpoint's interval between neighbouring distinct inputs ``u_m <= t <= u_{m+1}``,
its orientation ``s = sign(w)`` and the sign of ``a``: with those fixed, the
network's fits are ``c + sum_j sigma_j (p_j h_{m_j}^{s_j} + q_j h_{m_j+1}^{s_j})``,
``h_m^s = relu(s (x - u_m))``, over ``p_j, q_j >= 0``: a non-negative least-squares
problem (the argument of :mod:`exactfit.certify._exact1d`, which enumerates every
placement). Here only the placements near a given network are tried: each unit's
interval moved by up to :data:`_SHIFTS`, its orientation or sign changed, one unit
or two at a time, the best neighbour taken, until none is better. It reaches
minima that L-BFGS and single-unit moves do not, where several units must change
orientation together (the linear parts of flipped units cancel) or a breakpoint
must cross a sample.

Measured by hand on a random problem of ``benchmarks/fresh.py`` (seed 9119: 162
points, 6 units, no certificate affordable): from the minimum where 4 of 5 default
calls had stopped 0.7% above the best-known, two steps (0.3 s) reached the
best-known; on seed 9113 (259 points, 6 units) its misses differ from the best by two
breakpoints far apart, which this does not reach.

With more inputs, a network whose units all point (within about 8 degrees) along one
direction v is close to a function of ``v . x``, and the same search runs on that 1-D
problem. Measured by hand on seed 9314 (2-D ball, 995 points, 5 units, target a
function of one direction): from the minimum where 2 default calls had confirmed 0.7%
above the best-known, a flipped neighbour settled by L-BFGS reached the best-known.
"""

import itertools

import numpy as np

from ..certify._nnls import nnls_checked
from ..network import n_params
from ._exact import _BINNED_SECONDS, _RIDGE_SECONDS, binned_exact_start
from ._units import _first_layer

# Interval moves tried per unit; steps of the descent at most; the descent runs for
# at most this many units and samples (its step solves about 50 k^2 problems of
# n x (2k + 2)).
_SHIFTS = (-2, -1, 1, 2)
_MAX_STEPS = 20
_MAX_UNITS, _MAX_SAMPLES = 8, 2000
# Neighbours that flip a unit, returned beside the descent's end to be settled by L-BFGS.
# More inputs: the units' directions must agree to this cosine.
_PARALLEL = 0.99
_SETTLE = 2
# ridge_starts: directions tried (those of the units with the largest outgoing weight
# times norm), and the most units. The binned exact start's cost grows fast with the
# units; with 3 they cost a 3-unit Euclid call (2000 points) 0.35 s of its 3.2 s
# (benchmarks/euclid.py) for no gain measured anywhere, with 5 about 5 s per direction.
_RIDGES, _RIDGE_UNITS = 2, 2
# ...except when every live unit of the best lies along one direction (the ridge case
# of interval_descent): then there is one direction to try, whatever the units (up to
# _MAX_UNITS), with the 1-D searches' binned budget (._exact._BINNED_SECONDS). Units
# that together carry at most _OFF_SHARE of the network's variation (see _carrying)
# need not lie along it: on the suite's ridge-abs-box-d3-500-k3-noisy (seed 760416990)
# a call confirmed a minimum 0.6% above the best-known with two units along one
# direction and the third, 4.6% of the variation, at 23 degrees; the ridge start from
# there reaches the best-known.
_OFF_SHARE = 0.1


def _along(v, W1, norms, live):
    """Whether every live unit (column of `W1`) lies along the unit vector `v`, either
    way, to the cosine :data:`_PARALLEL`: the network is nearly a function of ``v . x``."""
    return bool(np.all(np.abs(v @ W1[:, live]) >= _PARALLEL * norms[live]))


def _carrying(H, W2, live):
    """The units of `live` that carry the network: all but those whose contributions
    (``a_j h_j`` over the samples, `H` the hidden outputs, by standard deviation),
    smallest first, add up to at most :data:`_OFF_SHARE` of all the units' together."""
    spread = (H[:, live] * W2[live, 0]).std(axis=0)
    order = np.argsort(spread, kind="stable")
    idle = np.cumsum(spread[order]) <= _OFF_SHARE * spread.sum()
    return np.sort(live[order[~idle]])


def interval_descent(problem, theta, f, keep=_SETTLE):
    """The 1-D local search of the module docstring from `theta` (loss `f`).

    `problem` is a one-hidden-layer ReLU :class:`._local.Problem` with one output,
    MSE and a linear output, and one input or units all along one direction. Returns
    a list of starting vectors, to be settled by L-BFGS: the placement the descent
    ended at when it is below `f` by more than round-off, then the `keep` best
    neighbours of that placement that change a unit's orientation or sign. Those are not better as placed, but their
    breakpoints can still move: measured on a random problem of
    ``benchmarks/fresh.py`` (seed 9316: 731 points, 4 units), where two default calls
    had confirmed a minimum 0.65% above the best-known, two units flipped at their
    intervals gave a fit 1.7% above that minimum, and L-BFGS from there the
    best-known. Empty when the problem is not of this kind.
    """
    X, Y = problem.X, problem.Y
    d, k, m = problem.sizes
    if m != 1 or k > _MAX_UNITS or problem.n > _MAX_SAMPLES:
        return []
    W1, b1, W2 = _first_layer(theta, problem.sizes)
    norms = np.linalg.norm(W1, axis=0)
    live = np.flatnonzero((norms > 0) & (W2[:, 0] != 0))
    if live.size == 0:
        return []
    # More inputs: only when every live unit's direction is within about 8 degrees of one
    # direction v (or its opposite), i.e. the network is close to a function of v . x (a
    # ridge function): then the starts are 1-D placements on x = X v (exact networks of
    # that form; L-BFGS frees their directions again).
    v = W1[:, np.argmax(norms)] / norms.max()
    if not _along(v, W1, norms, live):
        return []
    w = v @ W1  # the units' weights along v
    x, y = X @ v, Y[:, 0]
    u = np.unique(x)
    if len(u) < 3:
        return []
    t = -b1[live] / w[live]
    cfg = [(int(mj), int(sj), int(gj)) for mj, sj, gj in
           zip(np.clip(np.searchsorted(u, t) - 1, 0, len(u) - 2), np.sign(w[live]),
               np.sign(W2[live, 0]))]
    solver = _Placements(x, y, u)
    best, coef = solver.solve(cfg)
    start = best
    for _ in range(_MAX_STEPS):
        step, flips = None, []
        for c in _neighbours(cfg, len(u)):
            sse, co = solver.solve(c)
            if sse < best * (1 - 1e-10):
                best, step = sse, (c, co)
            if any(cj[1:] != c0[1:] for cj, c0 in zip(c, cfg)):
                flips.append((sse, len(flips), c, co))
        if step is None:
            break
        cfg, coef = step
    out = []
    if best < min(start, f * problem.n) * (1 - 1e-9):
        out.append(_network(problem, cfg, coef, u, v))
    flips = [fl for fl in sorted(flips, key=lambda fl: fl[:2]) if np.isfinite(fl[0])]
    return out + [_network(problem, c, co, u, v) for _, _, c, co in flips[:keep]]


def ridge_starts(problem, theta, max_directions=_RIDGES):
    """Two or more inputs: for each direction v of the units of `theta`, the best network
    that is a function of ``v . x`` alone.

    Along each of the (at most `max_directions`, by outgoing weight times norm) live
    units' directions v, the certified optimum of the data averaged in bins
    (:func:`._exact.binned_exact_start`, within :data:`._exact._RIDGE_SECONDS`) places all the
    units on ``x = X v``, and the result is returned as a starting vector that L-BFGS
    settles on the data and lets turn (the placement descent of the module docstring
    on the data took 1.2 s per direction on 2000 points and was not needed). It
    reaches optima close to ridge functions from minima that are not: on a random
    problem of ``benchmarks/fresh.py`` (seed 9408: a 642-point 2-D triangle, 2
    units) 3 of 5 default calls confirmed a minimum 2% above the best-known, whose two
    units face nearly opposite ways (a trough); along the direction of one of that
    minimum's units this reaches the best-known. With 5 units (seed 9405) it cost
    about 5 s per direction and found nothing, with 3 (Euclid) 0.1 s per direction and
    found nothing: hence the bound of :data:`_RIDGE_UNITS` units.

    Beyond that bound (up to :data:`_MAX_UNITS` units), only when every live unit
    lies along one direction v (cosine at least :data:`_PARALLEL`, either way: the
    network already is nearly a function of ``v . x``), units carrying together at
    most :data:`_OFF_SHARE` of its variation excepted: the one start along v, with
    the binned budget of the 1-D searches (:data:`._exact._BINNED_SECONDS`). There the
    interval descent moves breakpoints one or two intervals at a time, and the best
    placement can lie far from the minimum's: on a random problem of
    ``benchmarks/fresh.py`` (seed 9507: a 297-point 3-D box, 3 units, a noisy
    ``|a . x + b|``), 2 of 3 default calls confirmed a minimum with all three units
    along one direction whose breakpoints sat up to 0.3 from the best-known's (in
    ``v . x``), 0.8% above it; the binned optimum along that direction (0.13 s),
    settled by L-BFGS, went 0.7% below the best-known.
    """
    d, k, m = problem.sizes
    # (No limit on the samples, unlike the descent: the 1-D problem is solved on at most
    # _BINNED_MAX bin means, so a direction costs a projection and an L-BFGS run. With
    # the descent's limit of 2000, searches on 2001 to 4000 rows (all of them: see
    # fit_global's `subsample`) went without these starts, and on a held-out problem of
    # 2290 points (benchmarks/fresh.py seed 11408, 2-D, 2 units) a call confirmed a
    # minimum 12% above the best-known that the start along its own units' direction
    # leaves.)
    if d < 2 or m != 1:
        return []
    W1, b1, W2 = _first_layer(theta, problem.sizes)
    norms = np.linalg.norm(W1, axis=0)
    weight = np.abs(W2[:, 0]) * norms
    live = np.flatnonzero((norms > 0) & (weight > 0))
    if live.size == 0:
        return []
    order = live[np.argsort(-weight[live], kind="stable")]
    budget = _RIDGE_SECONDS
    if k > _RIDGE_UNITS:
        if k > _MAX_UNITS:
            return []
        carrying = _carrying(problem.hidden(theta), W2, live)
        if carrying.size == 0:  # no unit varies on the data: no direction to follow
            return []
        # the direction of the heaviest unit that carries the network (the heaviest of
        # all can be one that barely does)
        lead = carrying[np.argmax(weight[carrying])]
        if not _along(W1[:, lead] / norms[lead], W1, norms, carrying):
            return []
        order, budget = [lead], _BINNED_SECONDS  # one direction: the ridge case
    out, seen = [], []
    for j in order:
        v = W1[:, j] / norms[j]
        if any(abs(float(v @ s)) >= _PARALLEL for s in seen):
            continue
        seen.append(v)
        net = binned_exact_start((problem.X @ v)[:, None], problem.Y, (1, k, 1), "relu",
                                 "linear", "mse", budget=budget)
        if net is not None:  # unit i of the 1-D net, relu(w_i t + b_i): relu(w_i v.x + b_i)
            start = np.zeros(n_params(problem.sizes))
            W1s, b1s, W2s = _first_layer(start, problem.sizes)
            W1s[...], b1s[...] = np.outer(v, net.weights[0][0]), net.biases[0]
            W2s[...], start[-1] = net.weights[1], net.biases[1][0]
            out.append(start)
        if len(seen) == max_directions:
            break
    return out


class _Placements:
    """The non-negative least-squares fit of one placement (intervals, orientations,
    signs), with its sum of squared residuals."""

    def __init__(self, x, y, u):
        self.y = y
        self.Hp = np.maximum(x[:, None] - u[None, :], 0.0)   # relu(x - u_m)
        self.Hm = np.maximum(u[None, :] - x[:, None], 0.0)   # relu(u_m - x)
        self.ones = np.ones((len(x), 1))
        self.cache = {}

    def solve(self, cfg):
        key = tuple(cfg)
        if key not in self.cache:
            cols = []
            for mj, sj, gj in cfg:
                H = self.Hp if sj > 0 else self.Hm
                cols.append(gj * H[:, mj:mj + 2])
            A = np.hstack(cols + [self.ones, -self.ones])
            try:
                coef, sse = nnls_checked(A, self.y)
            except RuntimeError:  # not solved to its optimality conditions: not a candidate
                coef, sse = np.zeros(A.shape[1]), np.inf
            self.cache[key] = (float(sse), coef)
        return self.cache[key]


def _neighbours(cfg, n_distinct):
    """Placements that differ from `cfg` in one unit or two: interval shifted by one of
    :data:`_SHIFTS`, orientation or sign (or both) changed."""
    options = []
    for mj, sj, gj in cfg:
        o = [(mj, -sj, gj), (mj, sj, -gj), (mj, -sj, -gj)]
        o += [(min(max(mj + s, 0), n_distinct - 2), sj, gj) for s in _SHIFTS]
        options.append([c for c in dict.fromkeys(o) if c != (mj, sj, gj)])
    for j, opts in enumerate(options):
        for o in opts:
            yield cfg[:j] + [o] + cfg[j + 1:]
    for j, l in itertools.combinations(range(len(cfg)), 2):
        for oj in options[j]:
            for ol in options[l]:
                c = list(cfg)
                c[j], c[l] = oj, ol
                yield c


def _network(problem, cfg, coef, u, v):
    """The flat vector of the placement's fit: unit j is ``sigma (p + q) relu(s (x - t))``
    with ``t = (p u_m + q u_{m+1}) / (p + q)``; units left unused get weight 0."""
    theta = np.zeros(n_params(problem.sizes))
    W1, b1, W2 = _first_layer(theta, problem.sizes)
    scale = 1.0 / max(float(u[-1] - u[0]), 1e-300)
    # Units the placement does not use (dead in `theta`) get a breakpoint mid-sample and
    # outgoing weight 0, where L-BFGS can still move them.
    W1[...], b1[:] = scale * v[:, None], -float(np.median(u)) * scale
    for j, (mj, sj, gj) in enumerate(cfg):
        p, q = coef[2 * j], coef[2 * j + 1]
        if p + q > 0:
            tj = (p * u[mj] + q * u[mj + 1]) / (p + q)
            # relu(s (x - t)) = relu(c s (x - t)) / c for c > 0: unit weights of the
            # data's scale, the output weight takes the rest.
            W1[:, j], b1[j], W2[j, 0] = sj * scale * v, -sj * tj * scale, gj * (p + q) / scale
        else:
            W1[:, j], b1[j] = sj * scale * v, -sj * u[mj] * scale
    theta[-1] = coef[-2] - coef[-1]
    return theta

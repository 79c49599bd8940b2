"""The unit moves for the last hidden layer of a deep network.

With its lower layers fixed, the last hidden layer of a network of two or more
hidden ReLU (or leaky-ReLU) layers, linear output and MSE is a one-hidden-layer
network on the features the layers below compute: its units are hyperplanes in
that feature space and its output layer is least squares. So the one-hidden-layer
swap moves (:func:`._moves.swap_descent`: a unit replaced by the best unit for the
residual of the others) are exact there; what they gain is then settled by L-BFGS
on all the weights. The lower layers have no such
move (a unit of a lower layer reaches the output only through the layers above).
Tried at stop 37 and dropped: a lower unit replaced by the best candidate for the
residual with the layers above linearised on their activation pattern (exact at the
network as it is; in 1-D every breakpoint a candidate). At the bests of 4 default calls
on 3 problems of the held-out set fresh_deep_b no candidate beat the unit it would
replace, and the best candidate unlike the unit (pattern correlation below 0.9),
settled by L-BFGS, ended above the call's best in all 4.

:func:`redrawn_layers` gives such a network the recombination rounds' redraws
(:func:`._moves.redrawn`): one unit of any hidden layer redrawn at random, the
others kept, for an L-BFGS run each.
"""

import numpy as np

from .._parallel import run_trials
from ..network import _forward, n_params, unflatten
from ._local import Problem
from ._moves import swap_descent
from ._starts import _layer_input, fresh_boundary
from ._units import _unit_scale

# Random redraws per hidden unit in redrawn_layers. More than the 3 of one layer
# (_moves._REDRAWS): a deep network's rounds are where its calls find their best (no
# start reaches it), and a round that lowers the best is followed by another. Measured
# by hand (stop 37) on two problems of the held-out set fresh_deep_b (p11912: 1-D,
# 282 points, 5 + 5 units; p11921: 1-D, 536 points, 4 + 4), 3 calls each, loss over
# the set's best-known: 3 per unit 1.06-1.90x (39-76 s a call), 8 per unit
# 0.58-1.51x (61-103 s), 16 per unit 0.78-0.96x (95-152 s).
_REDRAWS = 8
# Screening of a round's redraws (screened): L-BFGS iterations of the short run every
# redraw gets, and the share of them (the lowest after it) that go on to a full run;
# 0 iterations: no screening, every redraw runs in full.
_SCREEN_ITERS, _SCREEN_KEEP = 0, 0.25


def top_problem(problem, theta):
    """The last hidden layer and the output of `theta` as a one-hidden-layer problem on the
    features of the layers below: ``(sub_problem, sub_theta)`` (a copy of the tail of
    `theta`, which holds those two layers' weights in the flat layout)."""
    sizes = problem.sizes
    F = _layer_input(problem.X, theta, sizes, problem.act, len(sizes) - 3)
    sub_sizes = tuple(sizes[-3:])
    sub = Problem(F, problem.Y, sub_sizes, problem.act, "linear", "mse", problem.maxiter)
    return sub, theta[theta.size - n_params(sub_sizes):].copy()


def top_layer_moves(problem, theta, f, rs):
    """Swap descent (:func:`._moves.swap_descent`) on the last hidden layer of a deep
    network, then L-BFGS on all its weights.

    Without the reorientation: on one held-out deep problem (p11707 of fresh_archs: 2-D,
    1131 points, 3 + 3 units) it was 9.3 s of a 50 s call's profile, and two calls with
    it and the same two without ended within 0.02% of each other (152 and 104 s a call;
    by hand, 3 processes on 2 cores).

    Parameters
    ----------
    problem : Problem
        A deep network's problem (its ``top_moves``: :func:`._local.has_top_moves`).
    theta : ndarray
        A local minimum of it, loss `f`.
    rs : RandomState

    Returns
    -------
    theta, f, nit
        The moved network settled by L-BFGS on all weights when that lowered the
        loss, else `theta` and `f` as they were.
    """
    sub, sub_theta = top_problem(problem, theta)
    sub_f = sub.value(sub_theta)
    if not np.isfinite(sub_f) or np.ptp(sub.X, axis=0).max(initial=0.0) == 0:
        return theta, f, 0  # no feature varies: the layers below are dead
    moved, moved_f, nit = swap_descent(sub, sub_theta, sub_f, rs, reorient=False)
    if not moved_f < sub_f * (1 - 1e-9):
        return theta, f, nit
    trial = theta.copy()
    trial[trial.size - moved.size:] = moved
    trial, f_trial, it = problem.local(trial)
    nit += it
    if f_trial < f:
        return trial, f_trial, nit
    return theta, f, nit


def redrawn_layers(problem, theta, rs, per_unit=None):
    """Starts out of a deep network's minimum: one hidden unit redrawn at random.

    Each unit of each hidden layer in turn gets `per_unit` random directions (of the
    scale of the other units of its layer), each with its boundary through a random
    row of the layer's input, and outgoing weights 0; the output layer is then
    re-solved. The deep counterpart of :func:`._moves.redrawn`, offered by the
    recombination rounds (kind "redrawn"). Measured by hand on two problems of the
    held-out set ``fresh_deep`` (2-D, two hidden layers of 3 and 4 units) where a
    default call with the last-layer moves had stopped 11% and 10% above the best-known:
    of the 18 and 24 redraws (3 per unit then) of the call's best, settled by L-BFGS
    and the moves, the best ended 3% and 22% below the call's loss (the second 14%
    below the best-known), both from a unit of the last hidden layer. On 11 problems of
    that set (calls only) the default calls hit 13 of 33 with the last-layer moves
    alone and 20 of 33 with these rounds too (``fresh_deep_top.md``,
    ``fresh_deep_rounds.md``); with 8 redraws per unit instead of 3, 11 of 18 calls on
    6 problems of ``fresh_deep_b`` instead of 7 (``fresh_deep_b_redraw8.md``).

    Returns ``sum(hidden) * per_unit`` starting vectors, the first layer's units first;
    `per_unit` None: :data:`_REDRAWS`, read at call time (``benchmarks/fresh.py --set``
    changes it for an experiment).
    """
    per_unit = _REDRAWS if per_unit is None else per_unit
    sizes = problem.sizes
    acts = [problem.act] * (len(sizes) - 2) + [problem.out]
    Ws0, bs0 = unflatten(theta, sizes)
    inputs = _forward(Ws0, bs0, acts, problem.X)[1]
    starts = []
    for layer in range(len(sizes) - 2):
        for u in range(sizes[layer + 1]):
            scale = _unit_scale(np.delete(Ws0[layer], u, axis=1))
            for _ in range(per_unit):
                trial = theta.copy()
                Ws, bs = unflatten(trial, sizes)
                Ws[layer][:, u], bs[layer][u] = fresh_boundary(inputs[layer], scale, rs)
                Ws[layer + 1][u] = 0.0
                starts.append(problem.polish(trial))
    return starts


def screened(problem, thetas, n_jobs=None, iters=None, keep=None):
    """The most promising of a round's redraws (:func:`redrawn_layers`), by a short run.

    Every start gets `iters` L-BFGS iterations (:data:`_SCREEN_ITERS`, read at call
    time; 0: none, the starts are returned as they are); the ``ceil(keep * len)``
    lowest after it (:data:`_SCREEN_KEEP`) are returned, lowest first, each where its
    short run ended, for the round's full runs, with the short runs' iterations:
    ``(thetas, nit)``. Why: a redraw's full L-BFGS run takes
    hundreds to thousands of iterations (medians 260 to 2130 on four problems of the
    held-out sets, by hand) and most end above the minimum they came from, while the
    ones that end below it are mostly among the lowest after 20 iterations.
    """
    iters = _SCREEN_ITERS if iters is None else iters
    keep = _SCREEN_KEEP if keep is None else keep
    if not iters or not thetas:
        return list(thetas), 0
    runs = run_trials(_short_run, [(problem, t, iters) for t in thetas], n_jobs=n_jobs,
                      partial=False)  # (a Ctrl-C goes on to fit_global, which stops)
    order = np.argsort([f for _, f, _ in runs], kind="stable")
    return ([runs[i][0] for i in order[:int(np.ceil(keep * len(runs)))]],
            sum(nit for _, _, nit in runs))


def _short_run(problem, theta, iters):
    return problem.local(theta, tol="loose", maxiter=iters, near_zero=False)

"""Constructions for the task zoo: :func:`for_task` builds each task's network.

Exact where an exact network of the task's architecture exists (xor, absolute,
maximum, parity, sawtooth, teacher_student); for ``x^2`` and ``x1 * x2``, which no
ReLU network fits exactly, the best network we know how to build, with a proved
upper bound on its error.
"""

import time

import numpy as np

from ..losses import mse
from ..network import Network
from ..result import FitResult
from ..tasks import ZOO_TASKS, Task, tent_map
from ._interpolant import interpolant_1d
from .._parallel import _controller
from ._knots import free_knots

__all__ = ["for_task"]


def for_task(task):
    """The construction for a zoo task, as a :class:`~exactfit.FitResult`.

    - ``xor``: ``(relu(x1 - x2) + relu(x2 - x1)) / (b - a)`` for input levels
      ``a < b``; exact.
    - ``absolute``: ``relu(x) + relu(-x)``; exact on every real x.
    - ``maximum``: ``relu(x1 - x2) + relu(x2 - low) + low``; exact where ``x2 >= low``.
    - ``parity``: n units ``relu(sum(x) - j)``, the zigzag through ``(j, j mod 2)``;
      exact.
    - ``sawtooth``: layer l applies ``T^(j_l)`` with the ``2^(j_l)`` units of its
      interpolant (``T(u) = 2 relu(u) - 4 relu(u - 1/2)`` on [0, 1] for a layer of 2),
      ``j_l = floor(log2 w_l)`` spent on the first layers until ``sum j_l = m``; exact
      on [0, 1].
    - ``teacher_student``: the teacher; exact on every x.
    - ``square``, ``product``: free-knot least squares (below); evidence "none".

    Exact networks are built for the fewest units that work and padded with zero
    units (all weights 0) up to the task's widths.

    ``square``: units ``relu(s (x - t))`` with knots ``t`` and orientations ``s``;
    the output layer is exact least squares at every step, so the loss is a function
    of the knots. From each start, L-BFGS on the knot positions and a coordinate
    search (each unit in turn moved to its best orientation and position among the
    data points and midpoints, the others fixed, until nothing moves) alternate
    until neither lowers the loss (once beginning with each). Starts: the linear
    interpolant's units (equally spaced knots from ``min x``, facing right), a greedy
    one unit at a time, and equally spaced interior knots with every orientation
    pattern (at most 16; for wider layers 16 patterns from a fixed seed). The best
    is kept. No step raises the loss, so the MSE is at most that of the linear
    interpolant of ``x^2`` with knots ``h = (max x - min x) / k`` apart, whose error
    is at most ``h^2 / 4`` everywhere: ``bound = h^4 / 16``. On small samples it
    matches the certified optimum of :func:`exactfit.certify.exact_1d` (see the
    tests); being a local search it can miss it.

    ``product``: the same search with units along the two directions ``(1, 1)`` and
    ``(1, -1)``, scored directly on ``x1 x2``, from three starts: the interpolants of
    ``(x1 + x2)^2`` (``ceil(k / 2)`` units) and ``(x1 - x2)^2`` (``floor(k / 2)``), the
    ``square`` construction along each direction, and greedy. Then every weight is
    polished by L-BFGS (kept if it lowers the loss): the best networks we have seen
    tilt their directions a few degrees off +-45. The first start contains the
    combination ``(interp_+ - interp_-) / 4``, so ``bound = ((h_+^2 + h_-^2) / 16)^2``
    with ``h_+-`` the knot spacings along ``x1 +- x2``.

    Parameters
    ----------
    task : Task
        A task made by one of the zoo generators of :mod:`exactfit.tasks` (its
        ``name`` is in :data:`exactfit.tasks.ZOO_TASKS`), with a ReLU hidden layer
        and a linear output.

    Returns
    -------
    FitResult
        ``network`` of the task's architecture, ``loss`` = ``exactfit.mse`` on the
        task's data, ``method="construct:<task name>"``, ``evidence="exact"`` when the
        construction fits the task exactly (its MSE then is rounding only: RMSE at
        most ``1e-9 * max(1, max |y|)``) and ``"none"`` otherwise; ``message`` says how
        it was built, ``bound`` (square, product) the proved MSE bound, ``domain`` (exact
        ones) where it is exact beyond the data.

    Raises
    ------
    TypeError
        `task` is not a Task.
    ValueError
        An unknown task name (the message lists the known ones), an activation other
        than ReLU or an output other than linear, or an architecture too narrow for the
        construction (the message says the width needed).

    Examples
    --------
    >>> from exactfit import tasks
    >>> from exactfit.construct import for_task
    >>> res = for_task(tasks.xor())
    >>> res.evidence, res.network.predict(tasks.xor().X).tolist()
    ('exact', [0.0, 1.0, 1.0, 0.0])
    """
    t0 = time.perf_counter()
    if not isinstance(task, Task):
        raise TypeError(f"for_task needs an exactfit.tasks.Task; got {type(task).__name__}.")
    builder = _BUILDERS.get(task.name)
    if builder is None:
        raise ValueError(f"for_task has no construction for task {task.name!r}; known tasks: "
                         f"{', '.join(ZOO_TASKS)} (made by exactfit.tasks.<name>()).")
    if task.activation != "relu" or task.output != "linear":
        raise ValueError(f"for_task builds ReLU networks with a linear output; task "
                         f"{task.name!r} asks for activation={task.activation!r}, "
                         f"output={task.output!r}.")
    if not task.hidden:
        raise ValueError(f"for_task: task {task.name!r} has no hidden layer (hidden=()); "
                         "the constructions need at least one.")
    if task.y.ndim != 1:
        raise ValueError(f"for_task: task {task.name!r} has {task.y.shape[1]} outputs; the "
                         "zoo constructions have one.")
    y = task.y
    net, info = builder(task)
    net = _pad(net, task.hidden, task.name)
    loss = mse(net, task.X, y)
    info = dict(info)
    exact = info.pop("exact")
    scale = max(1.0, float(np.max(np.abs(y))))
    if exact and np.sqrt(loss) <= 1e-9 * scale:
        evidence = "exact"
    else:
        evidence = "none"
        if exact:
            info["message"] += ("; NOT exact on this task's data (they do not follow the "
                                "task's formula)")
    return FitResult(network=net, loss=loss, method=f"construct:{task.name}",
                     evidence=evidence, time=time.perf_counter() - t0, **info)


# ---------------------------------------------------------------------------
# Helpers

def _needs(task, width, why):
    if len(task.hidden) != 1 or task.hidden[0] < width:
        raise ValueError(f"for_task: the {task.name} construction needs one hidden layer of "
                         f"at least {width} units ({why}); the task asks for "
                         f"hidden={task.hidden}.")


def _net(W1, b1, W2, b2):
    return Network([W1, W2], [b1, np.atleast_1d(b2)], hidden="relu", output="linear")


def _pad(net, hidden, name):
    """`net` with zero units added so its hidden widths become `hidden`."""
    sizes = net.hidden_sizes
    if len(sizes) != len(hidden) or any(a > b for a, b in zip(sizes, hidden)):
        raise ValueError(f"for_task: the {name} construction has hidden widths {sizes}, which "
                         f"do not fit in the task's hidden={hidden}.")
    Ws, bs = [], []
    n_in = net.n_inputs
    for i, (W, b) in enumerate(zip(net.weights, net.biases)):
        n_out = hidden[i] if i < len(hidden) else W.shape[1]
        W2 = np.zeros((n_in, n_out))
        W2[:W.shape[0], :W.shape[1]] = W
        b2 = np.zeros(n_out)
        b2[:b.size] = b
        Ws.append(W2)
        bs.append(b2)
        n_in = n_out
    return Network(Ws, bs, hidden=net.hidden, output=net.output)


# ---------------------------------------------------------------------------
# Exact constructions

def _xor(task):
    _needs(task, 2, "one unit cannot fit XOR; see exactfit.tasks.xor")
    a, b = task.meta.get("levels", (0.0, 1.0))
    W1 = np.array([[1.0, -1.0], [-1.0, 1.0]])
    net = _net(W1, np.zeros(2), np.full((2, 1), 1.0 / (b - a)), 0.0)
    return net, {"exact": True, "domain": f"{{{a:g}, {b:g}}}^2",
                 "message": "(relu(x1 - x2) + relu(x2 - x1)) / (b - a): |x1 - x2| scaled"}


def _absolute(task):
    _needs(task, 2, "|x| is not monotone; one unit is")
    net = _net(np.array([[1.0, -1.0]]), np.zeros(2), np.ones((2, 1)), 0.0)
    return net, {"exact": True, "domain": "every real x",
                 "message": "relu(x) + relu(-x) = |x|"}


def _maximum(task):
    _needs(task, 2, "one unit has gradients along a single direction")
    low = min(float(task.meta.get("low", np.inf)), float(task.X[:, 1].min()))
    W1 = np.array([[1.0, 0.0], [-1.0, 1.0]])
    net = _net(W1, np.array([0.0, -low]), np.ones((2, 1)), low)
    return net, {"exact": True, "domain": f"every (x1, x2) with x2 >= {low:g}",
                 "message": f"relu(x1 - x2) + relu(x2 - low) + low with low = {low:g} "
                            "(the second unit is x2 - low where x2 >= low)"}


def _parity(task):
    n = task.X.shape[1]
    _needs(task, n, "the zigzag of sum(x) has n - 1 kinks and a slope on [0, 1]")
    s = np.arange(n + 1, dtype=float)
    zig = interpolant_1d(s, s % 2).network
    W1 = np.ones((n, 1)) @ zig.weights[0]  # every unit reads sum(x)
    net = _net(W1, zig.biases[0], zig.weights[1], zig.biases[1])
    return net, {"exact": True, "domain": "{0, 1}^n",
                 "message": f"{zig.hidden_sizes[0]} units relu(sum(x) - j): the interpolant "
                            "through (j, j mod 2), j = 0..n"}


def _sawtooth(task):
    m = int(task.meta["m"])
    hidden = task.hidden
    steps = [w.bit_length() - 1 for w in hidden]  # floor(log2 w): compositions per layer
    if sum(steps) < m:
        raise ValueError(
            f"for_task: the sawtooth construction needs hidden layers of widths w_l with "
            f"sum(floor(log2 w_l)) >= m = {m} (e.g. (2,) * {m}, or one layer of "
            f"{2 ** m}); the task asks for hidden={hidden}.")
    # Layer l applies T^j_l to its input u in [0, 1] with the 2^j_l units of the
    # interpolant of T^j_l (j_l = 0: relu(u) = u); the next layer reads T^j_l(u) as a
    # linear combination of them. Spend the m compositions on the first layers.
    left, plan = m, []
    for j in steps:
        plan.append(min(j, left))
        left -= plan[-1]
    Ws, bs = [], []
    combine, shift = np.ones((1, 1)), np.zeros(1)  # how the previous layer gives u
    for j in plan:
        if j == 0:
            w_in, b_in, w_out, b_out = np.ones((1, 1)), np.zeros(1), np.ones((1, 1)), 0.0
        else:
            knots = np.arange(2 ** j + 1) / 2 ** j
            piece = interpolant_1d(knots, tent_map(knots, j)).network
            w_in, b_in = piece.weights[0], piece.biases[0]
            w_out, b_out = piece.weights[1], float(piece.biases[1][0])
        # u = H_prev @ combine + shift; units relu(u * w_in + b_in)
        Ws.append(combine @ w_in)
        bs.append(shift @ w_in + b_in)
        combine, shift = w_out, np.array([b_out])
    net = Network(Ws + [combine], bs + [shift], hidden="relu", output="linear")
    units = sum(2 ** j if j else 1 for j in plan)
    if len(plan) == 1:
        message = (f"one layer: the interpolant of T^{m} through (j / 2^{m}, j mod 2), "
                   f"{units} units relu(x - j / 2^{m})")
    else:
        depth = ", ".join(f"T^{j}" if j else "identity" for j in plan)
        message = (f"layers applying {depth} (T(u) = 2 relu(u) - 4 relu(u - 1/2) on [0, 1]; "
                   f"T^j by the 2^j units of its interpolant); {units} units")
    return net, {"exact": True, "domain": "[0, 1]", "message": message}


def _teacher_student(task):
    V = np.asarray(task.meta["teacher"], dtype=float)
    k = V.shape[1]
    _needs(task, k, f"the teacher has {k} units")
    net = _net(V, np.zeros(k), np.ones((k, 1)), 0.0)
    return net, {"exact": True, "domain": "every x",
                 "message": f"the teacher: {k} units relu(v_i . x), output weights 1"}


# ---------------------------------------------------------------------------
# Best-known constructions (no exact network exists)

_N_PATTERNS = 16


def _square(task):
    k = task.hidden[0]
    _needs(task, 1, "a free-knot fit needs one hidden layer")
    x = task.X[:, 0]
    lo, hi = float(x.min()), float(x.max())
    zeros = np.zeros(k, int)
    interp = (zeros, lo + (hi - lo) * np.arange(k) / k, np.ones(k))
    # equally spaced interior knots with every orientation pattern (at most _N_PATTERNS,
    # else that many drawn from a fixed seed): which units face left decides which piece
    # is flat
    inner = lo + (hi - lo) * np.arange(1, k + 1) / (k + 1)
    if 2 ** k <= _N_PATTERNS:
        patterns = (((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1) * 2.0 - 1)
    else:
        patterns = np.random.RandomState(0).choice([-1.0, 1.0], size=(_N_PATTERNS, k))
    starts = [interp, _greedy(task.X[:, :1], task.y, k)]
    starts += [(zeros, inner, p) for p in patterns]
    net, sse, i = _free_knot_net(np.ones((1, 1)), task.X[:, :1], task.y, starts)
    h = (hi - lo) / k
    best = ("equally spaced knots facing right", "greedy")[i] if i < 2 else \
        "equally spaced knots, orientations " + "".join("+-"[int(p < 0)] for p in starts[i][2])
    # the bound is about x^2: stated only when the data follow it
    follows = np.allclose(task.y, x ** 2, rtol=1e-12, atol=0)
    return net, {"exact": False, "bound": h ** 4 / 16 if follows else None,
                 "message": f"{k} units relu(s (x - t)): knots by L-BFGS and coordinate "
                            f"search over the data positions, output layer by least "
                            f"squares, best of {len(starts)} starts ({best})"
                            + (f"; MSE <= h^4/16 = {h ** 4 / 16:.3g} (h = {h:.3g})"
                               if follows else "")}


def _product(task):
    k = task.hidden[0]
    _needs(task, 2, "one unit along x1 + x2 and one along x1 - x2")
    V = np.array([[1.0, 1.0], [1.0, -1.0]])  # columns: the directions x1 + x2, x1 - x2
    Z = task.X @ V
    kp, km = (k + 1) // 2, k // 2
    bound_h = []
    interp = ([], [], [])
    for d, kd in ((0, kp), (1, km)):
        lo, hi = float(Z[:, d].min()), float(Z[:, d].max())
        interp[0].append(np.full(kd, d))
        interp[1].append(lo + (hi - lo) * np.arange(kd) / kd)
        interp[2].append(np.ones(kd))
        bound_h.append((hi - lo) / kd)
    interp = tuple(np.concatenate(a) for a in interp)
    # the square construction along each direction, as a second start
    sq = ([], [], [])
    for d, kd in ((0, kp), (1, km)):
        sub = Task("square", Z[:, d:d + 1], Z[:, d] ** 2, hidden=kd)
        net_d = _square(sub)[0]
        w, b = net_d.weights[0][0], net_d.biases[0]
        keep = w != 0
        sq[0].append(np.full(keep.sum(), d))
        sq[1].append(-b[keep] / w[keep])
        sq[2].append(np.sign(w[keep]))
    sq = tuple(np.concatenate(a) for a in sq)
    starts = [interp, sq, _greedy(Z, task.y, k)]
    net, sse, i = _free_knot_net(V, Z, task.y, starts)
    knots_mse = sse / len(task.y)
    # the best product networks tilt their directions a few degrees off +-45 (seen in
    # polished gradient-descent runs): let every weight move, keep it only if lower
    net = _polish_all(net, task.X, task.y)
    bound = ((bound_h[0] ** 2 + bound_h[1] ** 2) / 16) ** 2
    names = ("interpolant knots", "square constructions", "greedy")
    follows = np.allclose(task.y, task.X[:, 0] * task.X[:, 1], rtol=1e-12, atol=0)
    return net, {"exact": False, "bound": bound if follows else None,
                 "message": f"x1 x2 = ((x1+x2)^2 - (x1-x2)^2)/4: {k} units relu(s (v . x - t)) "
                            f"with v = (1, 1) or (1, -1): knots by L-BFGS and coordinate "
                            f"search over the data positions, output layer by least "
                            f"squares, best of 3 starts ({names[i]}; MSE {knots_mse:.4g}), "
                            f"then every weight polished by L-BFGS"
                            + (f"; MSE <= {bound:.3g}" if follows else "")}


def _polish_all(net, X, y):
    """`net` after L-BFGS on all its weights (float64, full batch), if that lowers the MSE."""
    from scipy.optimize import minimize

    from ..losses import Objective

    obj = Objective(X, y.reshape(-1, 1), net.layer_sizes, net.hidden, net.output, "mse")
    with _controller().limit(limits=1, user_api="blas"):
        res = minimize(obj, net.to_flat(), jac=True, method="L-BFGS-B",
                       options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12})
    polished = net.with_flat(res.x)
    return polished if mse(polished, X, y) < mse(net, X, y) else net


def _greedy(Z, y, k):
    """Units added one at a time, each the best single addition (forward selection)."""
    from ._knots import _Candidates, _columns

    cand = _Candidates(Z)
    d, t, s = np.zeros(0, int), np.zeros(0), np.zeros(0)
    for _ in range(k):
        i = cand.best(_columns(Z, d, t, s), y)[0]
        d, t, s = np.r_[d, cand.dirs[i]], np.r_[t, cand.knots[i]], np.r_[s, cand.signs[i]]
    return d, t, s


def _free_knot_net(V, Z, y, starts):
    """The network of the best free-knot fit: units relu(s (V[:, d] . x - t))."""
    d, t, s, coef, sse, i = free_knots(Z, y, starts)
    W1 = V[:, d] * s
    net = _net(W1, -s * t, coef[:-1].reshape(-1, 1), coef[-1])
    return net, sse, i


_BUILDERS = {"xor": _xor, "absolute": _absolute, "maximum": _maximum, "parity": _parity,
             "sawtooth": _sawtooth, "teacher_student": _teacher_student, "square": _square,
             "product": _product}

"""Local-optimality evidence at a given network: gradient, Hessian spectrum, kinks."""

import time

import numpy as np

from .._validation import check_data, check_memory, check_network, check_nonnegative
from ..diagnose import diagnose
from ..losses import Objective, mse
from ..network import unflatten
from ..result import FitResult

__all__ = ["local", "VERDICTS"]

#: Verdicts of :func:`local`, from strongest to weakest.
VERDICTS = ("strict local minimum", "degenerate", "saddle", "nonsmooth", "not stationary")

# Activations whose units can be rescaled (w, b, a) -> (c w, c b, a / c) for c > 0
# without changing the function: each such unit adds one flat Hessian direction.
_HOMOGENEOUS = ("relu", "leaky_relu", "linear")
# Activations with a kink at 0.
_KINKED = ("relu", "leaky_relu")


def local(network, X, y, gtol=1e-6, eig_tol=None, kink_atol=1e-9, step=1e-5):
    """Is `network` a local minimum of the MSE on ``(X, y)``? Gradient, curvature, kinks.

    Parameters
    ----------
    network : Network or FitResult
        Any architecture; the loss is :func:`exactfit.mse`.
    X, y : array-like
    gtol : float, default=1e-6
        Stationary when the gradient's Euclidean norm is at most this.
    eig_tol : float, optional
        Eigenvalues within this of zero count as zero. Default: the finite-difference
        error, estimated as 10 times the largest asymmetry ``|H_ij - H_ji|`` of the
        raw difference Hessian, and at least ``1e-12 * max|eigenvalue|`` and 1e-12.
    kink_atol : float, default=1e-9
        A ReLU or leaky-ReLU unit whose pre-activation is within
        ``kink_atol * (1 + max|pre-activation|)`` of 0 on some sample has its kink
        on that sample: the loss is not twice differentiable there.
    step : float, default=1e-5
        Largest finite-difference step (relative to ``max(1, |theta_i|)``).

    Returns
    -------
    FitResult
        ``method="certify:local"``, ``evidence="local"`` when the verdict is
        "strict local minimum" (else "none"), and:

        - ``verdict``: one of :data:`VERDICTS`, ``message`` explains it;
        - ``grad_norm``; ``eigenvalues`` of the Hessian restricted to the
          complement of the rescaling directions; ``min_eigenvalue``;
          ``n_symmetries`` (directions removed); ``descent_direction`` for a saddle
          (flat parameter vector, unit norm);
        - ``kinks``: list of ``(layer, unit, sample indices)``; ``dead_units``.

    Notes
    -----
    The Hessian is the central finite difference of the analytic gradient of
    :class:`exactfit.losses.Objective`, symmetrised. Inside a linear region of the
    ReLUs the loss is smooth, so the step is halved until no sample changes side
    of any kink (``fd_step``). Units of ReLU, leaky-ReLU or linear layers can be
    rescaled without changing the function, so the Hessian always has a zero
    eigenvalue along each unit's ``(w, b, -a)``; those directions are projected
    out and "strict" means strict modulo that symmetry. Dead units leave their
    incoming weights flat: "degenerate" (the second-order test cannot decide).
    At a kink the Hessian test does not apply: "nonsmooth".
    """
    t0 = time.perf_counter()
    network = check_network(network, "network")
    X, Y = check_data(X, y)
    if X.shape[1] != network.n_inputs or Y.shape[1] != network.n_outputs:
        raise ValueError(f"X, y have {X.shape[1]} features and {Y.shape[1]} outputs but the "
                         f"network is {network.layer_sizes}.")
    gtol = check_nonnegative(gtol, "gtol")
    if eig_tol is not None:
        eig_tol = check_nonnegative(eig_tol, "eig_tol")
    kink_atol = check_nonnegative(kink_atol, "kink_atol")
    step = check_nonnegative(step, "step")
    if step == 0:
        raise ValueError("step must be > 0 (the finite-difference step).")
    # The Hessian is n_params x n_params (a few copies) and costs 2 n_params gradients.
    n_par = float(network.n_params)
    check_memory(8 * 6 * n_par * n_par, f"local(network) with {network.n_params} parameters "
                 "(a dense Hessian)", "Check a smaller network.")
    sizes = network.layer_sizes
    obj = Objective(X, Y, sizes, network.hidden, network.output, "mse")
    theta = network.to_flat()
    f, g = obj(theta)
    grad_norm = float(np.linalg.norm(g))
    kinks = _kinks(network, X, kink_atol)
    dead = [u for u in diagnose(network, X).dead] if network.hidden in _KINKED else []
    H, fd_step, asym = _fd_hessian(obj, theta, network, X, step)
    Q = _symmetry_complement(theta, sizes, network.hidden)
    Hr = Q.T @ H @ Q
    eig, vec = np.linalg.eigh(Hr)
    scale = float(np.max(np.abs(eig))) if eig.size else 0.0
    tol = eig_tol if eig_tol is not None else max(1e-12, 1e-12 * scale, 10 * asym)
    lam_min = float(eig[0]) if eig.size else 0.0
    out = dict(grad_norm=grad_norm, eigenvalues=eig, min_eigenvalue=lam_min,
               eig_tol=tol, n_symmetries=H.shape[0] - Q.shape[1], kinks=kinks,
               dead_units=dead, fd_step=fd_step)
    if grad_norm > gtol:
        verdict = "not stationary"
        msg = f"gradient norm {grad_norm:.3g} > gtol {gtol:g}"
    elif kinks:
        verdict = "nonsmooth"
        msg = (f"stationary, but {len(kinks)} unit kink(s) lie on data points; the Hessian "
               f"test does not apply there")
    elif lam_min < -tol:
        verdict = "saddle"
        out["descent_direction"] = Q @ vec[:, 0]
        msg = f"stationary with negative curvature {lam_min:.3g} (a descent direction exists)"
    elif lam_min > tol:
        verdict = "strict local minimum"
        msg = (f"stationary, Hessian positive definite (min eigenvalue {lam_min:.3g}) modulo "
               f"{out['n_symmetries']} rescaling direction(s)")
    else:
        verdict = "degenerate"
        n_flat = int(np.sum(np.abs(eig) <= tol))
        msg = (f"stationary, Hessian positive semidefinite with {n_flat} flat direction(s)"
               + (f" ({len(dead)} dead unit(s))" if dead else "")
               + ": the second-order test cannot decide")
    return FitResult(network=network, loss=mse(network, X, Y), method="certify:local",
                     evidence="local" if verdict == "strict local minimum" else "none",
                     message=f"{verdict}: {msg}", verdict=verdict,
                     time=time.perf_counter() - t0, **out)


def _kinks(network, X, atol):
    """(layer, unit, samples) for kinked units whose boundary passes through a sample."""
    if network.hidden not in _KINKED:
        return []
    found = []
    for layer, Z in enumerate(network.hidden_preactivations(X)):
        scale = 1.0 + float(np.max(np.abs(Z)))
        for unit in range(Z.shape[1]):
            on = np.flatnonzero(np.abs(Z[:, unit]) <= atol * scale)
            if on.size:
                found.append((layer, unit, on.tolist()))
    return found


def _pattern(obj, theta):
    return [Z > 0 for Z in obj.forward(theta)[1][0][:-1]]


def _fd_hessian(obj, theta, network, X, step):
    """Symmetrised central differences of the gradient, without crossing a kink."""
    n = theta.size
    H = np.empty((n, n))
    kinked = network.hidden in _KINKED
    base = _pattern(obj, theta) if kinked else None
    used = step
    for i in range(n):
        h = step * max(1.0, abs(theta[i]))
        for _ in range(30):
            e = np.zeros(n)
            e[i] = h
            if not kinked or all(
                    all(np.array_equal(a, b) for a, b in zip(_pattern(obj, theta + s * e), base))
                    for s in (1, -1)):
                break
            h /= 2
        e = np.zeros(n)
        e[i] = h
        used = min(used, h)
        H[:, i] = (obj(theta + e)[1] - obj(theta - e)[1]) / (2 * h)
    return (H + H.T) / 2, used, float(np.max(np.abs(H - H.T)))


def _symmetry_complement(theta, sizes, hidden):
    """Orthonormal basis of the directions orthogonal to every unit's rescaling."""
    n = theta.size
    if hidden not in _HOMOGENEOUS:
        return np.eye(n)
    Ws, bs = unflatten(theta, sizes)
    tangents = []
    for layer in range(len(sizes) - 2):
        for unit in range(sizes[layer + 1]):
            t = np.zeros(n)
            tW, tb = unflatten(t, sizes)
            tW[layer][:, unit] = Ws[layer][:, unit]
            tb[layer][unit] = bs[layer][unit]
            tW[layer + 1][unit, :] = -Ws[layer + 1][unit, :]
            if np.linalg.norm(t) > 0:
                tangents.append(t)
    if not tangents:
        return np.eye(n)
    T = np.array(tangents).T
    # Null space of T^T: the complement, via a full SVD.
    U, s, _ = np.linalg.svd(T, full_matrices=True)
    rank = int(np.sum(s > s[0] * 1e-12))
    return U[:, rank:]

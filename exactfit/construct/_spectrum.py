"""The amplitude spectrum |DFT(x)| as one two-layer ReLU network."""

import time

import numpy as np

from .._validation import check_choice, check_data, check_memory, check_positive_int, check_X
from ..losses import mse
from ..network import Network
from ..result import FitResult
from ._lstsq import solve_affine

__all__ = ["amplitude_spectrum", "dft_matrix", "polygon_gain"]

_OUTPUT_WEIGHTS = ("minimax", "lstsq")


def dft_matrix(n_samples, onesided=True):
    """Real and imaginary parts of the DFT as matrices in Keras layout.

    Parameters
    ----------
    n_samples : int
        Signal length N.
    onesided : bool, default=True
        True: the ``N // 2 + 1`` bins of ``numpy.fft.rfft``; False: all N bins of
        ``numpy.fft.fft``.

    Returns
    -------
    C, S : ndarray of shape (N, n_bins)
        ``x @ C == fft(x).real`` and ``x @ S == fft(x).imag`` (for a real signal
        ``x`` of shape (..., N)).
    """
    n = check_positive_int(n_samples, "n_samples")
    if not isinstance(onesided, (bool, np.bool_)):
        raise TypeError(f"onesided must be True or False; got {onesided!r}.")
    n_bins = n // 2 + 1 if onesided else n
    check_memory(8 * 4 * float(n) * n_bins, f"dft_matrix(n_samples={n})",
                 "Use a shorter signal.")
    bins = np.arange(n_bins)
    phase = 2 * np.pi * np.outer(np.arange(n), bins) / n
    return np.cos(phase), -np.sin(phase)


def _gain(thetas, phi):
    """g(phi) = sum_j relu(cos(theta_j - phi)), vectorised over phi."""
    return np.maximum(np.cos(thetas[None, :] - np.asarray(phi)[:, None]), 0.0).sum(axis=1)


def polygon_gain(units):
    """Exact minimum and maximum over angles of ``g(phi) = sum_j relu(cos(theta_j - phi))``.

    ``r * g(phi)`` is what ``units`` ReLUs with unit weight vectors at angles
    ``theta_j = 2 pi j / units`` output for the point ``r (cos phi, sin phi)``.
    Between the breakpoints ``theta_j +- pi / 2``, ``g`` is the sinusoid
    ``A cos(phi) + B sin(phi)`` of the active units, so its extremes lie at the
    breakpoints or at ``atan2(B, A)`` (+ pi) of some piece: evaluating ``g`` at
    those finitely many angles gives the exact extremes.

    Parameters
    ----------
    units : int

    Returns
    -------
    gmin, gmax : float
    """
    m = check_positive_int(units, "units")
    # The pieces-by-units table below has 2m x m entries (a bool and two floats each).
    check_memory(20 * 2 * float(m) * m, f"polygon_gain(units={m})", "Use fewer units.")
    thetas = 2 * np.pi * np.arange(m) / m
    breaks = np.sort(np.mod(np.r_[thetas + np.pi / 2, thetas - np.pi / 2], 2 * np.pi))
    ends = np.r_[breaks, breaks[0] + 2 * np.pi]
    mids = 0.5 * (ends[:-1] + ends[1:])
    active = np.cos(thetas[None, :] - mids[:, None]) > 0          # (pieces, m)
    A = active @ np.cos(thetas)
    B = active @ np.sin(thetas)
    stationary = np.arctan2(B, A)
    g = _gain(thetas, np.r_[breaks, stationary, stationary + np.pi])
    return float(g.min()), float(g.max())


def amplitude_spectrum(n_samples, units_per_bin=3, output_weights="minimax", X=None):
    """A two-layer ReLU network approximating the amplitude spectrum ``|rfft(x)|``.

    The asker's goal in ``euclid_distance_question.txt``: an FIR/DFT layer
    followed by ``abs``. The DFT is fused into the first layer: for every bin
    ``k`` of ``numpy.fft.rfft`` (``N // 2 + 1`` bins), ``units_per_bin`` ReLUs
    project ``(Re X_k, Im X_k)`` onto unit directions at ``360 / units_per_bin``
    degree spacing (the Euclid pyramid applied to every bin). The linear output
    sums each bin's units with one weight ``c_k``:

    - ``"minimax"`` (analytic, needs no data): with ``gmin, gmax`` from
      :func:`polygon_gain`, ``c_k = 2 / (gmin + gmax)`` minimises the largest
      relative error over all phases, which is then
      ``(gmax - gmin) / (gmax + gmin)`` (``tan(pi / (4 m))^2`` for odd m:
      7.2% for m=3, 2.5% for m=5, 1.3% for m=7). The DC and Nyquist bins are
      real (phase 0 or pi), so only those two phases count there.
    - ``"lstsq"``: the output layer (all weights and biases) is the exact
      least-squares solution on the signals `X`.

    For even ``units_per_bin`` the units come in opposite pairs and only give
    an m-gon, worse than ``units_per_bin - 1`` (see :func:`norm_pyramid`).

    Parameters
    ----------
    n_samples : int
        Samples per signal: the DFT length N (the number of network inputs).
    units_per_bin : int, default=3
        ReLUs per frequency bin; the hidden layer has
        ``units_per_bin * (N // 2 + 1)`` units.
    output_weights : {"minimax", "lstsq"}, default="minimax"
    X : array-like of shape (n_signals, n_samples), optional
        Signals on which to report the error (required for ``"lstsq"``).

    Returns
    -------
    FitResult
        ``method="construct:amplitude_spectrum"``, ``evidence="none"`` (an
        approximation, not an optimum); ``error_bound``: the largest relative
        error ``| f_k(x) - |X_k| | / |X_k|`` over all signals (minimax only, else
        None). With `X`: ``loss = mse(network, X, |rfft(X)|)``,
        ``relative_error = ||f(X) - |rfft(X)| ||_F / || |rfft(X)| ||_F`` and
        ``max_relative_error`` (largest entry-wise relative error measured).
        Without `X`, ``loss`` is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit.construct import amplitude_spectrum
    >>> res = amplitude_spectrum(16, units_per_bin=5)
    >>> res.network.layer_sizes, round(res.error_bound, 4)
    ((16, 45, 9), 0.0251)
    """
    t0 = time.perf_counter()
    n = check_positive_int(n_samples, "n_samples")
    m = check_positive_int(units_per_bin, "units_per_bin")
    check_choice(output_weights, _OUTPUT_WEIGHTS, "output_weights")
    if output_weights == "lstsq" and X is None:
        raise ValueError("amplitude_spectrum(output_weights='lstsq') needs the signals X "
                         "to solve the output layer on.")
    n_bins = n // 2 + 1
    # W1 (n x m bins) with its temporaries, W2 (m bins x bins) and C, S.
    check_memory(8 * (4 * float(n) * m * n_bins + 2 * float(m) * n_bins ** 2
                      + 4 * float(n) * n_bins),
                 f"amplitude_spectrum(n_samples={n}, units_per_bin={m})",
                 "Use a shorter signal or fewer units per bin.")
    C, S = dft_matrix(n)
    thetas = 2 * np.pi * np.arange(m) / m
    # column (k, j): cos(theta_j) Re X_k + sin(theta_j) Im X_k, bin-major order
    W1 = (C[:, :, None] * np.cos(thetas) + S[:, :, None] * np.sin(thetas)).reshape(n, -1)
    b1 = np.zeros(n_bins * m)

    gmin, gmax = polygon_gain(m)
    g0, gpi = _gain(thetas, [0.0, np.pi])
    real_bin = np.zeros(n_bins, dtype=bool)
    real_bin[0] = True
    if n % 2 == 0:
        real_bin[-1] = True
    if output_weights == "minimax":
        c = np.where(real_bin, 2 / (g0 + gpi), 2 / (gmin + gmax))
        W2 = np.kron(np.eye(n_bins), np.ones((m, 1))) * np.repeat(c, m)[:, None]
        b2 = np.zeros(n_bins)
        bound = float(max((gmax - gmin) / (gmax + gmin) if np.any(~real_bin) else 0.0,
                          abs(g0 - gpi) / (g0 + gpi)))
    else:
        X = check_X(X)
        if X.shape[1] != n:
            raise ValueError(f"X has {X.shape[1]} samples per signal; expected "
                             f"n_samples={n}.")
        W2, b2 = solve_affine(np.maximum(X @ W1, 0.0), np.abs(np.fft.rfft(X, axis=1)))
        bound = None
    net = Network([W1, W2], [b1, b2], hidden="relu", output="linear")
    out = FitResult(network=net, loss=float("nan"), method="construct:amplitude_spectrum",
                    evidence="none", error_bound=bound, units_per_bin=m,
                    output_weights=output_weights,
                    message=f"DFT fused into {n_bins} bins x {m} ReLU directions, "
                            f"{output_weights} output weights")
    if X is not None:
        X, A = check_data(X, np.abs(np.fft.rfft(check_X(X), axis=1)))
        if X.shape[1] != n:
            raise ValueError(f"X has {X.shape[1]} samples per signal; expected "
                             f"n_samples={n}.")
        out.update(spectrum_errors(net, X, A))
    out.time = time.perf_counter() - t0
    return out


def spectrum_errors(network, X, A):
    """``loss`` (MSE), ``relative_error`` (Frobenius) and ``max_relative_error`` of a
    network's prediction of the amplitudes `A` (2-D) from signals `X`."""
    P = network.predict(X).reshape(A.shape)
    nz = A > 0
    err, size = float(np.linalg.norm(P - A)), float(np.linalg.norm(A))
    return {"loss": mse(network, X, A),
            # all-zero signals: relative to nothing, so 0 when exact and inf otherwise
            "relative_error": err / size if size > 0 else (0.0 if err == 0 else np.inf),
            "max_relative_error": float(np.max(np.abs(P - A)[nz] / A[nz])) if nz.any()
            else 0.0}

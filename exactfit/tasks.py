"""Task generators: the data sets behind the users' questions.

A :class:`Task` bundles training data with the architecture the question is
about, so benchmarks, sweeps and examples all run on the same thing.
"""

import numbers
from dataclasses import dataclass, field

import numpy as np
from ._validation import (MAX_ABS_VALUE, _as_float_array, check_data, check_hidden, check_memory,
                          check_positive_int, check_random_state)
from .activations import check_activation

__all__ = ["Task", "amplitude_spectrum", "dft", "euclid", "fir", "identity", "lookup",
           "teacher_student"]


@dataclass
class Task:
    """Training data plus the architecture a question is about.

    Attributes
    ----------
    name : str
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    hidden : tuple of int
        Hidden layer sizes of the network in question.
    activation : str
        Hidden activation of the network in question.
    output : str
        Output activation.
    description : str
    meta : dict
        Generator parameters (to regenerate the same data).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    hidden: tuple = (3,)
    activation: str = "relu"
    output: str = "linear"
    description: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string; got {self.name!r}.")
        X, Y = check_data(self.X, self.y)
        self.X = X
        self.y = Y[:, 0] if np.ndim(self.y) == 1 else Y
        self.hidden = check_hidden(self.hidden, allow_empty=True)
        check_activation(self.activation, "activation")
        check_activation(self.output, "output")
        if not isinstance(self.description, str):
            raise TypeError(f"description must be a string; got {self.description!r}.")
        if not isinstance(self.meta, dict):
            raise TypeError(f"meta must be a dict; got {type(self.meta).__name__}.")

    def __repr__(self):
        return (f"Task({self.name!r}, X{self.X.shape}, y{self.y.shape}, hidden={self.hidden}, "
                f"activation={self.activation!r})")


def euclid(n_samples=2000, hidden=3, low=-1.0, high=1.0, random_state=0):
    """sqrt(x^2 + y^2) on points uniform in the square ``[low, high]^2``.

    The question in ``euclid_distance_question.txt``: a 2 -> 3 ReLU -> 1 network
    that should find the inverted hexagonal pyramid.

    Parameters
    ----------
    n_samples : int, default=2000
    hidden : int, default=3
        Hidden units of the network in question.
    low, high : float
        Bounds of the square.
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be a real number; got {v!r}.")
        if not abs(v) <= MAX_ABS_VALUE / 2:
            raise ValueError(f"{name} must be finite with |{name}| <= {MAX_ABS_VALUE / 2:g}; "
                             f"got {v}.")
    if not low < high:
        raise ValueError(f"low must be below high; got low={low}, high={high}.")
    _reserve(n_samples * 3, "euclid(n_samples=...)")
    rs = check_random_state(random_state)
    X = rs.uniform(low, high, size=(n_samples, 2))
    y = np.hypot(X[:, 0], X[:, 1])
    return Task("euclid", X, y, hidden=hidden, activation="relu",
                description="sqrt(x^2+y^2) on the square [%g, %g]^2" % (low, high),
                meta={"n_samples": n_samples, "low": low, "high": high,
                      "random_state": random_state if isinstance(random_state, int) else None})


def _reserve(entries, what):
    """Refuse a task whose arrays (about `entries` float64 values, with the copies the
    checks make) cannot fit in memory."""
    check_memory(3 * 8 * float(entries), f"{what}: {entries:.3g} values",
                 "Ask for a smaller task.")


# ---------------------------------------------------------------------------
# Signal, lookup and identity tasks (issue 4).

def _signals(n_samples, length, random_state):
    # white Gaussian noise: every DFT bin and every FIR output is excited
    rs = check_random_state(random_state)
    return rs.standard_normal((n_samples, length))


def _seed_meta(random_state):
    return random_state if isinstance(random_state, int) else None


def fir(taps=None, n_taps=16, length=64, n_samples=None, mode="valid", random_state=0):
    """Before/after signal pairs for an FIR filter: ``y = numpy.convolve(taps, x, mode)``.

    The first experiment of ``euclid_distance_question.txt``: a single linear
    layer learns an FIR filter from "before" and "after" signals.

    Parameters
    ----------
    taps : array-like of shape (n_taps,), optional
        Filter coefficients; by default ``n_taps`` random normal taps drawn from
        `random_state` (before the signals).
    n_taps : int, default=16
        Used when `taps` is None.
    length : int, default=64
        Samples per input signal.
    n_samples : int, optional
        Number of signal pairs; default ``4 * length`` (more than the ``length + 1``
        unknowns per output, so the matrix is determined).
    mode : {"valid", "same", "full"}, default="valid"
        As in :func:`numpy.convolve` (zero padding outside the signal).
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``X`` (n_samples, length), ``y`` (n_samples, n_out); ``hidden=()``: the
        network in question is one linear layer. ``meta["taps"]`` and ``meta["matrix"]``: the true
        ``(length, n_out)`` Keras-layout matrix with ``X @ matrix == y``.
    """
    from scipy.linalg import convolution_matrix

    from ._validation import check_choice
    length = check_positive_int(length, "length")
    rs = check_random_state(random_state)
    if taps is None:
        taps = rs.standard_normal(check_positive_int(n_taps, "n_taps"))
    taps = _as_float_array(taps, "taps")
    if taps.ndim != 1 or taps.size < 1 or not np.all(np.isfinite(taps)):
        raise ValueError(f"taps must be a non-empty finite 1-D array; got shape {taps.shape}.")
    check_choice(mode, ("valid", "same", "full"), "mode")
    if mode == "valid" and taps.size > length:
        raise ValueError(f"length ({length}) must be >= the number of taps ({taps.size}) "
                         f"for mode='valid'.")
    n_samples = 4 * length if n_samples is None else check_positive_int(n_samples, "n_samples")
    _reserve(2 * n_samples * length + length * (length + taps.size),
             "fir(length=..., n_samples=...)")
    X = _signals(n_samples, length, rs)
    matrix = convolution_matrix(taps, length, mode).T  # (length, n_out)
    y = np.stack([np.convolve(taps, x, mode) for x in X])
    task = Task("fir", X, y, hidden=(), activation="linear", output="linear",
                description=f"FIR filter with {taps.size} taps on white noise of length "
                            f"{length} ({mode} convolution)",
                meta={"taps": taps, "matrix": matrix, "length": length, "mode": mode,
                      "n_samples": n_samples, "random_state": _seed_meta(random_state)})
    return task


def dft(length=64, n_samples=None, onesided=False, random_state=0):
    """Signal / DFT pairs: ``y = [fft(x).real, fft(x).imag]``.

    The second experiment of ``euclid_distance_question.txt``: the DFT is linear,
    so one linear layer implements it.

    Parameters
    ----------
    length : int, default=64
        Samples per signal N.
    n_samples : int, optional
        Number of signals; default ``4 * length``.
    onesided : bool, default=False
        False: all N bins (``numpy.fft.fft``, 2N outputs); True: the
        ``N // 2 + 1`` bins of ``numpy.fft.rfft``.
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``y`` has the real parts of all bins, then the imaginary parts;
        ``hidden=()`` (one linear layer).
        ``meta["matrix"]`` is the true ``(N, 2 * n_bins)`` matrix ``[C, S]``
        (:func:`exactfit.construct.dft_matrix`).
    """
    from .construct._spectrum import dft_matrix
    length = check_positive_int(length, "length")
    n_samples = 4 * length if n_samples is None else check_positive_int(n_samples, "n_samples")
    if not isinstance(onesided, (bool, np.bool_)):
        raise TypeError(f"onesided must be True or False; got {onesided!r}.")
    _reserve(5 * n_samples * length + 4 * length * length, "dft(length=..., n_samples=...)")
    X = _signals(n_samples, length, random_state)
    F = np.fft.rfft(X, axis=1) if onesided else np.fft.fft(X, axis=1)
    y = np.hstack([F.real, F.imag])
    C, S = dft_matrix(length, onesided=onesided)
    task = Task("dft", X, y, hidden=(), activation="linear", output="linear",
                description=f"DFT of white noise of length {length} (real, then imaginary "
                            "parts)",
                meta={"matrix": np.hstack([C, S]), "length": length, "onesided": onesided,
                      "n_samples": n_samples, "random_state": _seed_meta(random_state)})
    return task


def amplitude_spectrum(length=16, n_samples=2000, units_per_bin=3, random_state=0):
    """Signal / amplitude-spectrum pairs: ``y = |numpy.fft.rfft(x)|``.

    The asker's real goal in ``euclid_distance_question.txt``; the network in
    question is the one of :func:`exactfit.construct.amplitude_spectrum`:
    ``length -> units_per_bin * (length // 2 + 1)`` ReLUs ``-> length // 2 + 1``.

    Parameters
    ----------
    length : int, default=16
        Samples per signal N.
    n_samples : int, default=2000
        Number of signals.
    units_per_bin : int, default=3
        Sets the hidden width of the network in question.
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
    """
    length = check_positive_int(length, "length")
    n_samples = check_positive_int(n_samples, "n_samples")
    m = check_positive_int(units_per_bin, "units_per_bin")
    _reserve(3 * n_samples * length, "amplitude_spectrum(length=..., n_samples=...)")
    X = _signals(n_samples, length, random_state)
    y = np.abs(np.fft.rfft(X, axis=1))
    return Task("amplitude_spectrum", X, y, hidden=(m * y.shape[1],), activation="relu",
                description=f"|rfft(x)| of white noise of length {length}",
                meta={"length": length, "n_samples": n_samples, "units_per_bin": m,
                      "random_state": _seed_meta(random_state)})


def lookup(t1, t2, hidden=4):
    """The Flux question's binary lookup: input 0 -> `t1`, input 1 -> `t2`.

    Parameters
    ----------
    t1, t2 : float
        Targets for the inputs 0 and 1.
    hidden : int, default=4
        Hidden ReLUs of ``Chain(Dense(1, n, relu), Dense(n, 1))`` (the asker's
        default is 4).

    Returns
    -------
    Task
        ``X = [[0], [1]]``, ``y = [t1, t2]``.
    """
    for name, t in (("t1", t1), ("t2", t2)):
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real):
            raise TypeError(f"{name} must be a real number; got {t!r}.")
        if not abs(t) <= MAX_ABS_VALUE:
            raise ValueError(f"{name} must be a finite number with |{name}| <= "
                             f"{MAX_ABS_VALUE:g}; got {t!r}.")
    return Task("lookup", np.array([[0.0], [1.0]]), np.array([float(t1), float(t2)]),
                hidden=hidden, activation="relu",
                description=f"binary lookup 0 -> {t1:g}, 1 -> {t2:g}",
                meta={"t1": float(t1), "t2": float(t2)})


def identity(data="digits", depth=1, n_samples=60000, n_features=784, path=None,
             random_state=0):
    """The identity ``y = x`` on nonnegative pixel data, through `depth` Dense ReLU layers.

    The question in ``identity_function_question.txt`` (MNIST, 1 or 4 Dense
    layers of width 784 with ReLU, the last one included).

    Parameters
    ----------
    data : {"digits", "mnist", "random"}, default="digits"
        ``"digits"``: scikit-learn's shipped 8x8 digits, raw 0..16 scale
        (:func:`exactfit.datasets.load_digits`, training part); ``"mnist"``:
        :func:`exactfit.datasets.load_mnist` (raw 0..255, 60000 training images);
        ``"random"``: integers uniform in 0..255 of shape (n_samples, n_features),
        a stand-in with MNIST's shape and scale when MNIST is not available.
    depth : int, default=1
        Dense layers of the network in question, the output included.
    n_samples, n_features : int
        Shape for ``data="random"``.
    path : str, optional
        Passed to :func:`~exactfit.datasets.load_mnist`.
    random_state : int, RandomState or None, default=0
        For ``"random"`` data and the digits train/test split.

    Returns
    -------
    Task
        ``hidden`` is ``(n_features,) * (depth - 1)``; ``output="relu"``.
        ``meta["X_test"]`` holds the held-out images (None for random data).
    """
    from . import datasets
    from ._validation import check_choice
    check_choice(data, ("digits", "mnist", "random"), "data")
    depth = check_positive_int(depth, "depth")
    X_test = None
    if data == "random":
        rs = check_random_state(random_state)
        n_samples = check_positive_int(n_samples, "n_samples")
        n_features = check_positive_int(n_features, "n_features")
        _reserve(2 * n_samples * n_features, "identity(n_samples=..., n_features=...)")
        X = rs.randint(0, 256, size=(n_samples, n_features))
        X = X.astype(np.float64)
    else:
        d = (datasets.load_digits(random_state=random_state) if data == "digits"
             else datasets.load_mnist(path))
        X, X_test = d.X_train, d.X_test
    n = X.shape[1]
    task = Task("identity", X, X, hidden=(n,) * (depth - 1), activation="relu",
                output="relu", description=f"identity on {data} pixels through {depth} "
                                           f"Dense({n}, relu) layer(s)",
                meta={"data": data, "depth": depth, "X_test": X_test,
                      "random_state": _seed_meta(random_state)})
    return task


def teacher_student(d, k, n_samples=4000, width=None, rotate=False, random_state=0):
    """A sampled teacher-student problem: ``y = sum_i relu(v_i . x)``, ``x ~ N(0, I_d)``.

    The setting of Safran & Shamir (2018), "Spurious local minima are common in
    two-layer ReLU neural networks": a teacher of `k` ReLU units with orthonormal
    directions ``v_i`` (``v_i = e_i`` unless `rotate`), unit output weights and no
    biases. A student of at least `k` units reproduces it exactly, so the optimum
    MSE of the task's architecture is 0.

    Parameters
    ----------
    d : int
        Input dimension.
    k : int
        Teacher units, ``k <= d``.
    n_samples : int, default=4000
    width : int, optional
        Hidden units of the student (the task's architecture); default `k`.
    rotate : bool, default=False
        Draw the orthonormal ``v_i`` at random (QR of a Gaussian matrix) instead of
        the first `k` coordinate axes.
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``meta["teacher"]`` holds the directions as a ``(d, k)`` array (columns
        ``v_i``) and ``meta["optimum"] = 0.0``.
    """
    d = check_positive_int(d, "d")
    k = check_positive_int(k, "k")
    if k > d:
        raise ValueError(f"k must be at most d (orthonormal teacher directions); got k={k}, "
                         f"d={d}.")
    n_samples = check_positive_int(n_samples, "n_samples")
    width = k if width is None else check_positive_int(width, "width")
    if not isinstance(rotate, (bool, np.bool_)):
        raise TypeError(f"rotate must be a bool; got {rotate!r}.")
    _reserve(n_samples * (d + 2) + 2 * d * d, "teacher_student(d=..., n_samples=...)")
    rs = check_random_state(random_state)
    X = rs.standard_normal((n_samples, d))
    V = np.linalg.qr(rs.standard_normal((d, d)))[0][:, :k] if rotate else np.eye(d)[:, :k]
    y = np.maximum(X @ V, 0.0).sum(axis=1)
    return Task("teacher_student", X, y, hidden=(width,), activation="relu",
                description=f"teacher sum of {k} ReLU(v_i . x), x ~ N(0, I_{d}); "
                            f"student of {width} units",
                meta={"d": d, "k": k, "n_samples": n_samples, "width": width,
                      "rotate": bool(rotate), "teacher": V, "optimum": 0.0,
                      "random_state": _seed_meta(random_state)})

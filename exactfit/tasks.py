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
           "teacher_student",
           # the zoo (issue 12)
           "ZOO_TASKS", "absolute", "maximum", "parity", "product", "sawtooth", "square",
           "tent_map", "xor"]


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


# ---------------------------------------------------------------------------
# The zoo (issue 12): small functions people ask about, each with the architecture
# in question; exactfit.construct.for_task builds the matching network.

#: Names of the zoo tasks, as ``Task.name`` (``exactfit.construct.for_task`` knows each).
ZOO_TASKS = ("xor", "absolute", "maximum", "square", "product", "parity", "sawtooth",
             "teacher_student")


def _zoo_random_state(random_state):
    # exactfit's check names the argument (sklearn's does not); imported here so the
    # zoo section stands alone below the older generators.
    from ._validation import check_random_state
    return check_random_state(random_state)


def _narrowest(hidden):
    return min(hidden, default=0)


def _check_interval(low, high):
    from numbers import Real
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, Real):
            raise TypeError(f"{name} must be a real number; got {v!r} ({type(v).__name__}).")
        if not np.isfinite(v):
            raise ValueError(f"{name} must be finite; got {v}.")
    if not low < high:
        raise ValueError(f"low must be < high; got low={low}, high={high}.")
    return float(low), float(high)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def _uniform(n_samples, n_features, low, high, random_state):
    rs = _zoo_random_state(random_state)
    return rs.uniform(low, high, size=(n_samples, n_features))


def xor(hidden=2, signed=False):
    """XOR of two bits: the four points of ``{0, 1}^2`` (or ``{-1, 1}^2``), labels 0/1.

    The architecture in question is 2 -> `hidden` ReLU -> 1 (linear output), trained
    with the MSE on the 0/1 labels. Two units are the fewest that fit XOR exactly:
    ``|x1 - x2| / (b - a) = (relu(x1 - x2) + relu(x2 - x1)) / (b - a)`` for the input
    levels ``a < b``. One unit cannot: a width-1 network ``c relu(w . x + d) + e`` is a
    monotone function of ``s = w . x``, and XOR would need ``g(s(0,0)) = g(s(1,1)) = 0``
    with ``g(s(0,1)) = g(s(1,0)) = 1``, where ``s(1,1) - s(0,1) = s(1,0) - s(0,0)``,
    so ``s(0,0)`` or ``s(1,1)`` lies beyond both others: impossible for a monotone ``g``.

    Parameters
    ----------
    hidden : int or tuple of int, default=2
        Hidden widths of the network in question (2: the smallest exact one).
    signed : bool, default=False
        False: inputs in ``{0, 1}^2`` (the usual Keras tutorial); True: inputs in
        ``{-1, 1}^2`` (the setting of alanoursland/tr_xor). Labels are 0/1 either way.

    Returns
    -------
    Task
        ``X`` of shape (4, 2), ``y = [0, 1, 1, 0]``; ``meta["levels"]`` the two input
        levels, ``meta["optimum"] = 0.0`` (the MSE the architecture can reach; None
        when `hidden` is narrower than 2 units).

    Examples
    --------
    >>> from exactfit.tasks import xor
    >>> xor().y.tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    signed = _check_bool(signed, "signed")
    a, b = (-1.0, 1.0) if signed else (0.0, 1.0)
    X = np.array([[a, a], [a, b], [b, a], [b, b]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    task = Task("xor", X, y, hidden=hidden, activation="relu",
                description=f"XOR on {{{a:g}, {b:g}}}^2, labels 0/1")
    task.meta = {"signed": signed, "levels": (a, b),
                 "optimum": 0.0 if _narrowest(task.hidden) >= 2 else None}
    return task


def absolute(n_samples=100, low=-1.0, high=1.0, hidden=2, random_state=0):
    """``|x|`` on points uniform in ``[low, high]`` (one input).

    The architecture in question is 1 -> `hidden` ReLU -> 1. Two units fit it exactly
    on every real x: ``|x| = relu(x) + relu(-x)``. When the interval contains 0 inside,
    one unit cannot: ``c relu(w x + d) + e`` is monotone in x, ``|x|`` is not.

    Parameters
    ----------
    n_samples : int, default=100
        Enough points that both sides of 0 are well covered (an exact fit on them is
        ``|x|`` on the interval up to the gap around 0); few enough that 1000
        gradient-descent seeds train in seconds.
    low, high : float, default=-1.0, 1.0
    hidden : int or tuple of int, default=2
        Hidden widths of the network in question (2: the smallest exact one).
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``X`` (n_samples, 1), ``y = |x|``; ``meta["optimum"] = 0.0``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    low, high = _check_interval(low, high)
    X = _uniform(n_samples, 1, low, high, random_state)
    task = Task("absolute", X, np.abs(X[:, 0]), hidden=hidden, activation="relu",
                description=f"|x| on [{low:g}, {high:g}]")
    task.meta = {"n_samples": n_samples, "low": low, "high": high,
                 "random_state": _seed_meta(random_state),
                 "optimum": 0.0 if _narrowest(task.hidden) >= 2 else None}
    return task


def maximum(n_samples=200, low=-1.0, high=1.0, hidden=2, random_state=0):
    """``max(x1, x2)`` on points uniform in the square ``[low, high]^2``.

    The architecture in question is 2 -> `hidden` ReLU -> 1. On the square two units
    fit it exactly: ``max(x1, x2) = relu(x1 - x2) + relu(x2 - low) + low`` (the second
    unit is ``x2 - low`` wherever ``x2 >= low``). One unit cannot: the gradient of a
    width-1 network is everywhere 0 or parallel to one vector ``w``, while ``max`` has
    the gradients (1, 0) and (0, 1). (On the whole plane three units are needed for
    this construction: ``x2 = relu(x2) - relu(-x2)``.)

    Parameters
    ----------
    n_samples : int, default=200
        Enough points to cover both sides of the diagonal densely.
    low, high : float, default=-1.0, 1.0
    hidden : int or tuple of int, default=2
        Hidden widths of the network in question (2: the smallest exact one).
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``X`` (n_samples, 2), ``y = max(x1, x2)``; ``meta["optimum"] = 0.0``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    low, high = _check_interval(low, high)
    X = _uniform(n_samples, 2, low, high, random_state)
    task = Task("maximum", X, X.max(axis=1), hidden=hidden, activation="relu",
                description=f"max(x1, x2) on [{low:g}, {high:g}]^2")
    task.meta = {"n_samples": n_samples, "low": low, "high": high,
                 "random_state": _seed_meta(random_state),
                 "optimum": 0.0 if _narrowest(task.hidden) >= 2 else None}
    return task


def square(n_samples=100, low=-1.0, high=1.0, hidden=4, random_state=0):
    """``x^2`` on points uniform in ``[low, high]`` (one input).

    The architecture in question is 1 -> `hidden` ReLU -> 1. No width fits it
    exactly: a ReLU network is piecewise linear and ``x^2`` is curved on every
    interval, so every network has a positive MSE on enough points, falling about
    as ``width^-4`` (the linear interpolant with knots ``h`` apart is off by at most
    ``h^2 / 4``). :func:`exactfit.construct.for_task` gives the best network we know
    how to build (free-knot least squares).

    Parameters
    ----------
    n_samples : int, default=100
    low, high : float, default=-1.0, 1.0
    hidden : int or tuple of int, default=4
        Hidden widths of the network in question. 4 units: on [-1, 1] the smallest
        width whose best-known network has an RMSE near 1% of the range of y
        (about 0.011; 2 units about 0.032, 3 units about 0.024).
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``X`` (n_samples, 1), ``y = x^2``; ``meta["optimum"]`` is None (not known).
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    low, high = _check_interval(low, high)
    X = _uniform(n_samples, 1, low, high, random_state)
    task = Task("square", X, X[:, 0] ** 2, hidden=hidden, activation="relu",
                description=f"x^2 on [{low:g}, {high:g}]")
    task.meta = {"n_samples": n_samples, "low": low, "high": high,
                 "random_state": _seed_meta(random_state), "optimum": None}
    return task


def product(n_samples=200, low=-1.0, high=1.0, hidden=8, random_state=0):
    """``x1 * x2`` on points uniform in the square ``[low, high]^2``.

    The architecture in question is 2 -> `hidden` ReLU -> 1. Like ``x^2`` (and
    because ``x1 x2 = ((x1 + x2)^2 - (x1 - x2)^2) / 4``) no width fits it exactly;
    :func:`exactfit.construct.for_task` builds it from two :func:`square`
    constructions.

    Parameters
    ----------
    n_samples : int, default=200
    low, high : float, default=-1.0, 1.0
    hidden : int or tuple of int, default=8
        Hidden widths of the network in question. 8 units: two 4-unit squares (see
        :func:`square` for why 4), one along ``x1 + x2``, one along ``x1 - x2``.
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``X`` (n_samples, 2), ``y = x1 * x2``; ``meta["optimum"]`` is None.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    low, high = _check_interval(low, high)
    X = _uniform(n_samples, 2, low, high, random_state)
    task = Task("product", X, X[:, 0] * X[:, 1], hidden=hidden, activation="relu",
                description=f"x1 * x2 on [{low:g}, {high:g}]^2")
    task.meta = {"n_samples": n_samples, "low": low, "high": high,
                 "random_state": _seed_meta(random_state), "optimum": None}
    return task


def parity(n_bits=3, hidden=None):
    """Parity of `n_bits` bits on all ``2^n_bits`` points of ``{0, 1}^n_bits``.

    ``y = (x_1 + ... + x_n) mod 2`` with 0/1 labels; ``n_bits=2`` is XOR. The
    architecture in question is n -> `hidden` ReLU -> 1. Parity depends on the
    inputs only through ``s = sum(x)``, and the zigzag through ``(j, j mod 2)``,
    ``j = 0..n``, is a 1-D piecewise-linear function with ``n - 1`` kinks plus a
    slope on ``[0, 1]``: ``n`` units along the direction ``(1, ..., 1)`` fit it
    exactly (:func:`exactfit.construct.for_task`).

    Parameters
    ----------
    n_bits : int, default=3
    hidden : int or tuple of int, optional
        Hidden widths of the network in question; default `n_bits`, the width of the
        construction (XOR, ``n_bits=2``, needs 2; see :func:`xor`).

    Returns
    -------
    Task
        ``X`` (2^n_bits, n_bits) in lexicographic order, ``y`` the parity;
        ``meta["optimum"] = 0.0`` when every hidden layer has at least `n_bits`
        units (otherwise None: not known).
    """
    n = check_positive_int(n_bits, "n_bits")
    if n > 16:
        raise ValueError(f"n_bits must be at most 16 (the task lists all 2^n_bits points); "
                         f"got {n}.")
    X = ((np.arange(2 ** n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    y = X.sum(axis=1) % 2
    task = Task("parity", X, y, hidden=n if hidden is None else hidden, activation="relu",
                description=f"parity of {n} bits, all {2 ** n} inputs")
    task.meta = {"n_bits": n, "optimum": 0.0 if _narrowest(task.hidden) >= n else None}
    return task


def tent_map(x, m=1):
    """Telgarsky's tent map ``T(x) = min(2 x, 2 - 2 x)`` composed `m` times.

    On ``[0, 1]``, ``T^m`` is a sawtooth of ``2^(m-1)`` teeth: ``2^m`` linear pieces
    of slope ``+-2^m`` between the points ``j / 2^m``, where it is ``j mod 2``.

    Parameters
    ----------
    x : array-like
    m : int, default=1
        Number of compositions (``m >= 0``; 0 is the identity).

    Returns
    -------
    ndarray of float64, the shape of `x`
    """
    m = check_positive_int(m, "m", minimum=0)
    x = np.asarray(x, dtype=np.float64)
    for _ in range(m):
        x = np.minimum(2.0 * x, 2.0 - 2.0 * x)
    return x


def sawtooth(m=3, n_samples=None, hidden=None, random_state=0):
    """Telgarsky's sawtooth ``T^m`` (tent map composed `m` times) on points uniform in [0, 1].

    Depth against width (Telgarsky 2016, "Benefits of depth in neural networks"):
    ``T(x) = 2 relu(x) - 4 relu(x - 1/2)`` on [0, 1], so a deep narrow network of
    `m` hidden layers of 2 ReLUs computes ``T^m`` exactly with ``2 m`` units, while
    one hidden layer needs ``2^m`` units: ``T^m`` has ``2^m - 1`` kinks inside (0, 1),
    each unit gives one kink, and ``2^m - 1`` units do not suffice because the slope
    jumps are all ``+-2^(m+1)`` while the first slope, ``2^m``, must be minus the sum
    of the jumps of the units facing left (a subset of the jumps); so one more
    unit is needed. (This holds on any sample with two points in every piece.)

    Parameters
    ----------
    m : int, default=3
        Compositions: ``2^(m-1)`` teeth.
    n_samples : int, optional
        Default ``32 * 2^m``: 32 points per linear piece on average, so every piece
        is sampled (the chance that one of the 8 pieces of ``m=3`` gets fewer than two
        of 256 points is below 1e-12).
    hidden : int or tuple of int, optional
        Hidden widths of the network in question; default ``(2,) * m``, the deep
        narrow network. ``2**m`` is the shallow network that fits it exactly.
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Task
        ``X`` (n_samples, 1), ``y = T^m(x)``; ``meta["optimum"] = 0.0`` when
        :func:`exactfit.construct.for_task` has an exact network for `hidden` (layers
        of widths ``w_l`` with ``sum_l floor(log2 w_l) >= m``), otherwise None.
    """
    m = check_positive_int(m, "m")
    if m > 20:
        raise ValueError(f"m must be at most 20 (2^m pieces); got {m}.")
    n_samples = 32 * 2 ** m if n_samples is None else check_positive_int(n_samples,
                                                                        "n_samples")
    X = _uniform(n_samples, 1, 0.0, 1.0, random_state)
    task = Task("sawtooth", X, tent_map(X[:, 0], m), hidden=(2,) * m if hidden is None
                else hidden, activation="relu",
                description=f"tent map composed {m} times on [0, 1] ({2 ** (m - 1)} teeth)")
    depth = sum(w.bit_length() - 1 for w in task.hidden)  # floor(log2 w) per layer
    task.meta = {"m": m, "n_samples": n_samples, "random_state": _seed_meta(random_state),
                 "optimum": 0.0 if depth >= m else None}
    return task

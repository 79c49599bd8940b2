"""Argument checks with clear messages, shared by every public entry point."""

import numbers
import os

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils import check_random_state as _sk_check_random_state

__all__ = ["check_data", "check_X", "check_hidden", "check_positive_int",
           "check_choice", "check_fraction", "check_nonnegative", "check_random_state",
           "check_network", "check_n_jobs", "check_bool", "check_positive",
           "check_memory", "available_memory", "MAX_ABS_VALUE"]

#: Largest magnitude accepted in data. Every loss squares errors and every
#: least-squares solve forms products of the data, and float64 overflows above
#: about 1.8e308 = (1.3e154)^2: above this the MSE of any network is inf.
MAX_ABS_VALUE = 1e150


def _as_float_array(a, name):
    """`a` as a finite float64 array of magnitude <= MAX_ABS_VALUE, errors naming `name`."""
    if a is None:
        raise TypeError(f"{name} must be an array of numbers; got None.")
    if isinstance(a, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers; got {type(a).__name__}.")
    if np.iscomplexobj(a) or (hasattr(a, "dtypes") and any(
            np.issubdtype(np.dtype(t), np.complexfloating) for t in _dtypes(a))):
        raise TypeError(f"{name} must hold real numbers; got complex values.")
    try:
        a = check_array(a, dtype=np.float64, ensure_2d=False, ensure_all_finite=True,
                        ensure_min_samples=0, ensure_min_features=0, allow_nd=True,
                        input_name=name)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    except TypeError as exc:  # e.g. an object that is not array-like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if a.size and np.max(np.abs(a)) > MAX_ABS_VALUE:
        raise ValueError(f"{name} has values up to {np.max(np.abs(a)):.3g} in magnitude; "
                         f"exactfit needs |{name}| <= {MAX_ABS_VALUE:g} (squared errors of "
                         f"larger values overflow float64). Rescale {name}.")
    return a


def _dtypes(frame):
    try:
        return list(frame.dtypes)
    except TypeError:  # a pandas Series: .dtypes is one dtype
        return [frame.dtypes]


def check_X(X, name="X", ensure_min_features=1):
    """Return X as a finite 2-D float array (n_samples, n_features)."""
    X = _as_float_array(X, name)
    if X.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); got shape {X.shape}. "
                         f"Reshape a single feature with {name}.reshape(-1, 1).")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); got {X.ndim}-D.")
    if X.shape[0] < 1:
        raise ValueError(f"{name} is empty: need at least 1 sample, got shape {X.shape}.")
    if X.shape[1] < ensure_min_features:
        raise ValueError(f"{name} needs at least {ensure_min_features} feature(s); "
                         f"got shape {X.shape}.")
    return X


def check_data(X, y, name_X="X", name_y="y"):
    """Validate a data set.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Targets, always 2-D.
    """
    X = check_X(X, name_X)
    y = _as_float_array(y, name_y)
    if y.ndim not in (1, 2):
        raise ValueError(f"{name_y} must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); "
                         f"got shape {y.shape}.")
    try:
        check_consistent_length(X, y)
    except ValueError:
        raise ValueError(f"{name_X} and {name_y} have different numbers of samples: "
                         f"{X.shape[0]} and {y.shape[0]}.") from None
    Y = y.reshape(-1, 1) if y.ndim == 1 else y
    if Y.shape[1] < 1:
        raise ValueError(f"{name_y} has no outputs: shape {y.shape}.")
    return X, Y


def check_positive_int(value, name, minimum=1):
    """An integer >= minimum (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r} "
                        f"({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


def check_hidden(hidden, name="hidden", allow_empty=False):
    """Hidden layer sizes as a tuple of positive ints: 3 -> (3,), (4, 4) -> (4, 4).

    ``allow_empty=True`` accepts ``()``: no hidden layer, one Dense layer from the
    inputs to the outputs.
    """
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)):
        raise TypeError(f"{name} must be an int or a tuple of ints (units per hidden layer); "
                        f"got {hidden!r}.")
    if len(hidden) == 0 and allow_empty:
        return ()
    if len(hidden) == 0:
        raise ValueError(f"{name} must name at least one hidden layer; got {hidden!r}.")
    return tuple(check_positive_int(h, f"{name}[{i}]" if len(hidden) > 1 else name)
                 for i, h in enumerate(hidden))


def check_choice(value, choices, name):
    """`value` must be one of `choices` (strings)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(choices)}; got {value!r}.")
    if value not in choices:
        raise ValueError(f"Unknown {name} {value!r}; expected one of {sorted(choices)}.")
    return value


def check_nonnegative(value, name, allow_inf=False):
    """A finite real >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number >= 0; got {value!r}.")
    value = float(value)
    if np.isnan(value) or value < 0 or (np.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a finite number >= 0; got {value}.")
    return value


def check_fraction(value, name, low=0.0, high=1.0, closed_high=False):
    """A real in [low, high) (or [low, high] when closed_high)."""
    value = check_nonnegative(value, name) if low >= 0 else float(value)
    ok = low <= value <= high if closed_high else low <= value < high
    if not ok:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}; got {value}.")
    return value


def check_random_state(random_state, name="random_state"):
    """scikit-learn's ``check_random_state`` with an error that names the argument.

    Accepts None, an int in ``[0, 2**32 - 1]`` (not a bool), a ``RandomState`` or a
    ``Generator`` (a seed is drawn from it, so it advances as it would).
    """
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(np.iinfo(np.int32).max)))
    if isinstance(random_state, (bool, np.bool_)) or not (
            random_state is None or isinstance(random_state, (numbers.Integral,
                                                              np.random.RandomState))):
        raise TypeError(f"{name} must be None, an int or a numpy RandomState; got "
                        f"{random_state!r} ({type(random_state).__name__}).")
    if isinstance(random_state, numbers.Integral) and not 0 <= random_state < 2 ** 32:
        raise ValueError(f"{name} must be an int in [0, 2**32 - 1]; got {random_state}.")
    return _sk_check_random_state(random_state)


def check_network(network, name="network"):
    """The :class:`~exactfit.Network` in `network`: a Network, or anything holding one
    under ``.network`` (a :class:`~exactfit.FitResult`)."""
    from .network import Network

    if isinstance(network, Network):
        return network
    inner = network.get("network") if isinstance(network, dict) else getattr(network, "network", None)
    if isinstance(inner, Network):
        return inner
    raise TypeError(f"{name} must be an exactfit.Network or a FitResult holding one; got "
                    f"{type(network).__name__}.")


def check_n_jobs(n_jobs, name="n_jobs"):
    """None or a nonzero int (joblib's meaning: -1 is every CPU)."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"{name} must be None or an int (joblib's meaning: -1 uses every "
                        f"CPU); got {n_jobs!r} ({type(n_jobs).__name__}).")
    if n_jobs == 0:
        raise ValueError(f"{name} must not be 0 (None or 1: sequential; -1: every CPU).")
    return int(n_jobs)


def check_bool(value, name):
    """True or False (numpy bools accepted), not a truthy stand-in."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def check_positive(value, name, allow_inf=False):
    """A real > 0 (finite unless allow_inf)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number > 0; got {value!r}.")
    value = float(value)
    if np.isnan(value) or value <= 0 or (np.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a finite number > 0; got {value}.")
    return value


def available_memory():
    """Bytes of memory available to this process now (Linux's MemAvailable; None
    where it cannot be read)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


# LAPACK (through numpy and scipy) indexes arrays with 32-bit ints in common builds:
# a least-squares matrix with more entries crashes the process instead of raising.
_LAPACK_MAX_ENTRIES = 2 ** 31 - 1
# Work below this size is not checked against the free memory (reading it costs ~50 us).
_ALWAYS_FITS = 2 ** 27


def check_memory(n_bytes, what, hint="", lapack_entries=None):
    """Refuse, with a ValueError, work that cannot fit in memory.

    Parameters
    ----------
    n_bytes : float
        Estimated peak memory of the work.
    what : str
        What needs it, naming the argument that sets the size (e.g.
        ``"norm_pyramid(n_units=10000000): a 400 x 10000001 least-squares matrix"``).
    hint : str
        What to do instead.
    lapack_entries : int, optional
        Entries of a matrix handed to LAPACK: more than 2**31 - 1 crash 32-bit
        LAPACK builds, so they are refused even when memory would suffice.
    """
    if lapack_entries is not None and lapack_entries > _LAPACK_MAX_ENTRIES:
        raise ValueError(f"{what} has {lapack_entries:.3g} entries, more than LAPACK's "
                         f"32-bit indexing allows (2**31 - 1). {hint}".rstrip())
    if n_bytes < _ALWAYS_FITS:  # skip reading /proc/meminfo on the hot paths
        return
    avail = available_memory()
    if avail is not None and n_bytes > avail:
        raise ValueError(f"{what} needs about {_gib(n_bytes)} of memory; {_gib(avail)} is "
                         f"available. {hint}".rstrip())


def _gib(n):
    return f"{n / 2 ** 30:.3g} GiB"

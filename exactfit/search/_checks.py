"""Argument checks of fit_global, each error naming its argument, and the memory estimate."""

import numbers
import os

import numpy as np

from .._validation import check_choice, check_positive_int
from ..network import Network, n_params
from ._starts import START_KINDS
from ._symmetry import MAX_SYMMETRY_INPUTS, n_images

def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {value!r}.")
    return bool(value)


def check_n_jobs(n_jobs):
    if n_jobs is None:
        return
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be None or a nonzero int; got {n_jobs!r}.")
    if n_jobs == 0:
        raise ValueError("n_jobs must be None or a nonzero int (joblib's meaning); got 0.")


def check_n_restarts(n_restarts, name="n_restarts"):
    """``"auto"`` or a positive int (fit_global's fewest starts)."""
    if isinstance(n_restarts, str):
        return check_choice(n_restarts, ("auto",), name)
    try:
        return check_positive_int(n_restarts, name)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{err} (or 'auto')") from None


def check_max_time(max_time):
    if max_time is None:
        return None
    if isinstance(max_time, (bool, np.bool_)) or not isinstance(max_time, numbers.Real):
        raise TypeError(f"max_time must be None or a number of seconds > 0; got {max_time!r}.")
    if not (np.isfinite(max_time) and max_time > 0):
        raise ValueError(f"max_time must be None or a finite number of seconds > 0; "
                         f"got {max_time}.")
    return float(max_time)


def check_symmetries(symmetries, d):
    if isinstance(symmetries, str):
        check_choice(symmetries, ("auto",), "symmetries")
        return d <= 3
    if not isinstance(symmetries, (bool, np.bool_)):
        raise TypeError(f"symmetries must be 'auto' or a bool; got {symmetries!r}.")
    if symmetries and d > MAX_SYMMETRY_INPUTS:
        raise ValueError(f"symmetries=True with {d} inputs would re-optimise {n_images(d)} "
                         f"images of every new best (d! 2^d - 1); it is allowed up to "
                         f"{MAX_SYMMETRY_INPUTS} inputs. Use symmetries=False.")
    return bool(symmetries)


def check_exact(exact):
    if isinstance(exact, str):
        return check_choice(exact, ("auto",), "exact")
    if not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be 'auto' or a bool; got {exact!r}.")
    return bool(exact)


def check_subsample(subsample, n, auto_rows):
    if isinstance(subsample, str):
        check_choice(subsample, ("auto",), "subsample")
        return min(n, auto_rows)
    if subsample is None:
        return n
    subsample = check_positive_int(subsample, "subsample", minimum=2)
    return min(n, subsample)


def start_kinds(starts, unit_moves, auto_moves, auto_plain):
    if isinstance(starts, str) and starts == "auto":
        return list(auto_moves if unit_moves else auto_plain)
    names = [starts] if isinstance(starts, str) else starts
    if not isinstance(names, (list, tuple)) or not names:
        raise ValueError("starts must be 'auto', a start kind, or a non-empty list of them.")
    kinds = [check_choice(k, START_KINDS, "starts") for k in names]
    for kind in ("grow", "wide"):
        if kind in kinds and not unit_moves:
            raise ValueError(f"starts={kind!r} needs one hidden ReLU or leaky_relu layer, "
                             "a linear output and loss='mse'.")
    return kinds


def check_init(init, sizes):
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
    return list(nets)


def available_memory():
    """Bytes of memory available now (MemAvailable on Linux; physical pages otherwise)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 16 * 2 ** 30


def memory_estimate(n, n_search, sizes, repulsion, unit_moves, workers=1):
    """Bytes the search needs at its peak: a generous estimate, made before allocating.

    Per hidden unit and sample, the objective holds its pre-activation, activation
    and gradient, the least-squares output layer a copy of the activations and
    the SVD's workspace: six floats, on all rows (the final polish) and on the
    search sample in each worker. The repulsion penalty adds three units x units
    matrices per worker, the unit moves (`unit_moves`: those of one hidden layer or of a
    deep network's last) their candidate scoring.
    """
    units = sum(sizes[1:-1])
    per_row = 6 * units + 3 * sizes[-1] + sizes[0] + 1
    need = 8 * per_row * (n + workers * n_search) + 8 * 50 * n_params(sizes) * (1 + workers)
    if repulsion:
        need += workers * 8 * 3 * max(sizes[1:-1]) ** 2
    if unit_moves:
        from ._units import _CANDIDATES, _SCORE_ROWS

        rows = min(n_search, _SCORE_ROWS)
        # (the moves of a deep network's last hidden layer score units on the features
        # of the layer below it: sizes[-3] inputs)
        need += workers * 8 * _CANDIDATES * (3 * rows + (sizes[-2] + 3) * (sizes[-3] + 1)
                                             + 2 * (sizes[-3] + 1) ** 2)
    return need


def check_memory(n, n_search, sizes, repulsion, unit_moves, workers=1):
    """Refuse (ValueError naming `hidden`) a search that would need more than half the
    memory available now."""
    need = memory_estimate(n, n_search, sizes, repulsion, unit_moves, workers)
    have = available_memory()
    if need > 0.5 * have:
        hidden = sizes[1] if len(sizes) == 3 else sizes[1:-1]
        raise ValueError(
            f"fit_global with hidden={hidden} on {n} samples would need about "
            f"{need / 2 ** 30:.3g} GiB (several floats per hidden unit and sample), more "
            f"than half of the {have / 2 ** 30:.3g} GiB available: use fewer hidden units "
            f"(or samples, or n_jobs).")


def int_seed(random_state):
    """`random_state` as recorded in a result: the int, or None for anything else."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return None

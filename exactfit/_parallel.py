"""Trials dispatched through joblib, with progress and a clean Ctrl-C.

Everything that runs many independent pieces (restarts, benchmark trials,
sweep cells) goes through :func:`run_trials`, so ``joblib.parallel_config(
backend="dask")`` (or ray) moves all of it onto a cluster unchanged.
"""

import functools
import warnings

import numpy as np
from joblib import Parallel, delayed
from ._validation import check_bool, check_n_jobs, check_positive_int, check_random_state
from threadpoolctl import ThreadpoolController
from tqdm.auto import tqdm

__all__ = ["run_trials", "draw_seeds", "inside_trials", "raise_if_interrupted",
           "one_blas_thread"]

# How many run_trials calls enclose the running code (in this process).
_DEPTH = [0]


def inside_trials():
    """Whether the running code is a trial of an enclosing :func:`run_trials` call.

    Code that would answer Ctrl-C by returning partial work (fit_global's
    restarts, the torch trainer's epochs) must re-raise instead when this is
    True, so that one Ctrl-C stops the whole benchmark or sweep, not one run.
    """
    return _DEPTH[0] > 0


def raise_if_interrupted(result):
    """Raise KeyboardInterrupt when a trial's FitResult says it was interrupted
    (a trainer that caught the Ctrl-C itself), so the enclosing run stops."""
    if not hasattr(result, "get"):
        return
    message = str(result.get("message", ""))
    if result.get("interrupted") is True or "Interrupted (KeyboardInterrupt)" in message:
        raise KeyboardInterrupt(message or "interrupted")


def draw_seeds(random_state, n):
    """``n`` int seeds drawn up front from `random_state` (as scikit-learn's bagging does).

    Drawing them before dispatch makes results independent of ``n_jobs`` and lets
    each stored seed replay its own run.
    """
    rs = check_random_state(random_state)
    n = check_positive_int(n, "n", minimum=0)
    return [int(s) for s in rs.randint(np.iinfo(np.int32).max, size=n)]


def run_trials(fn, arg_list, n_jobs=None, progress=False, desc=None, blas_threads=1,
               on_result=None, prefer=None, partial=True):
    """Call ``fn(*args)`` for every tuple in `arg_list`, in order, through joblib.

    Parameters
    ----------
    fn : callable
    arg_list : list of tuple
    n_jobs : int or None
        joblib's meaning: None is 1 unless inside ``joblib.parallel_config``.
    progress : bool
        Show a tqdm bar (only when stderr is a terminal).
    desc : str, optional
        Label of the bar.
    blas_threads : int or None, default=1
        BLAS threads while trials run in this process (None: leave as is). The
        trials are small: a multithreaded BLAS on their tiny matrices is slower
        (about 10x here when the other core is busy), and the cores are better
        spent on parallel trials (joblib's workers are single-threaded already).
    on_result : callable, optional
        Called as ``on_result(index, result)`` as each trial finishes, in order
        (checkpoints write it then).
    prefer : {None, "threads", "processes"}
        joblib's soft hint for the backend when none is configured: "threads" for
        trials that spend their time in numpy on large arrays (which releases the
        GIL) and whose arguments are costly to send to another process.
        ``joblib.parallel_config(backend=...)`` still takes precedence.
    partial : bool, default=True
        What a Ctrl-C does (see Returns): True returns the trials finished so far;
        False lets the KeyboardInterrupt through, for callers whose trials are only
        meaningful all together (fit_global's recombination rounds, symmetric copies
        and polish: a round cut short would pass for a finished one).

    Returns
    -------
    results : list
        ``fn``'s return values in the order of `arg_list`. When the user presses
        Ctrl-C, the trials finished so far (a prefix of the list) are returned and
        a warning says so; callers mark their result as interrupted when
        ``len(results) < len(arg_list)``. Inside a trial of another run_trials
        call (fit_global inside a benchmark) the KeyboardInterrupt propagates
        instead, so that the outermost call stops: one Ctrl-C stops everything.
    """
    n_jobs = check_n_jobs(n_jobs)
    partial = check_bool(partial, "partial")
    results = []
    if not arg_list:
        return results
    # disable=None: tqdm stays off when stderr is not a terminal (logs, pipes).
    bar = tqdm(total=len(arg_list), desc=desc, disable=None if progress else True, leave=False)
    limits = _controller().limit(limits=blas_threads, user_api="blas") if blas_threads else None
    nested = inside_trials()
    _DEPTH[0] += 1
    try:
        # n_jobs=None defers to joblib.parallel_config (sequential by default).
        par = Parallel(n_jobs=n_jobs, return_as="generator", prefer=prefer)
        for r in par(delayed(fn)(*args) for args in arg_list):
            results.append(r)
            if on_result is not None:
                on_result(len(results) - 1, r)
            bar.update()
    except KeyboardInterrupt:
        if nested or not partial:
            raise
        warnings.warn(f"Interrupted: {len(results)} of {len(arg_list)} trials finished; "
                      "returning those.", RuntimeWarning, stacklevel=2)
    finally:
        _DEPTH[0] -= 1
        bar.close()
        if limits is not None:
            limits.restore_original_limits()
    return results



def one_blas_thread(fn):
    """Decorator: `fn` runs with BLAS on one thread (threadpoolctl), then the limits are
    restored.

    The search's products are tall and thin (samples x a few units): OpenBLAS splits
    them over threads for little work each. Measured on the 2-core development machine
    (stop 23): a default ``fit_global`` call on 200000 Euclid points took 12.1 s and
    5.7 s with the default two BLAS threads against 3.9 s and 2.1 s on one, and ended at
    other losses (threads change the rounding of the sums): one thread also makes a
    call's result independent of the user's BLAS settings.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


_CONTROLLER = []


def _controller():
    # Scanning the loaded libraries costs milliseconds: do it once per process.
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]

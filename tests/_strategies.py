"""Hypothesis strategies shared by the property tests: valid data, and per kind of
argument a pool of values that are certainly invalid."""

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import exactfit

#: A few seconds per test: the default suite.
FAST = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
#: The deep run (``pytest -m slow``): many more, random examples.
DEEP = settings(FAST, max_examples=300, derandomize=False)


# ---------------------------------------------------------------------------
# Valid inputs

_SCALES = (1e-3, 1.0, 1e3)


@st.composite
def matrices(draw, n_samples=(1, 20), n_features=(1, 3), scale=True):
    """A finite float matrix with degenerate cases on purpose: repeated values (the
    elements come from a small grid half of the time), zeros, one sample, huge and
    tiny scales."""
    n = draw(st.integers(*n_samples)) if isinstance(n_samples, tuple) else n_samples
    d = draw(st.integers(*n_features)) if isinstance(n_features, tuple) else n_features
    grid = draw(st.booleans())
    elements = (st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0]) if grid
                else st.floats(-10, 10, allow_nan=False, allow_infinity=False))
    A = draw(arrays(np.float64, (n, d), elements=elements))
    return A * (draw(st.sampled_from(_SCALES)) if scale else 1.0)


@st.composite
def datasets(draw, n_samples=(1, 20), n_features=(1, 3), n_outputs=(1, 1)):
    """``(X, y)``: y 1-D for one output, else 2-D."""
    X = draw(matrices(n_samples, n_features))
    m = draw(st.integers(*n_outputs)) if isinstance(n_outputs, tuple) else n_outputs
    Y = draw(matrices(X.shape[0], m))
    return X, (Y[:, 0] if m == 1 else Y)


@st.composite
def networks(draw, n_inputs, n_outputs=1, depth=(1, 2), width=(1, 4), activation=None):
    """A finite network with these inputs and outputs."""
    k = draw(st.integers(*depth))
    sizes = [n_inputs] + [draw(st.integers(*width)) for _ in range(k)] + [n_outputs]
    ws = [draw(arrays(np.float64, (a, b), elements=st.floats(-3, 3)))
          for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [draw(arrays(np.float64, (b,), elements=st.floats(-3, 3))) for b in sizes[1:]]
    act = activation or draw(st.sampled_from(exactfit.ACTIVATIONS))
    return exactfit.Network(ws, bs, hidden=act, output="linear")


# ---------------------------------------------------------------------------
# Invalid values, by kind of argument: a fixed pool (every value is tried in the
# default suite) and a strategy generating more (each certainly invalid for the kind)

class _Opaque:
    def __repr__(self):
        return "<opaque>"


class Bad:
    """Values certainly invalid for one kind of argument."""

    def __init__(self, pool, extra=None):
        self.pool, self.extra = list(pool), extra

    def __add__(self, more):
        return Bad(self.pool + list(more), self.extra)

    def without(self, *valid):
        """The same kind minus values that happen to be valid for one argument."""
        keep = [v for v in self.pool if not any(v is w for w in valid)]
        return Bad(keep, self.extra.filter(lambda v: not any(v is w for w in valid))
                   if self.extra is not None else None)

    def strategy(self):
        pool = st.sampled_from(self.pool)
        return pool | self.extra if self.extra is not None else pool


_TEXT = st.text(max_size=4)
_VALID_NAMES = set(exactfit.ACTIVATIONS) | {"mse", "mae", "sklearn", "torch", "keras", "flux",
                                          "uniform", "spare", "minimax", "lstsq", "gd",
                                          "adam", "sgd", "lbfgs", "digits", "mnist", "random",
                                          "valid", "same", "full", "auto", "enumerate",
                                          "sample"}


@st.composite
def _poisoned(draw):
    """A small float matrix with one NaN, inf or too-large entry, or 3-D."""
    n, d = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    A = draw(arrays(np.float64, (n, d), elements=st.floats(-5, 5)))
    kind = draw(st.sampled_from(["nan", "inf", "huge", "3-D"]))
    if kind == "3-D":
        return A[:, :, None]
    A[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = {
        "nan": np.nan, "inf": -np.inf, "huge": 1e200}[kind]
    return A


BAD_ARRAY = Bad([None, "abc", {"a": 1}, _Opaque(), [], np.ones(5), np.ones((2, 2, 2)),
                 [[np.nan, 1.0]], [[np.inf, 1.0]], [[1e300, 1.0]], np.ones((2, 2)) * (1 + 1j),
                 [["a", "b"]]], _TEXT | _poisoned())
BAD_POSITIVE_INT = Bad([0, -3, 1.5, "2", True, np.nan, [2], None, _Opaque()],
                       st.integers(max_value=0) | st.floats(allow_nan=True) | _TEXT)
BAD_NONNEGATIVE = Bad([-1.0, np.nan, np.inf, "x", True, 1j, [1.0], None, _Opaque()],
                      st.floats(max_value=-1e-300) | _TEXT
                      | st.complex_numbers(min_magnitude=1e-3).filter(lambda z: z.imag != 0))
BAD_FRACTION = Bad([-0.5, 1.5, np.nan, "x", None, True],
                   st.floats(min_value=1.001) | st.floats(max_value=-1e-3) | _TEXT)
BAD_CHOICE = Bad(["nope", 3, None, "", ["relu"]],
                 _TEXT.filter(lambda t: t not in _VALID_NAMES) | st.integers())
BAD_BOOL = Bad(["yes", 1, None, 2.0, "False"], st.integers() | _TEXT | st.floats())
BAD_RANDOM_STATE = Bad(["abc", 1.5, -1, 2 ** 40, [1, 2], _Opaque(), True],
                       _TEXT | st.integers(max_value=-1) | st.integers(min_value=2 ** 32)
                       | st.floats())
BAD_NETWORK = Bad([None, "net", 3, np.eye(2), {"weights": 1}, _Opaque()],
                  _TEXT | st.integers() | st.floats())
BAD_N_JOBS = Bad([1.5, "2", 0, True, _Opaque()],
                 st.just(0) | st.floats() | _TEXT)


def bad(pool):
    """A plain list of invalid values as a :class:`Bad`."""
    return pool if isinstance(pool, Bad) else Bad(pool)

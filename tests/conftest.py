import os

import matplotlib
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")

# The suite runs in parallel (pytest-xdist, one worker per core): each worker then keeps to
# one BLAS/OpenMP thread, or the workers' thread pools fight over the cores. On the idle
# 2-core machine, two workers with default thread pools took 11 min 9 s of wall-clock and
# 21.6 min of CPU, against 8 min in one process. Results do not depend on the thread count.
_ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    # In the controlling process, before the workers start: they (and the processes the
    # tests start) inherit the setting. In a worker, numpy is loaded already: limit its
    # pools now as well.
    if config.getoption("numprocesses", None) or os.environ.get("PYTEST_XDIST_WORKER"):
        for var in _ONE_THREAD:
            os.environ.setdefault(var, "1")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        threadpool_limits(1)


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture(scope="session")
def euclid_small():
    import exactfit

    return exactfit.tasks.euclid(400, random_state=1)

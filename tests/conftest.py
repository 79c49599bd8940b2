import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture
def rng():
    return np.random.RandomState(0)


@pytest.fixture(scope="session")
def euclid_small():
    import exactfit

    return exactfit.tasks.euclid(400, random_state=1)

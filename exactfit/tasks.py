"""Task generators: the data sets behind the users' questions.

A :class:`Task` bundles training data with the architecture the question is
about, so benchmarks, sweeps and examples all run on the same thing.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from ._validation import check_data, check_hidden, check_positive_int

__all__ = ["Task", "euclid"]


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
        X, Y = check_data(self.X, self.y)
        self.X = X
        self.y = Y[:, 0] if np.ndim(self.y) == 1 else Y
        self.hidden = check_hidden(self.hidden)

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
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"low and high must be finite with low < high; got {low}, {high}.")
    rs = check_random_state(random_state)
    X = rs.uniform(low, high, size=(n_samples, 2))
    y = np.hypot(X[:, 0], X[:, 1])
    return Task("euclid", X, y, hidden=hidden, activation="relu",
                description="sqrt(x^2+y^2) on the square [%g, %g]^2" % (low, high),
                meta={"n_samples": n_samples, "low": low, "high": high,
                      "random_state": random_state if isinstance(random_state, int) else None})

"""exactfit: build the achievable optimum of a tiny network, then measure gradient descent.

"My network can't even learn this simple function: is the architecture unable,
or is gradient descent failing?" exactfit answers with constructions, exact least
squares, a reliable global search, certificates, and benchmarks of plain
gradient descent on the same task.
"""

from . import certify, construct, datasets, gd, tasks
from . import interop
from .bench import BenchmarkReport, Method, benchmark
from .check import CheckReport, check
from .activations import ACTIVATIONS
from .diagnose import Diagnosis, diagnose
from .estimator import GlobalMLPRegressor
from .gd import KERAS_OPTIMIZERS, train_gd, train_gd_many, train_torch
from .losses import LOSSES, loss, loss_and_grad, mae, mse
from .network import Network
from .result import EVIDENCE, FitResult
from .search import UnconfirmedOptimumWarning, fit_global
from .sweep import SweepReport, sweep
from .tasks import Task

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "BenchmarkReport", "CheckReport", "check", "interop", "KERAS_OPTIMIZERS",
    "Method", "Diagnosis", "EVIDENCE", "FitResult", "GlobalMLPRegressor", "LOSSES", "Network",
    "Task", "benchmark", "certify", "construct", "datasets", "diagnose", "fit_global", "gd",
    "loss", "loss_and_grad", "mae", "mse", "sweep", "SweepReport", "tasks", "train_gd",
    "train_gd_many", "train_torch", "UnconfirmedOptimumWarning",
]

"""Gradient-descent baselines on the same tasks, data and architectures."""

from ._train import GD_BACKENDS, SKLEARN_OPTIMIZERS, train_gd

__all__ = ["train_gd", "GD_BACKENDS", "SKLEARN_OPTIMIZERS"]

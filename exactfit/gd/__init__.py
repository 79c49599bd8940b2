"""Gradient-descent baselines on the same tasks, data and architectures."""

from ._full_batch import LINEAR_GD_METHODS, linear_gd
from ._train import GD_BACKENDS, SKLEARN_OPTIMIZERS, train_gd
from ._protocol_flux import flux_lookup_width1_success_probability, flux_lookup_width1_succeeds
from ._safran import SAFRAN_SHAMIR_STUCK, safran_gd
from ._tr_xor import TR_XOR_MODELS, tr_xor
from ._torch import KERAS_OPTIMIZERS, TORCH_PROTOCOLS, train_gd_many, train_torch

__all__ = ["train_gd", "GD_BACKENDS", "SKLEARN_OPTIMIZERS", "train_gd_many", "train_torch",
           "KERAS_OPTIMIZERS", "TORCH_PROTOCOLS",
           "linear_gd", "LINEAR_GD_METHODS",
           "flux_lookup_width1_success_probability", "flux_lookup_width1_succeeds",
           "safran_gd", "SAFRAN_SHAMIR_STUCK", "tr_xor", "TR_XOR_MODELS"]

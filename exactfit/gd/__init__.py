"""Gradient-descent baselines on the same tasks, data and architectures.

- ``train_gd`` (scikit-learn, or one torch run) and ``train_gd_many`` (one torch
  run per seed, batched) under the Keras or Flux protocol;
- ``linear_gd``: full-batch gradient descent on a linear layer;
- replays of published experiments: ``safran_gd`` (Safran & Shamir 2018,
  teacher-student networks on the population loss) and ``tr_xor``
  (alanoursland/tr_xor, XOR with two ReLU units);
- ``flux_lookup_width1_success_probability``: the Flux protocol's closed form
  for one hidden unit on the binary lookup.
"""

from ._full_batch import LINEAR_GD_METHODS, linear_gd
from ._protocol_flux import flux_lookup_width1_success_probability, flux_lookup_width1_succeeds
from ._safran import SAFRAN_SHAMIR_STUCK, safran_gd
from ._torch import KERAS_OPTIMIZERS, TORCH_PROTOCOLS, train_gd_many, train_torch
from ._tr_xor import TR_XOR_MODELS, tr_xor
from ._train import GD_BACKENDS, SKLEARN_OPTIMIZERS, train_gd

__all__ = ["train_gd", "GD_BACKENDS", "SKLEARN_OPTIMIZERS", "train_gd_many", "train_torch",
           "KERAS_OPTIMIZERS", "TORCH_PROTOCOLS",
           "linear_gd", "LINEAR_GD_METHODS",
           "flux_lookup_width1_success_probability", "flux_lookup_width1_succeeds",
           "safran_gd", "SAFRAN_SHAMIR_STUCK", "tr_xor", "TR_XOR_MODELS"]

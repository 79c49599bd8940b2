"""The Keras protocol: what ``model.fit(X, y, epochs=200)`` does with Keras 3's defaults.

- Initial weights Glorot-uniform (limit ``sqrt(6 / (fan_in + fan_out))``), biases 0.
- Every epoch a fresh per-seed shuffle, cut into mini-batches of 32 (the last
  partial batch kept, its loss averaged over its own size).
- Any Keras optimizer with Keras's defaults (:data:`KERAS_OPTIMIZERS`), a
  constant learning rate.
- 200 epochs (Keras's own default is 1; 200 is what the questions' users ran,
  order of magnitude).
"""

from ._torch_common import Protocol

__all__ = ["KERAS"]

KERAS = Protocol("keras", defaults={"epochs": 200, "batch_size": 32, "schedule": "constant"},
                 shuffle=True)

"""The Flux protocol: the training loop of the Flux question, and its width-1 closed form.

The loop (``shared/seeds/flux_binary_input_question.txt``): ``Chain(Dense(1, n,
relu), Dense(n, 1))`` with Flux's Glorot-uniform weights and zero biases; for
``i`` in 1..1000, one plain ``Descent`` step of learning rate ``0.1 * (1 - i /
1000)`` on the loss of the first sample, then one on the second, in data order
(no shuffle, batch size 1). Flux (NNlib) takes ReLU's derivative at 0 to be 0.
"""

import math

import numpy as np

from ._torch_common import Protocol

__all__ = ["FLUX", "flux_lookup_width1_success_probability", "flux_lookup_width1_succeeds"]

FLUX = Protocol("flux", defaults={"epochs": 1000, "batch_size": 1, "schedule": "linear",
                                  "learning_rate": 0.1},
                shuffle=False, optimizers=("sgd",),
                optimizer_reason="replays Flux's plain Descent")


def flux_lookup_width1_succeeds(w1, w2):
    """Whether the Flux loop teaches ONE ReLU unit the lookup, from its initial weights.

    ``w1 > 0 and w2 > -w1 / sqrt(2)``, with `w1` the initial input weight of the
    hidden unit and `w2` its initial output weight (biases start at 0). See
    :func:`flux_lookup_width1_success_probability` for the derivation and the
    targets for which it holds.

    Parameters
    ----------
    w1, w2 : float or array-like

    Returns
    -------
    bool or ndarray of bool
    """
    w1, w2 = np.asarray(w1, dtype=float), np.asarray(w2, dtype=float)
    return (w1 > 0) & (w2 > -w1 / math.sqrt(2.0))


def flux_lookup_width1_success_probability():
    r"""Probability that the Flux loop fits ``0 -> t1, 1 -> t2`` with one ReLU unit.

    Returns ``1/4 + 1/(8 sqrt 2) = 0.33839...``.

    Derivation. Write the network ``out(x) = w2 relu(w1 x + b1) + b2``, with
    ``w1, w2`` i.i.d. uniform on ``[-sqrt 3, sqrt 3]`` (Glorot, fan-in + fan-out =
    2) and ``b1 = b2 = 0``; each step is ``theta -= lr * sign(out - t) * d out /
    d theta`` (the MAE of one sample).

    1. While ``b1 <= 0`` the unit is off at ``x = 0`` (its pre-activation is
       ``b1``, and ReLU's derivative at 0 is 0): the ``x = 0`` step moves ``b2``
       only.
    2. If ``w1 <= 0`` the unit is off at ``x = 1`` too (pre-activation ``w1``)
       and never receives a gradient: the network outputs one constant and
       fails. Probability 1/2.
    3. If ``w1 > 0``, let ``z = w1 + b1`` (the pre-activation at ``x = 1``) and
       ``s = sign(out(1) - t2)``. The ``x = 1`` step gives ``w1`` and ``b1`` the
       same update ``-lr s w2``, so ``z -= 2 lr s w2`` and ``w2 -= lr s z``. While
       ``s = -1`` (output below ``t2``), ``(z, w2)`` is multiplied by ``I + lr
       [[0, 2], [1, 0]]``, whose eigenvectors ``(sqrt 2, 1)`` and ``(sqrt 2, -1)``
       (eigenvalues ``1 +- sqrt(2) lr``) do not depend on ``lr``: the decaying
       schedule changes the speed, not the fate. The coordinate ``alpha = z /
       sqrt 2 + w2`` keeps its sign and grows; ``beta = z / sqrt 2 - w2``
       shrinks.

       - ``alpha < 0``, i.e. ``w2 < -w1 / sqrt 2``: ``z = (alpha + beta) /
         sqrt 2`` reaches 0 while ``b1 = (z - w1_0) / 2`` stays negative: the
         unit is dead on both inputs for good. Meanwhile ``out(1) - b2 = w2 z
         = (alpha^2 - beta^2) / (2 sqrt 2) < 0``, so ``s = -1`` holds as long as
         ``b2`` (pulled towards ``t1`` by the ``x = 0`` steps, pushed up by ``lr``
         by the ``x = 1`` steps) stays below ``t2``.
       - ``alpha > 0``: ``z`` stays positive (``alpha`` grows, ``beta`` shrinks)
         and the output rises until it reaches ``t2``; the run then fits both
         targets (observed, not derived here). (If the output starts above
         ``t2``, which needs ``w2 > 0``, ``z`` and ``w2`` shrink until
         ``w2 z = t2 - b2 > 0`` and the run continues from ``alpha > 0``.)

    4. Hence success iff ``w1 > 0`` and ``w2 > -w1 / sqrt 2``
       (:func:`flux_lookup_width1_succeeds`). On the square ``[-1, 1]^2`` (the
       condition is scale-free) of area 4, the failing part of ``w1 > 0`` is
       ``{0 < u < 1, -1 < v < -u / sqrt 2}`` of area ``1 - 1 / (2 sqrt 2)``, so
       ``P = 1/2 - (1 - 1/(2 sqrt 2)) / 4 = 1/4 + 1/(8 sqrt 2)``.

    Scope. The argument needs ``out(1) < t2`` while the unit's fate is decided,
    i.e. ``t2`` clearly above both ``t1`` and 0 compared with the steps. It holds
    seed for seed, against the replay ``train_gd_many(..., protocol="flux")``,
    for the five target pairs of ``examples/lookup_compare.py`` ((1, 2), (10,
    20), (1, 1.5), (-1, 1), (100, 200); tested). It does not hold when ``t1 >
    t2`` (``(2, 1)``: 0.315 over 4000 seeds; the residual at ``x = 1`` changes
    sign early) or when ``t2`` is barely above ``t1`` and 0 (``(0, 0.1)``:
    0.27). The step-1 argument also needs ReLU's derivative at 0 to be 0
    (``relu_grad_at_zero=0``, Flux's).

    Returns
    -------
    float
    """
    return 0.25 + 1.0 / (8.0 * math.sqrt(2.0))

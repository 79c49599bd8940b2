"""The identity map through ReLU layers, built exactly."""

import time

import numpy as np

from .._validation import check_choice, check_memory, check_positive_int, check_X
from ..losses import mse
from ..network import Network
from ..result import FitResult

__all__ = ["identity"]

_OUTPUTS = ("relu", "linear")


def identity(n_features, depth=1, signed=False, output="relu", X=None):
    """A network of `depth` Dense layers that reproduces its input exactly.

    The question in ``identity_function_question.txt``: 1 or 4 ``Dense(784,
    relu)`` layers trained with RMSprop do not learn ``f(x) = x`` on MNIST. The
    architecture can: for nonnegative inputs (pixels), ``W = I, b = 0`` in every
    layer gives ``relu(x) = x`` at every depth. For signed inputs the first
    layer splits ``x`` into ``[relu(x), relu(-x)]`` (``2 n`` hidden units), the
    middle layers pass both halves on, and a linear output layer ``[I; -I]``
    recombines them: ``relu(x) - relu(-x) = x``.

    Both are exact in floating point, not only in exact arithmetic: every
    product is by 1 or 0 and every sum adds zeros, so ``network.predict(X)``
    returns ``X`` bit for bit on any finite input of the domain.

    Parameters
    ----------
    n_features : int
        Input (and output) dimension, e.g. 784 for MNIST, 64 for the 8x8 digits.
    depth : int, default=1
        Number of Dense layers, the output layer included (the question's 1 and 4).
    signed : bool, default=False
        False: the domain is ``x >= 0`` and every layer is ``n_features`` wide.
        True: the domain is every real ``x``; hidden layers are ``2 n_features``
        wide. With ``depth=1`` and ``output="linear"`` the network is the single
        linear layer ``W = I``, exact on every real input without a split.
    output : {"relu", "linear"}, default="relu"
        Activation of the last layer. The question's network ends in ReLU.
        ``signed=True`` needs ``"linear"``: a ReLU output is never negative, so
        no network ending in ReLU can reproduce a negative input.
    X : array-like of shape (n_samples, n_features), optional
        Inputs on which to report ``loss = exactfit.mse(network, X, X)``.

    Returns
    -------
    FitResult
        ``method="construct:identity"``. With `X`, ``loss`` is measured on it and
        ``evidence`` is ``"exact"`` when it is zero (it is not zero when ``X``
        has negative values and ``signed=False``: those are clipped to 0). Without
        `X`, ``loss`` is ``0.0`` with ``evidence="exact"``: the claim is proved
        for every input of ``domain`` (above), so it holds for any data set drawn
        from it. ``domain`` is ``"nonnegative"`` or ``"real"``.

    Raises
    ------
    ValueError
        ``signed=True`` with ``output="relu"``, ``depth < 1``, ``n_features < 1``,
        or `X` with the wrong number of features or NaN/inf values.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit.construct import identity
    >>> res = identity(3, depth=4, X=[[0.0, 2.5, 255.0]])
    >>> res.loss, res.evidence
    (0.0, 'exact')
    >>> identity(2, depth=2, signed=True, output="linear").network.predict([[-1.5, 2.0]])
    array([[-1.5,  2. ]])
    """
    t0 = time.perf_counter()
    n = check_positive_int(n_features, "n_features")
    depth = check_positive_int(depth, "depth")
    check_choice(output, _OUTPUTS, "output")
    if not isinstance(signed, (bool, np.bool_)):
        raise TypeError(f"signed must be True or False; got {signed!r}.")
    if signed and output == "relu":
        raise ValueError(
            "identity(signed=True) needs output='linear': a ReLU output layer can only "
            "produce values >= 0, so no network ending in ReLU can reproduce a negative "
            "input. Use output='linear' (the [I; -I] split), or signed=False for "
            "nonnegative data such as pixels.")

    # Each layer's matrix is n x n (2n wide when signed), copied once by Network.
    width = 2 * n if signed and depth > 1 else n
    check_memory(8 * 2 * float(width) ** 2 * (depth + 1),
                 f"identity(n_features={n}, depth={depth})", "Use fewer features or layers.")
    eye = np.eye(n)
    if not signed or depth == 1:
        # relu(I x + 0) = x for x >= 0; a single linear layer is the identity everywhere.
        weights = [eye] * depth
        hint = "W = I, b = 0 in every layer"
    else:
        weights = [np.hstack([eye, -eye])] + [np.eye(2 * n)] * (depth - 2) + \
                  [np.vstack([eye, -eye])]
        hint = "[I, -I] split, identity middle layers, [I; -I] linear output"
    net = Network(weights, [np.zeros(W.shape[1]) for W in weights], hidden="relu",
                  output=output)
    domain = "real" if signed or (depth == 1 and output == "linear") else "nonnegative"

    if X is None:
        return FitResult(network=net, loss=0.0, evidence="exact", domain=domain,
                         method="construct:identity",
                         message=f"{hint}: exact for every input in the {domain} domain "
                                 "(no data given; loss is the proved value)",
                         time=time.perf_counter() - t0)
    X = check_X(X)
    if X.shape[1] != n:
        raise ValueError(f"X has {X.shape[1]} features but identity was asked for "
                         f"n_features={n}.")
    value = mse(net, X, X)
    if value == 0.0:
        evidence, message = "exact", f"{hint}: zero error on X"
    else:
        evidence = "none"
        message = (f"{hint}: X has negative values, which a nonnegative-domain identity "
                   "clips to 0; use signed=True with output='linear'")
    return FitResult(network=net, loss=value, evidence=evidence, domain=domain,
                     method="construct:identity", message=message,
                     time=time.perf_counter() - t0)

"""FitResult: one result type for every way of getting weights."""

import json

import numpy as np
from scipy.optimize import OptimizeResult

from .network import Network

__all__ = ["FitResult", "EVIDENCE"]

#: What can stand behind a result's loss, strongest first.
#: "exact": zero loss by construction; "certified": a convex or exact 1-D
#: certificate; "local": stationary with the Hessian checked; "search": best of
#: several starts; "none": a single local run (gradient descent).
EVIDENCE = ("exact", "certified", "local", "search", "none")

# Keys shown first, in this order, by the summary.
_FIRST = ("message", "success", "method", "loss", "evidence", "nit", "time", "random_state")


class FitResult(OptimizeResult):
    """The outcome of a construction, solver or trainer (a scipy ``OptimizeResult``).

    Attributes
    ----------
    network : Network
        The weights obtained.
    loss : float
        ``exactfit.mse(network, X, y)`` on the training data (or the loss named by
        ``loss_kind``), always computed by :mod:`exactfit.losses`.
    method : str
        How the weights were obtained, e.g. ``"construct:norm_pyramid"``,
        ``"fit_global"``, ``"sklearn:adam"``.
    success : bool
        Whether the method ran to completion as it intended (not whether the loss
        is optimal: a benchmark decides that against the best known loss).
    message : str
    nit : int
        Iterations (epochs for gradient descent, L-BFGS iterations summed over
        restarts for a search, 0 for a construction).
    time : float
        Wall-clock seconds.
    random_state : int or None
        The seed that replays this result.
    evidence : str
        One of :data:`EVIDENCE`.
    loss_curve : ndarray, optional
        MSE after each epoch (gradient descent).
    restart_losses : ndarray, optional
        Final loss of each restart (search).

    Notes
    -----
    It is a dict with attribute access, like scipy's result objects; ``print``
    shows a readable summary, :meth:`save`/:meth:`load` round-trip it as JSON.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setdefault("loss_kind", "mse")
        self.setdefault("evidence", "none")
        self.setdefault("message", "")
        self.setdefault("nit", 0)
        self.setdefault("random_state", None)
        self.setdefault("success", True)

    def __repr__(self):
        keys = [k for k in _FIRST if k in self] + sorted(k for k in self if k not in _FIRST)
        width = max(len(k) for k in keys) + 1
        lines = []
        for k in keys:
            v = self[k]
            if isinstance(v, np.ndarray) and v.size > 6:
                with np.printoptions(precision=4, threshold=6, edgeitems=3):
                    text = f"{np.array2string(v, separator=', ')} (len {v.size})"
            elif isinstance(v, float):
                text = f"{v:.6g}"
            else:
                text = repr(v)
            lines.append(f"{k:>{width}}: {text}")
        return "\n".join(lines)

    __str__ = __repr__

    def to_dict(self):
        """A JSON-ready dict (arrays as lists, the network as its weights)."""
        out = {}
        for k, v in self.items():
            if isinstance(v, Network):
                v = {"__network__": v.to_dict()}
            elif isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, np.generic):
                v = v.item()
            out[k] = v
        return out

    @classmethod
    def from_dict(cls, d):
        out = {}
        for k, v in d.items():
            if isinstance(v, dict) and "__network__" in v:
                v = Network.from_dict(v["__network__"])
            elif k in ("loss_curve", "restart_losses") and v is not None:
                v = np.asarray(v, dtype=float)
            out[k] = v
        return cls(out)

    def save(self, path):
        """Write the result as JSON to `path`."""
        with open(path, "w") as fh:
            json.dump(self.to_dict(), fh, indent=1)

    @classmethod
    def load(cls, path):
        """Read a result written by :meth:`save`."""
        with open(path) as fh:
            return cls.from_dict(json.load(fh))

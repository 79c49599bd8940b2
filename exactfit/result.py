"""FitResult: one result type for every way of getting weights."""

import numpy as np
from scipy.optimize import OptimizeResult

from ._io import read_json, write_json
from .network import Network

__all__ = ["FitResult", "EVIDENCE"]

#: What can stand behind a result's loss, strongest first.
#: "exact": zero loss by construction; "certified": a convex or exact 1-D
#: certificate, checked within its stated tolerance; "bound": a certificate whose
#: check failed its tolerance, so only a proven lower bound on the optimum holds
#: (the result says which, e.g. ``dual_bound``); "local": stationary with the
#: Hessian checked; "search": best of several starts; "none": a single local run
#: (gradient descent).
EVIDENCE = ("exact", "certified", "bound", "local", "search", "none")

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
    start_minima, start_minimum_ids : ndarray, optional
        The minimum each counted start of a search ended in, and which distinct
        minimum that is (see :func:`exactfit.fit_global`).
    start_kinds : list of str, optional
        The kind of each counted start (same order).

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
    def from_dict(cls, d, source=None):
        """The result described by :meth:`to_dict`'s output.

        Raises ValueError (naming `source`, the file it came from, if given) when
        `d` is not such a description: a FitResult always holds a network.
        """
        where = f" in {source!r}" if source is not None else ""
        if not isinstance(d, dict):
            raise TypeError(f"a FitResult is described by a dict; got {type(d).__name__}{where}.")
        if "rows" in d and "runs" in d:
            raise ValueError(f"the data{where} is a benchmark or sweep report, not a FitResult: "
                             "read it with exactfit.BenchmarkReport.load or "
                             "exactfit.SweepReport.load.")
        net = d.get("network")
        if not (isinstance(net, dict) and "__network__" in net):
            raise ValueError(f"the data{where} holds no network (keys: {sorted(d)[:8]}): not a "
                             "FitResult written by FitResult.save.")
        out = {}
        for k, v in d.items():
            if isinstance(v, dict) and "__network__" in v:
                try:
                    v = Network.from_dict(v["__network__"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise ValueError(f"the network under {k!r}{where} is invalid: {exc}") from None
            elif k in ("loss_curve", "restart_losses", "start_minima") and v is not None:
                v = np.asarray(v, dtype=float)
            elif k == "start_minimum_ids" and v is not None:
                v = np.asarray(v, dtype=int)
            out[k] = v
        return cls(out)

    def save(self, path):
        """Write the result as JSON to `path`, atomically (a temporary file in the same
        folder, then renamed: a crash never leaves a truncated file)."""
        write_json(path, self.to_dict(), indent=1)

    @classmethod
    def load(cls, path):
        """Read a result written by :meth:`save` (errors name the file)."""
        return cls.from_dict(read_json(path, "FitResult file"), source=str(path))

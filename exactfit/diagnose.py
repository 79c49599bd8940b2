"""Why a network failed: dead, near-dead and collapsed hidden units."""

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_fraction, check_network, check_X

__all__ = ["Diagnosis", "diagnose", "FAILURE_REASONS"]

#: The reasons :meth:`Diagnosis.reasons` can give for a failed run.
FAILURE_REASONS = ("dead", "collapsed", "linear")


@dataclass
class Diagnosis:
    """Hidden-unit health of a network on some inputs.

    Attributes
    ----------
    dead : list of (layer, unit)
        ReLU units whose pre-activation is never > 0 on X: they output a constant
        and receive no gradient. (Only ReLU units can be dead; smooth activations
        and leaky ReLU always pass a gradient.)
    near_dead : list of (layer, unit)
        Units active on fewer than ``near_dead_fraction`` of the samples (dead ones excluded).
    collapsed : list of (layer, i, j)
        Pairs of units of one layer whose normalised ``(weights, bias)`` vectors have
        cosine >= ``collapse_cosine``: two units doing one unit's job.
    linear : list of (layer, unit)
        ReLU or leaky-ReLU units whose kink lies outside the data (a ReLU active on
        every sample, a leaky ReLU on one side for every sample): on the data the
        unit is affine and never bends (the "valley" failure of the Euclid question
        has one).
    active_fraction : list of ndarray
        Per hidden layer, the fraction of samples on which each unit is active.
    """

    dead: list = field(default_factory=list)
    near_dead: list = field(default_factory=list)
    collapsed: list = field(default_factory=list)
    linear: list = field(default_factory=list)
    active_fraction: list = field(default_factory=list)

    @property
    def healthy(self):
        """True when no unit is dead, near-dead, collapsed or linear."""
        return not (self.dead or self.near_dead or self.collapsed or self.linear)

    def reasons(self):
        """The subset of :data:`FAILURE_REASONS` present (near-dead counts as dead)."""
        out = []
        if self.dead or self.near_dead:
            out.append("dead")
        if self.collapsed:
            out.append("collapsed")
        if self.linear:
            out.append("linear")
        return out

    def __str__(self):
        return (f"Diagnosis(dead={self.dead}, near_dead={self.near_dead}, "
                f"collapsed={self.collapsed}, linear={self.linear})")

    __repr__ = __str__

    def to_dict(self):
        return {"dead": [list(t) for t in self.dead], "near_dead": [list(t) for t in self.near_dead],
                "collapsed": [list(t) for t in self.collapsed],
                "linear": [list(t) for t in self.linear],
                "active_fraction": [a.tolist() for a in self.active_fraction]}


def diagnose(network, X, near_dead=0.01, collapse_cosine=0.99):
    """Find dead, near-dead, collapsed and linear units of every hidden layer.

    Parameters
    ----------
    network : Network or FitResult
    X : array-like of shape (n_samples, n_features)
        Inputs on which activity is measured (usually the training data).
    near_dead : float, default=0.01
        A live unit active on fewer than this fraction of samples is near-dead.
    collapse_cosine : float, default=0.99
        Two units of one layer are collapsed when the cosine between their
        ``(weights, bias)`` vectors is at least this.

    Returns
    -------
    Diagnosis

    Notes
    -----
    Cost: one forward pass (``n_samples x units`` per layer) and, per layer, the
    cosines of all ``units^2 / 2`` unit pairs, computed as matrix products in row
    blocks so that memory stays near 4e6 floats whatever the width (10000 random
    units: 3.2 s, where the former pair-by-pair loop took 57 s; ``python
    benchmarks/faults.py`` on a busy 2-core machine). The list ``collapsed`` holds
    every collapsed pair, up to ``units^2 / 2`` of them when all units coincide.
    """
    network = check_network(network, "network")
    near_dead = check_fraction(near_dead, "near_dead", 0.0, 1.0, closed_high=True)
    collapse_cosine = check_fraction(collapse_cosine, "collapse_cosine", 0.0, 1.0,
                                     closed_high=True)
    X = check_X(X)
    pre = network.forward(X)[0][:-1]
    out = Diagnosis()
    for layer, (Z, W, b) in enumerate(zip(pre, network.weights, network.biases)):
        frac = np.mean(Z > 0, axis=0)
        out.active_fraction.append(frac)
        for u, f in enumerate(frac):
            if network.hidden == "relu" and f == 0:
                out.dead.append((layer, u))
            elif network.hidden == "relu" and f < near_dead:
                out.near_dead.append((layer, u))
            elif network.hidden in ("relu", "leaky_relu") and f in (0, 1):
                # A leaky unit on one side of its kink for every sample is affine there.
                out.linear.append((layer, u))
        V = np.vstack([W, b[None, :]]).T  # one row per unit
        out.collapsed.extend((layer, i, j) for i, j in _collapsed_pairs(V, collapse_cosine))
    return out


# Rows of the cosine matrix computed at a time: blocks of about this many entries.
_BLOCK_ENTRIES = 4_000_000


def _collapsed_pairs(V, cosine):
    """Pairs ``i < j`` of rows of `V` (both nonzero) with cosine >= `cosine`, in
    row-major order, by blocked matrix products."""
    norms = np.linalg.norm(V, axis=1)
    live = norms > 0
    Vn = V / np.where(live, norms, 1.0)[:, None]
    n = len(V)
    step = max(1, _BLOCK_ENTRIES // max(n, 1))
    pairs = []
    for start in range(0, n, step):
        C = Vn[start:start + step] @ Vn.T
        i, j = np.nonzero(C >= cosine)
        i += start
        keep = (j > i) & live[i] & live[j]
        pairs.extend(zip(i[keep].tolist(), j[keep].tolist()))
    return pairs

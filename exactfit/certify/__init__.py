"""Certificates: evidence that a loss is optimal, beyond what a search can show.

- :func:`convex_relu`: the convex program of a weight-decayed two-layer ReLU
  network (global over all widths, with a duality gap).
- :func:`exact_1d`, :func:`exact_2d`: the exact global MSE optimum of a width-k
  ReLU network on 1-D or 2-D data, by enumeration of activation patterns;
  :func:`exact_cost` sizes that enumeration beforehand.
- :func:`local`: gradient norm, Hessian spectrum and kinks at a given network.
"""

from ._convex import PATTERN_MODES, beta_path, convex_relu, regularized_objective
from ._enumeration import exact_cost
from ._exact1d import exact_1d
from ._exact2d import exact_2d
from ._local import VERDICTS, local
from ._patterns import enumerate_patterns, network_patterns, sample_patterns

__all__ = ["convex_relu", "beta_path", "regularized_objective", "exact_1d", "exact_2d",
           "exact_cost", "local", "enumerate_patterns", "sample_patterns", "network_patterns",
           "PATTERN_MODES", "VERDICTS"]

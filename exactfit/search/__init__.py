"""fit_global: the best-known optimum of a small network, found reliably.

The public names are re-exported here; the implementation lives in private
modules, one per concept:

- ``_fit_global``: the driver (validation, scaling, the loop over starts, the
  result); ``_search``: one start, its unit moves (ahead in workers when
  ``n_jobs > 1``) and the record of starts they are folded into; ``_ladder``: a
  subsampled search's candidates polished on ever larger samples;
- ``_starts``: starting points; ``_moves``: moves that leave a local minimum,
  built on ``_units`` (the best unit for a residual, adding and dropping units)
  and ``_reorient`` (flipping several units at once); ``_layerwise``: those moves on
  a deep network's last hidden layer; ``_recombine``: the best
  networks made of the minima's units; ``_wide``: the best units of a network 4 times
  as wide; ``_intervals``: 1-D breakpoints moved
  between samples, each placement solved exactly;
- ``_canonical``: a start's minimum to the bottom of its funnel, and whether two
  minima have the same arrangement of unit boundaries;
- ``_local``: L-BFGS with least-squares output layers; ``_penalty``: repulsion;
- ``_stopping``: the stopping rule (agreement and Good-Turing coverage) and
  Boender & Rinnooy Kan's posterior;
- ``_symmetry``: symmetric images under the data's bounding box;
- ``_scaling``: standardised coordinates and the exact map back.
"""

from ._fit_global import fit_global
from ._penalty import repulsion_penalty
from ._starts import START_KINDS
from ._stopping import UnconfirmedOptimumWarning

__all__ = ["fit_global", "START_KINDS", "repulsion_penalty", "UnconfirmedOptimumWarning"]

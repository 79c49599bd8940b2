"""Display objects (scikit-learn style): build with ``from_*``, draw with ``plot(ax=None)``."""

from ._bars import LossCurveDisplay, SuccessRateDisplay
from ._check import CheckDisplay
from ._compare import CompareDisplay
from ._heatmap import SweepHeatmapDisplay, SweepWidthDisplay
from ._surface import SurfaceDisplay, UnitLinesDisplay
from ._zoo import ZooDisplay

__all__ = ["CheckDisplay", "CompareDisplay", "LossCurveDisplay", "SuccessRateDisplay",
           "SurfaceDisplay", "SweepHeatmapDisplay", "SweepWidthDisplay", "UnitLinesDisplay",
           "ZooDisplay"]

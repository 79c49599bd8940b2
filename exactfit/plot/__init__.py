"""Display objects (scikit-learn style): build with ``from_*``, draw with ``plot(ax=None)``."""

from ._bars import LossCurveDisplay, SuccessRateDisplay
from ._heatmap import SweepHeatmapDisplay, SweepWidthDisplay
from ._surface import SurfaceDisplay, UnitLinesDisplay
from ._zoo import ZooDisplay

__all__ = ["LossCurveDisplay", "SuccessRateDisplay", "SurfaceDisplay", "SweepHeatmapDisplay",
           "SweepWidthDisplay", "UnitLinesDisplay", "ZooDisplay"]

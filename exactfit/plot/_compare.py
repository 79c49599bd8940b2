"""The whole comparison in one figure: what the networks compute, why runs failed, how often."""

import textwrap

import numpy as np

from ._inputs import check_report

from ._bars import LossCurveDisplay, SuccessRateDisplay
from ._surface import SurfaceDisplay, UnitLinesDisplay

__all__ = ["CompareDisplay"]

_HOW_TO_READ = (
    "How to read the unit lines\n\n"
    "Each hidden ReLU unit is 0 on one side of its line w.x + b = 0 and rises linearly on the "
    "side its arrow points to.\n\n"
    "solid: the unit bends inside the data\n"
    "dashed grey: dead (0 on every point: no gradient, no use)\n"
    "dotted: never bends (active on every point: affine on the data, the 'valley')\n\n"
    "A line outside the data square is drawn beyond it (the square is outlined) or marked at "
    "its edge with its distance.")


class CompareDisplay:
    """A benchmark as one figure, with the verdict as its title.

    For 2 inputs and 1 output: the surfaces of the target, of the construction (if
    the benchmark has one), of the best network found and of a typical failed
    run, on one z range; the units of each as lines on the input plane; then the
    success rates (a construction's loss ratio instead: it has no rate) and the
    gradient-descent loss curves. Other data: the last two panels.

    Attributes
    ----------
    report : BenchmarkReport
    networks : list of (title, Network)
    verdict : str
    """

    def __init__(self, report, networks, X, verdict, target=None, title=None):
        self.report, self.networks, self.X = report, networks, X
        self.verdict, self.target, self.title = verdict, target, title

    @classmethod
    def from_report(cls, report, X, y=None, target=None, title=None):
        """From a :class:`~exactfit.BenchmarkReport` and its inputs `X`.

        Parameters
        ----------
        target : callable, optional
            ``target(P) -> values`` for points ``P`` of shape (n, 2): the function the
            data sample (drawn as the first surface). Without it, the data ``(X, y)``
            are drawn as points.
        """
        from ..check import deterministic_methods, verdict

        check_report(report, "rows", "a BenchmarkReport")
        X = np.asarray(X, dtype=float)
        nets = []
        if X.ndim == 2 and X.shape[1] == 2 and (y is None or np.ndim(y) == 1):
            for name in deterministic_methods(report):
                nets.append((name, report.network(name)))
            best = (report.best_method if report.best_method in report.runs
                    else min(report.runs, key=lambda k: min(r["loss"] for r in report.runs[k])))
            nets.append((f"best found ({best})", report.network(best)))
            gd = cls._gd_methods(report)
            if gd:
                worst = max(gd, key=lambda n: report.rows[n]["runs"] - report.rows[n]["successes"])
                failed = report.network(worst, "failure")
                if failed is not None:
                    nets.append((f"typical failed run ({worst})", failed))
        disp = cls(report, nets, X, verdict(report), target, title)
        disp.y = None if y is None else np.asarray(y, dtype=float)
        return disp

    @staticmethod
    def _gd_methods(report):
        from ..check import deterministic_methods

        fixed = deterministic_methods(report)
        return [k for k in report.rows if k not in fixed and not k.startswith("fit_global")]

    def plot(self, figure=None):
        """Draw on `figure` (a new one if None); sets ``figure_`` and ``axes_``."""
        import matplotlib.pyplot as plt

        mse = self.report.best_loss
        surfaces = bool(self.networks)
        cols = max(2, len(self.networks) + 1) if surfaces else 2
        if figure is None:
            figure = plt.figure(figsize=(4.6 * cols, 14.5 if surfaces else 6),
                                layout="constrained")
        rows = 3 if surfaces else 1
        gs = figure.add_gridspec(rows, 2 * cols, height_ratios=[1.1, 1, 0.95][:rows])
        axes = {}
        if surfaces:
            self._plot_networks(figure, gs, cols, axes)
        bottom = rows - 1
        half = cols
        ax_s = figure.add_subplot(gs[bottom, :half])
        SuccessRateDisplay.from_report(self.report).plot(ax=ax_s)
        axes["success"] = ax_s
        ax_l = figure.add_subplot(gs[bottom, half:])
        gd = self._gd_methods(self.report)
        curves = LossCurveDisplay.from_report(self.report, methods=gd, max_runs=5,
                                              title="gradient-descent loss curves (5 seeds each)")
        if curves.curves:
            curves.plot(ax=ax_l)
        else:
            ax_l.text(0.5, 0.5, "no loss curves recorded", ha="center", va="center",
                      transform=ax_l.transAxes)
            ax_l.set_axis_off()
        axes["loss_curves"] = ax_l
        head = self.title or "Is the architecture unable, or is gradient descent failing?"
        figure.suptitle(head + "\n" + "\n".join(textwrap.wrap(self.verdict, 40 * cols)),
                        fontsize="large")
        del mse
        self.figure_, self.axes_ = figure, axes
        return self

    def _plot_networks(self, figure, gs, cols, axes):
        X = self.X
        lo, hi = X.min(axis=0), X.max(axis=0)
        extent = (lo[0], hi[0], lo[1], hi[1])
        surfs = [SurfaceDisplay.from_network(net, extent=extent, resolution=60,
                                             title=f"{title}\nMSE {self._mse(net):.3g}")
                 for title, net in self.networks]
        zs = [s.zz for s in surfs]
        if self.target is not None:
            first = surfs[0]
            P = np.column_stack([first.xx.ravel(), first.yy.ravel()])
            tz = np.asarray(self.target(P), dtype=float).reshape(first.xx.shape)
            zs.append(tz)
        elif self.y is not None:
            zs.append(self.y)
        zmin = min(float(np.min(z)) for z in zs)
        zmax = max(float(np.max(z)) for z in zs)
        pad = 0.05 * (zmax - zmin or 1.0)
        zlim = (zmin - pad, zmax + pad)
        ax = figure.add_subplot(gs[0, 0:2], projection="3d")
        if self.target is not None:
            from ._surface import SurfaceDisplay as S

            S(first.xx, first.yy, tz, title="target").plot(ax=ax, zlim=zlim)
        else:
            ax.scatter(X[:, 0], X[:, 1], self.y, s=2, c=self.y, cmap="viridis")
            ax.set_zlim(*zlim)
            ax.set_title("the data")
            ax.set_xlabel("x")
            ax.set_ylabel("y")
        axes["target"] = ax
        for i, s in enumerate(surfs):
            ax = figure.add_subplot(gs[0, 2 * (i + 1):2 * (i + 2)], projection="3d")
            s.plot(ax=ax, zlim=zlim)
            axes[f"surface {i}"] = ax
        ax = figure.add_subplot(gs[1, 0:2])
        ax.text(0.0, 1.0, "\n".join(_wrap_keep(_HOW_TO_READ, 52)), va="top", ha="left",
                transform=ax.transAxes, fontsize="small")
        ax.set_axis_off()
        for i, (title, net) in enumerate(self.networks):
            ax = figure.add_subplot(gs[1, 2 * (i + 1):2 * (i + 2)])
            UnitLinesDisplay.from_network(net, X, extent=extent).plot(
                ax=ax, title=f"units of the {title.split(' (')[0]}")
            axes[f"units {i}"] = ax

    def _mse(self, net):
        from ..losses import mse

        if self.y is None:
            return float("nan")
        return mse(net, self.X, self.y)


def _wrap_keep(text, width):
    """textwrap per paragraph, keeping blank lines."""
    out = []
    for para in text.split("\n"):
        out += textwrap.wrap(para, width) or [""]
    return out

"""Sweep pictures: success-rate heatmap and success against width."""

import numpy as np

from ._inputs import check_report

__all__ = ["SweepHeatmapDisplay", "SweepWidthDisplay"]


class SweepHeatmapDisplay:
    """Success rate of a :class:`~exactfit.sweep.SweepReport` over two axes.

    Attributes
    ----------
    xs, ys : list
        Values of the two axes.
    Z : ndarray of shape (len(ys), len(xs))
        Success rates (NaN where the sweep has no cell).
    """

    def __init__(self, xs, ys, Z, xlabel, ylabel, title=None):
        self.xs, self.ys, self.Z = xs, ys, np.asarray(Z, dtype=float)
        self.xlabel, self.ylabel, self.title = xlabel, ylabel, title

    @classmethod
    def from_report(cls, report, x="optimizer", y="activation", title=None, **where):
        """Axes `x` and `y` of `report`; fix the other axes with ``where`` (e.g. ``width=3``)."""
        check_report(report, "grid", "a SweepReport")
        xs, ys, Z = report.grid(x, y, "success_rate", **where)
        return cls(xs, ys, Z, x, y, title or "runs reaching the optimum of their architecture")

    def plot(self, ax=None, cmap="viridis", gamma=0.35):
        """Draw the grid. The colour scale is a power law (``gamma``; 1 is linear) so that
        cells of 0%, 1%, 3% and 10% get distinct colours on a 0-100% scale."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import PowerNorm

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        norm = PowerNorm(gamma, vmin=0, vmax=100)
        im = ax.imshow(100 * self.Z, norm=norm, cmap=cmap, aspect="auto")
        for i in range(len(self.ys)):
            for j in range(len(self.xs)):
                if np.isfinite(self.Z[i, j]):
                    ax.text(j, i, f"{self.Z[i, j]:.0%}", ha="center", va="center",
                            color="w" if norm(100 * self.Z[i, j]) < 0.6 else "k",
                            fontsize="small")
        ax.set_xticks(range(len(self.xs)), [str(v) for v in self.xs], rotation=30, ha="right")
        ax.set_yticks(range(len(self.ys)), [str(v) for v in self.ys])
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        ticks = [t for t in (0, 1, 3, 10, 30, 100)]
        ax.figure.colorbar(im, ax=ax, label="success [%] (power scale)", ticks=ticks)
        if self.title:
            ax.set_title(self.title)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class SweepWidthDisplay:
    """Success rate against hidden width, one line per (optimizer, activation, dropout),
    with the Wilson 95% interval of each cell as error bars."""

    def __init__(self, lines, title=None):
        self.lines, self.title = lines, title  # label -> (widths, rates, lows, highs)

    @classmethod
    def from_report(cls, report, title=None):
        check_report(report, "rows", "a SweepReport")
        lines = {}
        for r in report.rows:
            label = f"{r['optimizer']}, {r['activation']}" + (
                f", dropout {r['dropout']:g}" if r["dropout"] else "")
            lines.setdefault(label, []).append(
                (r["width"], r["success_rate"], r["ci_low"], r["ci_high"]))
        return cls({k: tuple(np.array(c) for c in zip(*sorted(v))) for k, v in lines.items()},
                   title or "runs reaching the optimum of their width")

    def plot(self, ax=None):
        """One line per setting, shifted sideways a little so equal values stay visible."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        n = len(self.lines)
        widths = sorted({float(v) for w, *_ in self.lines.values() for v in w})
        step = min(np.diff(widths)) if len(widths) > 1 else 1.0
        markers, styles = "osD^v<>", ("-", "--", "-.", ":")
        for i, (label, (w, p, lo, hi)) in enumerate(self.lines.items()):
            shift = (i - (n - 1) / 2) * 0.12 * step
            ax.errorbar(np.asarray(w, dtype=float) + shift, 100 * p,
                        yerr=100 * np.vstack([p - lo, hi - p]), marker=markers[i % 7],
                        ls=styles[i % 4], capsize=3, label=label)
        ax.set_xticks(widths, [f"{v:g}" for v in widths])
        ax.set_xlabel("hidden units")
        # Low rates get the height they need; the axis says where it stops.
        top = max(float(np.max(hi)) for _, _, _, hi in self.lines.values()) if self.lines else 1
        ymax = 103 if top > 0.75 else max(10.0, 130 * top)
        ax.set_ylabel("success [%] (95% intervals)" + ("" if ymax >= 100
                                                      else f"; axis up to {ymax:.0f}%"))
        ax.set_ylim(-0.03 * ymax, ymax)
        ax.legend(fontsize="small")
        if self.title:
            ax.set_title(self.title)
        self.ax_, self.figure_ = ax, ax.figure
        return self

"""Benchmark pictures: success rates with intervals, and loss curves."""

import numpy as np

__all__ = ["SuccessRateDisplay", "LossCurveDisplay"]


class SuccessRateDisplay:
    """Success rate per method with its Wilson 95% interval.

    Attributes
    ----------
    names : list of str
    rates, low, high : ndarray
    """

    def __init__(self, names, rates, low, high, title=None):
        self.names, self.title = list(names), title
        self.rates, self.low, self.high = (np.asarray(a, dtype=float) for a in (rates, low, high))

    @classmethod
    def from_report(cls, report, title=None):
        """From a :class:`~exactfit.BenchmarkReport`."""
        rows = report.rows
        names = list(rows)
        return cls(names, [rows[n]["success_rate"] for n in names],
                   [rows[n]["ci_low"] for n in names], [rows[n]["ci_high"] for n in names],
                   title or f"success: MSE within {report.rtol:.0%} of the best")

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        pos = np.arange(len(self.names))
        err = np.vstack([self.rates - self.low, self.high - self.rates])
        ax.bar(pos, 100 * self.rates, yerr=100 * err, capsize=4, color="tab:blue", alpha=0.8)
        for p, r in zip(pos, self.rates):
            ax.text(p, 100 * r + 2, f"{r:.0%}", ha="center", va="bottom", fontsize="small")
        ax.set_xticks(pos, self.names, rotation=20, ha="right")
        ax.set_ylim(0, 112)
        ax.set_ylabel("runs reaching the optimum [%]")
        if self.title:
            ax.set_title(self.title)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class LossCurveDisplay:
    """Loss per epoch of gradient-descent runs, against the best loss found.

    Attributes
    ----------
    curves : list of ndarray
    labels : list of str
    best_loss : float or None
    """

    def __init__(self, curves, labels, best_loss=None, title=None):
        self.curves = [np.asarray(c, dtype=float) for c in curves]
        self.labels, self.best_loss, self.title = list(labels), best_loss, title

    @classmethod
    def from_results(cls, results, best_loss=None, title=None):
        """From FitResults that carry a ``loss_curve``."""
        results = [r for r in results if r.get("loss_curve") is not None]
        return cls([r.loss_curve for r in results], [r.method for r in results], best_loss, title)

    @classmethod
    def from_report(cls, report, methods=None, max_runs=10, title=None):
        """The first `max_runs` curves of each method of a BenchmarkReport that has them."""
        curves, labels = [], []
        for name in methods or report.runs:
            for rec in report.runs[name][:max_runs]:
                if rec.get("loss_curve"):
                    curves.append(rec["loss_curve"])
                    labels.append(name)
        return cls(curves, labels, report.best_loss, title)

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        colors = {}
        cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for c, lab in zip(self.curves, self.labels):
            first = lab not in colors  # label each method once
            col = colors.setdefault(lab, cycle[len(colors) % len(cycle)])
            ax.plot(np.arange(1, len(c) + 1), c, color=col, alpha=0.6,
                    label=lab if first else None)
        if self.best_loss is not None:
            ax.axhline(self.best_loss, color="k", ls="--", label="best loss found")
        ax.set_yscale("log")
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE")
        ax.legend(fontsize="small")
        if self.title:
            ax.set_title(self.title)
        self.ax_, self.figure_ = ax, ax.figure
        return self

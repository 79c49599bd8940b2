"""Benchmark pictures: success rates with intervals, and loss curves."""

import numpy as np

from ._inputs import check_report

__all__ = ["SuccessRateDisplay", "LossCurveDisplay"]


class SuccessRateDisplay:
    """Success rate per method with its Wilson 95% interval.

    A deterministic method (a construction: one network, the same for every seed)
    has no success rate: it is shown by its loss ratio to the best instead of a bar.

    Attributes
    ----------
    names : list of str
    rates, low, high : ndarray
    ratios : dict
        Deterministic method name -> its loss / the best loss.
    """

    def __init__(self, names, rates, low, high, title=None, ratios=None):
        self.names, self.title = list(names), title
        self.rates, self.low, self.high = (np.asarray(a, dtype=float) for a in (rates, low, high))
        self.ratios = dict(ratios or {})

    @classmethod
    def from_report(cls, report, title=None, deterministic=None):
        """From a :class:`~exactfit.BenchmarkReport`.

        `deterministic`: names of methods shown by their loss ratio; default the rows
        run once while the others ran several times (constructions).
        """
        check_report(report, "rows", "a BenchmarkReport")
        from ..check import deterministic_methods

        rows = report.rows
        names = list(rows)
        fixed = deterministic_methods(report) if deterministic is None else list(deterministic)
        return cls(names, [rows[n]["success_rate"] for n in names],
                   [rows[n]["ci_low"] for n in names], [rows[n]["ci_high"] for n in names],
                   title or f"runs reaching the optimum (MSE within {report.rtol:.0%} of the "
                            "best), 95% intervals",
                   ratios={n: rows[n]["best_ratio"] for n in fixed})

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        pos = np.arange(len(self.names))
        rated = np.array([n not in self.ratios for n in self.names])
        err = np.vstack([self.rates - self.low, self.high - self.rates])
        ax.bar(pos[rated], 100 * self.rates[rated], yerr=100 * err[:, rated], capsize=4,
               color="tab:blue", alpha=0.8)
        for p, r, hi, ok in zip(pos, self.rates, self.high, rated):
            if ok:  # above the error bar, so the two never collide
                ax.text(p, 100 * hi + 2, f"{r:.0%}", ha="center", va="bottom",
                        fontsize="small")
        for p, name in zip(pos, self.names):
            if name in self.ratios:
                ax.text(p, 50, f"one network\n(no rate):\nMSE\n{self.ratios[name]:.3f} x\nthe best",
                        ha="center", va="center", fontsize="small",
                        bbox={"boxstyle": "round", "fc": "0.95", "ec": "0.6"})
        ax.set_xticks(pos, self.names, rotation=20, ha="right")
        ax.set_ylim(0, 115)
        ax.set_xlim(-0.6, len(self.names) - 0.4)
        ax.set_ylabel("runs reaching the optimum [%]")
        if self.title:
            ax.set_title(self.title, fontsize="medium")
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
        """From a FitResult or a list of them; those without a ``loss_curve`` are skipped."""
        if isinstance(results, dict):  # one FitResult
            results = [results]
        results = [r for r in results if r.get("loss_curve") is not None
                   and len(r.get("loss_curve"))]
        if not results:
            raise ValueError("results: none of them has a loss_curve (constructions and "
                             "searches have none; gradient-descent runs do).")
        return cls([r["loss_curve"] for r in results], [r.get("method", "run") for r in results],
                   best_loss, title)

    @classmethod
    def from_report(cls, report, methods=None, max_runs=10, title=None):
        """The first `max_runs` curves of each method of a BenchmarkReport that has them."""
        check_report(report, "runs", "a BenchmarkReport")
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
            _, ax = plt.subplots(layout="constrained")
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

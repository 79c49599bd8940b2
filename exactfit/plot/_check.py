"""The picture of :func:`exactfit.check`: the model's loss against what its architecture reaches."""

import textwrap

import numpy as np

from ._inputs import check_report

__all__ = ["CheckDisplay"]

_HEADLINES = {"optimum": "at the best-known optimum: to do better, change the architecture",
              "not converged": "training stopped too early: a training problem, not capacity",
              "local minimum": "stuck above the optimum: a training problem, not capacity"}


class CheckDisplay:
    """Losses of a checked model: the model, the minimum L-BFGS reaches from it, the
    architecture's best known, and predicting the mean; the verdict written below.

    Attributes
    ----------
    labels : list of str
    losses : ndarray
    conclusion, summary, details : str
    """

    def __init__(self, labels, losses, conclusion, summary, details="", rtol=0.01,
                 title=None):
        self.labels, self.losses = list(labels), np.asarray(losses, dtype=float)
        self.conclusion, self.summary, self.details = conclusion, summary, details
        self.rtol, self.title = rtol, title

    @classmethod
    def from_report(cls, report, title=None):
        """From a :class:`~exactfit.check.CheckReport`."""
        check_report(report, "diagnosis", "a CheckReport (from exactfit.check)")
        from ..check import _units

        units = _units(report.diagnosis)
        loc = report.verdict or report.local_note
        details = ("units: " + (", ".join(units) if units else "all healthy")
                   + f"\nlocal check at your model: {loc}"
                   + f"\nbest known: {report.evidence_text()}")
        return cls(["predicting the mean", "your model", "L-BFGS from your weights",
                    "best known (architecture)"],
                   [report.baseline_loss, report.model_loss, report.polished_loss,
                    report.best_loss], report.conclusion, report.summary(), details,
                   report.rtol, title or f"{report.architecture}: {_HEADLINES[report.conclusion]}")

    def plot(self, ax=None):
        """Bars of how far each loss lies above the best known (log scale, percent); when
        the best known is 0, the MSEs themselves."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5.2), layout="constrained")
        best = float(self.losses[-1])
        labels, losses = self.labels[:-1], self.losses[:-1]
        pos = np.arange(len(labels))[::-1]
        colors = ["0.75", "tab:red" if self.conclusion != "optimum" else "tab:green",
                  "tab:orange"][:len(pos)]
        if best > 0:
            values = 100 * (losses / best - 1)
            positive = values[values > 0]
            floor = min(100 * self.rtol / 10, positive.min() / 3) if positive.size \
                else 100 * self.rtol / 10
            shown = np.maximum(values, floor)
            ax.barh(pos, shown - floor / 2, left=floor / 2, color=colors)
            for p, v, loss_, s in zip(pos, values, losses, shown):
                ax.text(s * 1.15, p, f"MSE {loss_:.4g} (+{v:.0f}%)" if v >= 100
                        else f"MSE {loss_:.4g} (+{v:.3g}%)" if v > floor
                        else f"MSE {loss_:.4g} (at the best)", va="center", fontsize="small")
            ax.axvline(100 * self.rtol, color="k", ls="--", lw=1,
                       label=f"within {self.rtol:.0%}: at the optimum")
            ax.set_xlim(floor / 2, shown.max() * 15)
            xlabel = (f"how far above the best-known MSE {best:.4g} of this architecture "
                      "[%, log scale]")
        else:
            positive = losses[losses > 0]
            floor = positive.min() / 10 if positive.size else 1e-12
            shown = np.maximum(losses, floor)
            ax.barh(pos, shown - floor / 2, left=floor / 2, color=colors)
            for p, v, s in zip(pos, losses, shown):
                ax.text(s * 1.15, p, f"MSE {v:.4g}" if v > 0 else "MSE 0", va="center",
                        fontsize="small")
            ax.set_xlim(floor / 2, shown.max() * 15)
            xlabel = "mean squared error (log scale); the best known is 0"
        ax.set_xscale("log")
        ax.set_yticks(pos, labels)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right", fontsize="small")
        # The verdict goes in the x label, so that the layout makes room for it.
        width = max(50, int(ax.figure.get_figwidth() * 9))
        lines = textwrap.wrap(self.summary, width) + [
            w for d in self.details.splitlines() for w in textwrap.wrap(d, width)]
        ax.set_xlabel(xlabel + "\n\n" + "\n".join(lines), loc="left", multialignment="left",
                      fontsize="small")
        ax.set_title(self.title or "", fontsize="medium")
        self.ax_, self.figure_ = ax, ax.figure
        return self

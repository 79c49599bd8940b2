"""The picture of :func:`exactfit.check`: the model's loss against what its architecture reaches."""

import textwrap

import numpy as np

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
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5.2), layout="constrained")
        pos = np.arange(len(self.labels))[::-1]
        colors = ["0.75", "tab:red" if self.conclusion != "optimum" else "tab:green",
                  "tab:orange", "tab:green"]
        # A zero loss cannot sit on a log axis: draw it at a floor and say so.
        positive = self.losses[self.losses > 0]
        floor = positive.min() / 10 if positive.size else 1e-12
        shown = np.where(self.losses > 0, self.losses, floor)
        ax.barh(pos, shown, color=colors[:len(pos)], left=floor / 10)
        for p, v, s in zip(pos, self.losses, shown):
            ax.text(s * 1.15, p, f"MSE {v:.4g}" if v > 0 else "MSE 0", va="center",
                    fontsize="small")
        ax.set_xscale("log")
        ax.set_yticks(pos, self.labels)
        ax.set_xlim(floor / 10, shown.max() * 12)
        best = self.losses[-1]
        if best > 0:
            ax.axvline(best * (1 + self.rtol), color="k", ls="--", lw=1,
                       label=f"within {self.rtol:.0%} of the best known")
            ax.legend(loc="lower right", fontsize="small")
        # The verdict goes in the x label, so that the layout makes room for it.
        width = max(50, int(ax.figure.get_figwidth() * 9))
        lines = textwrap.wrap(self.summary, width) + [
            w for d in self.details.splitlines() for w in textwrap.wrap(d, width)]
        ax.set_xlabel("mean squared error on the training data (log scale)\n\n"
                      + "\n".join(lines), loc="left", multialignment="left", fontsize="small")
        ax.set_title(self.title or "", fontsize="medium")
        self.ax_, self.figure_ = ax, ax.figure
        return self

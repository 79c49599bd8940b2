"""The zoo picture: per task, the share of gradient-descent runs that reach the optimum."""

import json
import os

import numpy as np

__all__ = ["ZooDisplay"]


class ZooDisplay:
    """Per task, the share of gradient-descent runs reaching the optimum (Wilson 95%
    interval), beside whether the construction and fit_global reach it.

    Parameters
    ----------
    labels : list of str
        One per task (top to bottom).
    rates, low, high : array-like
        Success share of the runs and its interval, in [0, 1].
    construction : list of {"exact", "best", "short"}
        The construction is exact, is a best-known network that reaches the
        optimum (within the benchmark's tolerance), or falls short of it.
    fit_global : list of bool
        Whether fit_global reaches the optimum.
    runs : list of int, optional
        Runs per task (shown with the rate).
    polished : tuple of three array-like, optional
        ``(rates, low, high)`` of the runs that reach the optimum after an L-BFGS
        polish of their end point (the runs that ended in the optimum's basin),
        drawn as a second, lighter bar.
    rule : str, optional
        What "reaching the optimum" means, shown under the axis label.
    title : str, optional

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
        Set by :meth:`plot`.
    """

    _CON = {"exact": ("*", "tab:green", "full", "exact construction"),
            "best": ("D", "tab:blue", "full", "best-known construction reaches it"),
            "short": ("D", "tab:blue", "none", "construction falls short")}

    def __init__(self, labels, rates, low, high, construction, fit_global, runs=None,
                 polished=None, rule=None, title=None):
        self.labels = list(labels)
        self.rates, self.low, self.high = (np.asarray(a, dtype=float) for a in (rates, low, high))
        n = len(self.labels)
        if not (self.rates.shape == self.low.shape == self.high.shape == (n,)):
            raise ValueError(f"rates, low and high need one value per label ({n}); got shapes "
                             f"{self.rates.shape}, {self.low.shape}, {self.high.shape}.")
        self.construction = list(construction)
        bad = [c for c in self.construction if c not in self._CON]
        if len(self.construction) != n or bad:
            raise ValueError(f"construction needs one of {sorted(self._CON)} per label ({n}); "
                             f"got {self.construction!r}.")
        self.fit_global = [bool(f) for f in fit_global]
        if len(self.fit_global) != n:
            raise ValueError(f"fit_global needs one bool per label ({n}); got "
                             f"{len(self.fit_global)}.")
        self.runs = None if runs is None else [int(r) for r in runs]
        self.polished = None
        if polished is not None:
            self.polished = tuple(np.asarray(a, dtype=float) for a in polished)
            if len(self.polished) != 3 or any(a.shape != (n,) for a in self.polished):
                raise ValueError(f"polished must be (rates, low, high), each with one value "
                                 f"per label ({n}).")
        self.rule, self.title = rule, title

    @classmethod
    def from_results(cls, results, title=None):
        """From the output of ``benchmarks/zoo.py``: its dict, or the path of ``zoo.json``."""
        if isinstance(results, (str, os.PathLike)):
            with open(results) as fh:
                results = json.load(fh)
        rows = results["rows"]
        if not rows:
            raise ValueError("results hold no task rows: nothing to draw.")
        con = [("exact" if r["construction"]["evidence"] == "exact" else "best")
               if r["construction"]["reached"] else "short" for r in rows]
        a = [r["adam"] for r in rows]
        b = [r.get("polished") or {} for r in rows]
        polished = None
        if all(b):
            polished = tuple([x[k] for x in b] for k in ("success_rate", "ci_low", "ci_high"))
        meta = results.get("meta", {})
        rule = None
        if "exact_tol" in meta and "rtol" in meta:
            rule = (f"reached: MSE <= {meta['exact_tol']:g} var(y) where an exact network "
                    f"exists, else MSE <= {1 + meta['rtol']:g} x the best known")
        title = title or ("Keras-protocol Adam runs reaching the optimum"
                          + (f" ({meta['steps']} steps each)" if "steps" in meta else ""))
        return cls([f"{r['key']}  {r['architecture']}" for r in rows],
                   [x["success_rate"] for x in a], [x["ci_low"] for x in a],
                   [x["ci_high"] for x in a], con, [r["fit_global"]["reached"] for r in rows],
                   runs=[x["runs"] for x in a], polished=polished, rule=rule, title=title)

    def plot(self, ax=None):
        """Draw horizontal bars (one per task) and the two marker columns.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        if ax is None:
            _, ax = plt.subplots(figsize=(8.5, 0.45 * len(self.labels) + 1.6))
        pos = np.arange(len(self.labels))[::-1]
        bars = [("Adam, as trained", self.rates, self.low, self.high, "tab:orange")]
        if self.polished is not None:
            bars.append(("Adam, then L-BFGS polish (the run's basin)", *self.polished,
                         "tab:gray"))
        h = 0.6 / len(bars)
        for b, (label, rates, low, high, color) in enumerate(bars):
            y = pos + (len(bars) - 1) * h / 2 - b * h
            err = np.vstack([rates - low, high - rates])
            ax.barh(y, 100 * rates, xerr=100 * err, capsize=2, color=color, alpha=0.85,
                    height=h * 0.9, error_kw={"lw": 0.8}, label=label)
            for i, (yy, r, hi) in enumerate(zip(y, rates, high)):
                text = f"{r:.1%}" + (f" of {self.runs[i]}" if self.runs and b == 0 else "")
                ax.text(100 * hi + 1.5, yy, text, va="center", fontsize="x-small")
        x_con, x_fg = 118, 132
        for p, c, f in zip(pos, self.construction, self.fit_global):
            m, col, fill, _ = self._CON[c]
            ax.plot([x_con], [p], marker=m, color=col, fillstyle=fill, ms=11 if m == "*" else 8,
                    ls="none")
            ax.plot([x_fg], [p], marker="o" if f else "x", color="k" if f else "tab:red",
                    ms=7, mew=1.8 if not f else 1, ls="none")
        top = len(self.labels) - 0.35
        ax.text(x_con, top, "constr.", ha="center", va="bottom", fontsize="small")
        ax.text(x_fg, top, "fit_global", ha="center", va="bottom", fontsize="small")
        ax.axvline(100, color="0.7", lw=0.8)
        ax.set_xlim(0, 140)
        ax.set_ylim(-0.7, len(self.labels) - 0.1)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_yticks(pos, self.labels)
        ax.set_xlabel("runs reaching the optimum [%] (Wilson 95% interval)"
                      + (f"\n{self.rule}" if self.rule else ""))
        handles = ax.get_legend_handles_labels()[0]
        handles += [Line2D([], [], marker=m, color=col, fillstyle=fill, ls="none", label=lab)
                    for m, col, fill, lab in self._CON.values()]
        handles += [Line2D([], [], marker="o", color="k", ls="none",
                           label="fit_global reaches it"),
                    Line2D([], [], marker="x", color="tab:red", ls="none", mew=1.8,
                           label="fit_global misses it")]
        below = -0.12 - (0.6 if self.rule else 0.3) / max(1, len(self.labels))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, below), ncol=2,
                  fontsize="small", frameon=False)
        if self.title:
            ax.set_title(self.title, fontsize="medium")
        self.ax_, self.figure_ = ax, ax.figure
        return self

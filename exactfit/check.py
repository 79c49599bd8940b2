"""Is a trained network the best its architecture can do? Verdicts a person can act on.

:func:`check` takes a model trained anywhere (PyTorch, scikit-learn, Keras weights,
exactfit) and its training data, and compares it with the best-known network of
the same architecture on the same data (:func:`exactfit.fit_global`, warm-started
from the model itself, so the reference is never worse than the model). It adds
what is wrong with the model (dead, collapsed, never-bending units from
:func:`exactfit.diagnose`; the local verdict of :func:`exactfit.certify.local`)
and where plain L-BFGS from the model's own weights ends, and concludes:

- *at the optimum*: the model is within ``rtol`` of the best known; only a
  different architecture does better;
- *not converged*: L-BFGS from the model's weights reaches the optimum; training
  stopped too early;
- *a worse local minimum*: L-BFGS from the model's weights stops above the
  optimum; a different start is needed.

:func:`verdict` states the same for a :class:`~exactfit.BenchmarkReport`.
"""

import math
import time

import numpy as np
from scipy.optimize import minimize

from ._validation import check_data, check_nonnegative, check_positive_int
from .diagnose import diagnose
from .interop import as_network
from .losses import Objective, mse
from .search._checks import check_n_restarts

__all__ = ["check", "CheckReport", "verdict", "CONCLUSIONS"]

#: What :func:`check` can conclude (``CheckReport.conclusion``).
CONCLUSIONS = ("optimum", "not converged", "local minimum")

# Below this fraction of var(y) two MSEs count as equal (both essentially 0).
_FLOOR = 1e-10


def check(model, X, y, activation=None, output=None, rtol=0.01, n_restarts="auto",
          local=True, max_local_params=400, random_state=0, n_jobs=None, progress=False,
          **fit_options):
    """Compare a trained network with the best-known network of its architecture.

    Parameters
    ----------
    model : Network, FitResult, torch.nn.Sequential, MLPRegressor or list of arrays
        The trained model: an :class:`exactfit.Network` or FitResult, a
        ``torch.nn.Sequential`` of Linear and activation layers (or its state dict,
        with `activation`), a fitted scikit-learn ``MLPRegressor``, or Keras's
        ``model.get_weights()`` with `activation` naming the hidden activation
        (see :mod:`exactfit.interop`).
    X : array-like of shape (n_samples, n_features)
        The data the model was trained on (after any scaling the model saw).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    activation, output : str, optional
        Activations, for a state dict or Keras weights (read from the model otherwise).
    rtol : float, default=0.01
        The model is at the optimum when its MSE is at most ``(1 + rtol)`` times the
        best known (plus ``1e-10 * var(y)``, so that two essentially zero losses agree).
    n_restarts : int or "auto", default="auto"
        Fewest starts of :func:`exactfit.fit_global` besides the warm start from the
        model ("auto": its default, see there).
    local : bool, default=True
        Run :func:`exactfit.certify.local` at the model (a finite-difference Hessian:
        one gradient per parameter).
    max_local_params : int, default=400
        Skip the local check (saying so) above this many parameters.
    random_state : int, RandomState or None, default=0
        Seeds the search.
    n_jobs : int or None
        The search's restarts run through joblib.
    progress : bool, default=False
        Progress bar over the search's restarts.
    **fit_options
        Passed to :func:`exactfit.fit_global` (e.g. ``max_restarts``, ``max_time``).

    Returns
    -------
    CheckReport
        ``print(report)`` gives the verdict; attributes hold the numbers.

    Examples
    --------
    >>> import exactfit
    >>> task = exactfit.tasks.euclid(300, random_state=0)
    >>> gd = exactfit.train_gd(task.X, task.y, hidden=3, max_iter=50, random_state=0)
    >>> report = exactfit.check(gd, task.X, task.y)
    >>> report.best_loss <= report.model_loss
    True
    """
    t0 = time.perf_counter()
    network = as_network(model, activation, output, name="model")
    X, Y = check_data(X, y)
    if X.shape[1] != network.n_inputs:
        raise ValueError(f"X has {X.shape[1]} features but the model expects "
                         f"{network.n_inputs} (layer sizes {network.layer_sizes}).")
    if Y.shape[1] != network.n_outputs:
        raise ValueError(f"y has {Y.shape[1]} output(s) but the model has "
                         f"{network.n_outputs} (layer sizes {network.layer_sizes}).")
    rtol = check_nonnegative(rtol, "rtol")
    n_restarts = check_n_restarts(n_restarts)
    max_local_params = check_positive_int(max_local_params, "max_local_params", minimum=0)
    if not isinstance(local, (bool, np.bool_)):
        raise TypeError(f"local must be a bool; got {local!r}.")

    model_loss = float(mse(network, X, Y))
    baseline = float(np.mean(np.var(Y, axis=0)))
    best = _best_known(network, X, Y, n_restarts, random_state, n_jobs, progress, fit_options)
    if best.get("interrupted"):  # fit_global returns its best so far on Ctrl-C
        raise KeyboardInterrupt("check was interrupted during fit_global's search: no "
                                "verdict (it would rest on an unfinished search).")
    polished = _polish(network, X, Y)
    best_loss = min(float(best.loss), polished[1])
    if polished[1] < float(best.loss):  # the model's own basin is the best known
        best = best.__class__({**best, "network": polished[0], "loss": polished[1],
                               "message": best.get("message", "") + "; L-BFGS from the model "
                               "went lower"})
    diag = diagnose(network, X)
    loc, local_note = None, None
    if not local:
        local_note = "not run (local=False)"
    elif network.n_params > max_local_params:
        local_note = (f"skipped: {network.n_params} parameters > max_local_params="
                      f"{max_local_params}")
    else:
        from .certify import local as certify_local

        loc = certify_local(network, X, Y)
    floor = _FLOOR * baseline
    tol = best_loss * (1 + rtol) + floor
    if model_loss <= tol:
        conclusion = "optimum"
    elif polished[1] <= tol:
        conclusion = "not converged"
    else:
        conclusion = "local minimum"
    return CheckReport(
        network=network, model_loss=model_loss, best_loss=best_loss,
        polished_loss=polished[1], polished_network=polished[0], baseline_loss=baseline,
        rtol=rtol, conclusion=conclusion, diagnosis=diag, local=loc, local_note=local_note,
        best=best, n_samples=int(X.shape[0]), time=time.perf_counter() - t0)


def _best_known(network, X, Y, n_restarts, random_state, n_jobs, progress, fit_options):
    """fit_global warm-started from the model; least squares when there is no hidden layer."""
    if not network.hidden_sizes and network.output == "linear":
        from .construct import linear_lstsq

        return linear_lstsq(X, Y)
    from .search import fit_global

    if not network.hidden_sizes:
        raise ValueError("a model without a hidden layer and with a nonlinear output is not "
                         "supported.")
    return fit_global(X, Y, hidden=network.hidden_sizes, activation=network.hidden,
                      output=network.output, n_restarts=n_restarts, init=[network],
                      random_state=random_state, n_jobs=n_jobs, progress=progress,
                      **fit_options)


def _polish(network, X, Y):
    """(network, MSE) where plain L-BFGS from the model's weights stops: its nearest minimum."""
    obj = Objective(X, Y, network.layer_sizes, network.hidden, network.output, "mse")
    theta0 = network.to_flat()
    res = minimize(obj, theta0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "maxcor": 20, "ftol": 1e-14, "gtol": 1e-10})
    f0, f1 = obj.value(theta0), obj.value(res.x)
    if not f1 < f0:
        return network, float(f0)
    return network.with_flat(res.x), float(f1)


def _units(diag, short=False):
    """Phrases for the unhealthy units of a Diagnosis (with the why unless `short`)."""
    def n(k, word, why):
        return f"{k} {word}{'s' * (k > 1)}" + ("" if short else f" ({why})")

    parts = []
    if diag.dead:
        parts.append(n(len(diag.dead), "dead unit", "never active on the data: no gradient"))
    if diag.near_dead:
        parts.append(n(len(diag.near_dead), "nearly dead unit", "active on under 1% of the data"))
    if diag.linear:
        parts.append(n(len(diag.linear), "never-bending unit",
                       "kink outside the data: affine there"))
    if diag.collapsed:
        parts.append(n(len(diag.collapsed), "collapsed pair", "two units doing one's job"))
    return parts


def _pct(v):
    return "inf" if math.isinf(v) else f"{v:.1%}"


def _g(v):
    return "inf" if math.isinf(v) else f"{v:.4g}"


class CheckReport:
    """The outcome of :func:`check`.

    Attributes
    ----------
    network : Network
        The model, as exactfit read it.
    model_loss : float
        Its MSE on the data.
    best_loss : float
        The best-known MSE of the same architecture on the same data.
    ratio : float
        ``model_loss / best_loss`` (inf when the best is 0 and the model is not).
    excess : float
        ``model_loss - best_loss``.
    polished_loss : float
        Where plain L-BFGS from the model's weights stops (its nearest minimum).
    baseline_loss : float
        MSE of predicting the mean of y (the variance).
    conclusion : str
        One of :data:`CONCLUSIONS`.
    diagnosis : Diagnosis
        Dead, near-dead, linear and collapsed units of the model.
    local : FitResult or None
        :func:`exactfit.certify.local` at the model (``local.verdict``), or None
        when skipped (``local_note`` says why).
    best : FitResult
        The search that gave `best_loss` (``evidence``, ``message``, and where the
        search provides them ``n_reached``, ``n_minima``, ``p_better``).
    """

    def __init__(self, network, model_loss, best_loss, polished_loss, polished_network,
                 baseline_loss, rtol, conclusion, diagnosis, local, local_note, best,
                 n_samples, time):
        self.network, self.model_loss, self.best_loss = network, model_loss, best_loss
        self.polished_loss, self.polished_network = polished_loss, polished_network
        self.baseline_loss, self.rtol, self.conclusion = baseline_loss, rtol, conclusion
        self.diagnosis, self.local, self.local_note, self.best = diagnosis, local, local_note, best
        self.n_samples, self.time = n_samples, time

    # ------------------------------------------------------------------ numbers
    @property
    def ratio(self):
        if self.best_loss > 0:
            return self.model_loss / self.best_loss
        return 1.0 if self.model_loss <= _FLOOR * self.baseline_loss else math.inf

    @property
    def excess(self):
        return self.model_loss - self.best_loss

    @property
    def verdict(self):
        """certify.local's verdict at the model, or None when it was skipped."""
        return None if self.local is None else self.local["verdict"]

    @property
    def evidence(self):
        """What backs the best-known loss (:data:`exactfit.EVIDENCE`)."""
        return self.best.get("evidence", "none")

    @property
    def n_reached(self):
        return self.best.get("n_reached")

    @property
    def n_minima(self):
        return self.best.get("n_minima")

    @property
    def p_better(self):
        return self.best.get("p_better")

    @property
    def architecture(self):
        sizes = self.network.layer_sizes
        hidden = " -> ".join(f"{h} {self.network.hidden}" for h in sizes[1:-1])
        out = "" if self.network.output == "linear" else f" {self.network.output}"
        return f"{sizes[0]} -> " + (hidden + " -> " if hidden else "") + f"{sizes[-1]}{out}"

    # ------------------------------------------------------------------ words
    def evidence_text(self):
        """How the best-known loss was found and how sure it is."""
        b = self.best
        if b.get("method") == "construct:linear_lstsq":
            return "exact least squares (no hidden layer: the optimum is certain)"
        if b.get("evidence") in ("certified", "exact"):
            return f"{b.get('method')}, {b.get('evidence')}"
        parts = [f"{b.get('method', 'search')} with the model as a warm start"]
        if b.get("n_reached") is not None:
            parts.append(f"{b['n_reached']} starts reached it")
        elif b.get("reached_fraction") is not None and b.get("restart_losses") is not None:
            n = len(b["restart_losses"])
            parts.append(f"{round(b['reached_fraction'] * n)} of {n} starts reached it")
        if b.get("n_minima") is not None:
            parts.append(f"{b['n_minima']} distinct minima seen")
        if b.get("p_better") is not None:
            parts.append(f"estimated chance of a better minimum {b['p_better']:.2g}")
        else:
            parts.append("a search, not a proof")
        return "; ".join(parts)

    def summary(self):
        """The conclusion in one or two sentences."""
        a, b, c = self.best_loss, self.model_loss, self.polished_loss
        units = _units(self.diagnosis, short=True)
        with_units = (" with " + ", ".join(units)) if units else ""
        if self.model_loss >= 0.99 * self.baseline_loss and self.baseline_loss > 0:
            with_units += " (no better than predicting the mean)"
        if self.conclusion == "optimum":
            return (f"Your model is at the best-known optimum of this architecture (MSE {_g(b)}, "
                    f"best known {_g(a)}): to do better, change the architecture (more units "
                    "or layers), not the training.")
        head = (f"The architecture reaches MSE {_g(a)}; your training stopped at {_g(b)} "
                f"({_g(self.ratio)} x)")
        if self.conclusion == "not converged":
            return (head + f"{with_units}, before converging: L-BFGS from your own weights "
                    f"reaches {_g(c)}, the optimum. A training problem (stopped too early), not "
                    "a capacity problem: train longer, or finish with L-BFGS.")
        where = {"strict local minimum": "a local minimum",
                 "degenerate": "a flat (degenerate) stationary point",
                 "saddle": "a saddle point", "nonsmooth": "a kink of the loss",
                 "not stationary": "still moving downhill"}.get(self.verdict, "a worse basin")
        if self.verdict == "not stationary" or self.verdict is None:
            where = "in the basin of a worse minimum"
        gap = c / a - 1 if a > 0 else math.inf
        text = (head + f", {where}{with_units}: a training problem, not a capacity problem. "
                f"L-BFGS from your weights reaches {_g(c)} ({_pct(gap)} above the best)")
        if gap <= 0.1:
            return text + (": a nearby, slightly worse minimum. Train to convergence (or finish "
                           "with L-BFGS), and try a few more seeds.")
        advice = "more seeds"
        if self.diagnosis.dead or self.diagnosis.near_dead:
            advice += ", re-initialised dead units or a leaky activation"
        return text + (f"; a different start is needed ({advice}, or start from exactfit's "
                       "optimum: fit_global / GlobalMLPRegressor).")

    def __str__(self):
        loc = (f"{self.local['verdict']}: {self.local['message'].split(': ', 1)[-1]}"
               if self.local is not None else self.local_note)
        units = _units(self.diagnosis)
        lines = [
            f"exactfit check: {self.architecture} on {self.n_samples} samples",
            f"  your model         MSE {_g(self.model_loss):>10}  ({_g(self.ratio)} x the best "
            f"known; predicting the mean gives {_g(self.baseline_loss)})",
            f"  nearest minimum    MSE {_g(self.polished_loss):>10}  (L-BFGS from your weights)",
            f"  best known         MSE {_g(self.best_loss):>10}  ({self.evidence_text()})",
            f"  units              {', '.join(units) if units else 'all healthy'}",
            f"  local check        {loc}",
            f"Verdict: {self.summary()}",
        ]
        return "\n".join(lines)

    __repr__ = __str__

    def to_dict(self):
        """A JSON-ready dict of the numbers, the verdict and both networks."""
        loc = None
        if self.local is not None:
            loc = {"verdict": self.local["verdict"], "message": self.local["message"],
                   "grad_norm": float(self.local["grad_norm"]),
                   "min_eigenvalue": float(self.local["min_eigenvalue"])}
        b = self.best
        return {
            "architecture": self.architecture, "layer_sizes": list(self.network.layer_sizes),
            "n_samples": self.n_samples, "model_loss": self.model_loss,
            "best_loss": self.best_loss,
            "ratio": None if math.isinf(self.ratio) else self.ratio, "excess": self.excess,
            "polished_loss": self.polished_loss, "baseline_loss": self.baseline_loss,
            "rtol": self.rtol, "conclusion": self.conclusion, "summary": self.summary(),
            "evidence": self.evidence, "evidence_text": self.evidence_text(),
            "n_reached": b.get("n_reached"), "n_minima": b.get("n_minima"),
            "p_better": b.get("p_better"), "search_message": b.get("message"),
            "diagnosis": self.diagnosis.to_dict(), "local": loc, "local_note": self.local_note,
            "network": self.network.to_dict(), "best_network": b["network"].to_dict(),
            "time": self.time,
        }

    def save(self, path):
        """Write :meth:`to_dict` as JSON (atomically: a temporary file, then a rename)."""
        import json

        from ._io import write_text

        write_text(path, json.dumps(self.to_dict(), indent=1, default=_json_default))


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"cannot serialise {type(o).__name__}")


# ---------------------------------------------------------------------- benchmark

def deterministic_methods(report):
    """Names of the rows of a BenchmarkReport run once while others ran many times
    (constructions: they have a loss ratio, not a success rate)."""
    return report.deterministic_methods()


def verdict(report):
    """What a :class:`~exactfit.BenchmarkReport` says, in one or two sentences.

    The architecture's best-known loss and who found it; how often each other
    (non-deterministic) method reached it; and the conclusion: gradient descent
    fails (and why, by the most common failure), succeeds sometimes, or succeeds
    reliably (then only a change of architecture does better).
    """
    rows, best = report.rows, report.best_loss
    fixed = deterministic_methods(report)
    search = [k for k in rows if k.startswith("fit_global") and k not in fixed]
    others = [k for k in rows if k not in fixed and k not in search]
    found = f"found by {report.best_method}"
    if report.best_method in rows and report.best_method not in fixed:
        r = rows[report.best_method]
        found += f" in {r['successes']} of {r['runs']} runs"
    text = f"The architecture reaches MSE {best:.4g} ({found})."
    if not others:
        return text
    rates = ", ".join(f"{k} {rows[k]['success_rate']:.0%}" for k in others)
    top = max(rows[k]["success_rate"] for k in others)
    text += f" Runs reaching it: {rates}."
    if top >= 0.9:
        text += (" Gradient descent finds the optimum reliably: training is not the problem; "
                 "to do better, change the architecture.")
    elif top >= 0.3:
        text += (" Gradient descent finds it only sometimes: restart it several times and "
                 "keep the best, or use the optimum directly.")
    else:
        counts = {}
        for k in others:
            for reason, n in rows[k]["failures"].items():
                counts[reason] = counts.get(reason, 0) + n
        failed = sum(rows[k]["runs"] - rows[k]["successes"] for k in others)
        reason, n = max(counts.items(), key=lambda t: t[1]) if counts else ("other", 0)
        words = {"dead": "dead units", "collapsed": "collapsed unit pairs",
                 "linear": "units that never bend on the data", "other": "no unit fault"}
        why = f" ({n} of {failed} failed runs had {words.get(reason, reason)})" if failed else ""
        text += f" Gradient descent is what fails, not the architecture{why}."
    for k in fixed:
        ratio = rows[k]["best_ratio"]
        text += f" {k}: MSE {ratio:.3f} x the best."
    return text

"""The ``exactfit`` command line: your data and your model, from the shell.

::

    exactfit compare data.csv --target y --hidden 3     # GD against the optimum, on your data
    exactfit check model.pt data.csv --target y         # is this trained model the best?
    exactfit sweep data.csv --target y --widths 3 5     # which remedy helps?
    exactfit certify data.csv --target y --method exact_1d --hidden 2
    exactfit euclid --quick                             # the headline example

Data: a CSV file with a header row, a ``.npz`` (arrays by name) or a ``.npy`` (one
2-D array, columns by index). Bad input gets one line on stderr and exit status 2
(``--traceback`` shows the Python traceback instead).
"""

import argparse
import csv
import functools
import inspect
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from ._io import atomic_path

__all__ = ["main", "load_data", "load_model", "UsageError"]


class UsageError(Exception):
    """Bad input from the command line: reported as one line, exit status 2."""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every default in --help, except None and flags (their help says what happens)."""

    def _get_help_string(self, action):
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse with defaults in --help and one-line errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ----------------------------------------------------------------------------- data

def _column_index(spec, n_cols, what):
    try:
        i = int(spec)
    except ValueError:
        raise UsageError(f"{what} {spec!r}: a .npy file has no column names; give a column "
                         f"index 0..{n_cols - 1}.") from None
    if not -n_cols <= i < n_cols:
        raise UsageError(f"{what} {i} is out of range: the array has {n_cols} columns.")
    return i % n_cols


def _read_csv(path):
    with open(path, newline="") as fh:
        text = fh.read()
    if not text.strip():
        raise UsageError(f"{path} is empty.")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(text.splitlines(), dialect))
    header = [h.strip() for h in rows[0]]
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)]
    if not body:
        raise UsageError(f"{path} has a header but no data rows.")
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise UsageError(f"{path}: the header repeats column names {dup}.")
    for line, r in body:
        if len(r) != len(header):
            raise UsageError(f"{path}, line {line}: {len(r)} fields, but the header has "
                             f"{len(header)}.")
    return header, body


def _numeric(path, header, body, cols):
    out = np.empty((len(body), len(cols)))
    for j, c in enumerate(cols):
        k = header.index(c)
        for i, (line, r) in enumerate(body):
            cell = r[k].strip()
            if cell == "" or cell.lower() in ("na", "nan", "null", "none"):
                out[i, j] = np.nan
                continue
            try:
                out[i, j] = float(cell)
            except ValueError:
                raise UsageError(f"{path}, line {line}, column {c!r}: {cell!r} is not a number "
                                 "(exactfit needs numeric columns; leave this one out with "
                                 "--features)") from None
    return out


def load_data(path, target, features=None):
    """Read ``(X, y, feature_names, target_names)`` from a CSV, .npz or .npy file.

    Parameters
    ----------
    path : str
    target : list of str
        Target column(s): names (CSV), array names (.npz) or column indices (.npy,
        or the one 2-D array of a .npz).
    features : list of str, optional
        Input columns; default every other column (.npz: the array ``X``).

    Raises
    ------
    UsageError
        A missing or unreadable file, an unknown column, non-numeric data, rows with
        missing or NaN values, a target with one value.
    """
    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    if p.is_dir():
        raise UsageError(f"{path} is a directory, not a data file.")
    suffix = p.suffix.lower()
    target = list(target)
    if suffix in (".npy", ".npz"):
        try:
            arr = np.load(p, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise UsageError(f"cannot read {path}: {exc}") from None
        if suffix == ".npz":
            names = list(arr.keys())
            if all(t in names for t in target):
                xname = features[0] if features else "X"
                if features and len(features) > 1:
                    raise UsageError("with a .npz, --features names one array (the inputs).")
                if xname not in names:
                    raise UsageError(f"{path} has no array {xname!r} for the inputs (arrays: "
                                     f"{', '.join(names)}); name it with --features.")
                X = np.asarray(arr[xname])
                ys = [np.asarray(arr[t]) for t in target]
                Y = np.column_stack([y.reshape(len(y), -1) for y in ys]) if len(ys) > 1 else ys[0]
                return _finish(path, X, Y, [xname], target)
            if len(names) != 1:
                raise UsageError(f"{path} has no array named {', '.join(target)} (arrays: "
                                 f"{', '.join(names)}).")
            arr = arr[names[0]]
        A = np.asarray(arr)
        if A.ndim != 2:
            raise UsageError(f"{path} holds an array of shape {A.shape}; expected a 2-D table "
                             "(rows = samples, columns = features and target).")
        if not np.issubdtype(A.dtype, np.number):
            raise UsageError(f"{path} holds {A.dtype} data, not numbers.")
        t_idx = [_column_index(t, A.shape[1], "--target") for t in target]
        f_idx = ([_column_index(f, A.shape[1], "--features") for f in features] if features
                 else [j for j in range(A.shape[1]) if j not in t_idx])
        return _finish(path, A[:, f_idx], A[:, t_idx[0]] if len(t_idx) == 1 else A[:, t_idx],
                       [str(j) for j in f_idx], [str(j) for j in t_idx])
    if suffix not in (".csv", ".tsv", ".txt"):
        raise UsageError(f"{path}: unknown data format {suffix or '(no suffix)'!r}; expected "
                         ".csv (with a header row), .npz or .npy.")
    try:
        header, body = _read_csv(p)
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a text CSV file.") from None
    for t in target:
        if t not in header:
            raise UsageError(f"unknown column {t!r} for --target; the columns are: "
                             f"{', '.join(header)}")
    if features:
        for f in features:
            if f not in header:
                raise UsageError(f"unknown column {f!r} in --features; the columns are: "
                                 f"{', '.join(header)}")
            if f in target:
                raise UsageError(f"column {f!r} is both a feature and the target.")
    else:
        features = [h for h in header if h not in target]
    data = _numeric(path, header, body, list(features) + target)
    X, Y = data[:, :len(features)], data[:, len(features):]
    bad = ~np.all(np.isfinite(data), axis=1)
    if bad.any():
        first = body[int(np.flatnonzero(bad)[0])][0]
        raise UsageError(f"{path}: {int(bad.sum())} row(s) have missing, NaN or infinite values "
                         f"in the columns used (first: line {first}); remove them.")
    return _finish(path, X, Y[:, 0] if Y.shape[1] == 1 else Y, list(features), target)


def _finish(path, X, Y, feature_names, target_names):
    X = np.asarray(X, dtype=float) if np.issubdtype(np.asarray(X).dtype, np.number) else None
    if X is None:
        raise UsageError(f"{path}: the inputs are not numbers.")
    if X.ndim == 1:
        X = X[:, None]
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or X.shape[1] == 0:
        raise UsageError(f"{path}: no input columns left (shape {X.shape}).")
    if len(X) != len(Y):
        raise UsageError(f"{path}: the inputs have {len(X)} rows and the target {len(Y)}.")
    bad = ~(np.all(np.isfinite(X), axis=1) & np.all(np.isfinite(Y.reshape(len(Y), -1)), axis=1))
    if bad.any():
        raise UsageError(f"{path}: {int(bad.sum())} row(s) have NaN or infinite values (first: "
                         f"row {int(np.flatnonzero(bad)[0])}); remove them.")
    if len(X) < 2:
        raise UsageError(f"{path}: {len(X)} row(s); need at least 2 samples.")
    Y2 = Y.reshape(len(Y), -1)
    for j in range(Y2.shape[1]):
        if np.ptp(Y2[:, j]) == 0:
            raise UsageError(f"target {target_names[j]!r} has one value ({Y2[0, j]:g}) on every "
                             "row: there is nothing to fit.")
    return X, Y, feature_names, target_names


# ---------------------------------------------------------------------------- model

def load_model(path, activation="relu", output="linear", hidden=None):
    """A :class:`~exactfit.Network` from a saved model file.

    ``.json``: exactfit's own (``FitResult.save``, ``Network.to_dict``, a check
    report); ``.pt``/``.pth``: a torch state dict (``torch.save(model.state_dict(),
    path)``), with `activation` and `output` naming its activations; ``.npz``: Keras
    weights (``np.savez(path, *model.get_weights())``); ``.joblib``/``.pkl``: a
    pickled scikit-learn MLPRegressor (loading a pickle runs its code: only open
    your own files). `hidden`, when given, must match the file's hidden layers.
    """
    from .interop import as_network, from_keras, from_torch
    from .network import Network
    from .result import FitResult

    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    suffix = p.suffix.lower()
    if suffix == ".json":
        try:
            d = json.loads(p.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path} is not valid JSON: {exc}") from None
        if isinstance(d, dict) and "weights" in d and "biases" in d:
            net = Network.from_dict(d)
        elif isinstance(d, dict) and isinstance(d.get("network"), dict) \
                and "__network__" in d["network"]:
            net = FitResult.from_dict(d).network
        elif isinstance(d, dict) and isinstance(d.get("network"), dict) \
                and "weights" in d["network"]:
            net = Network.from_dict(d["network"])  # a check report: the model checked
        else:
            raise UsageError(f"{path} is JSON but not an exactfit network (FitResult.save or "
                             "Network.to_dict).")
    elif suffix in (".pt", ".pth"):
        try:
            import torch
        except ImportError:
            raise UsageError("reading a .pt file needs PyTorch: pip install torch") from None
        try:
            state = torch.load(p, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises several kinds for a file it cannot read
            raise UsageError(f"cannot read {path} as a torch state dict (save one with "
                             f"torch.save(model.state_dict(), path)): "
                             f"{str(exc).splitlines()[0]}") from None
        if hasattr(state, "state_dict"):
            state = state.state_dict()
        if not isinstance(state, dict):
            raise UsageError(f"{path} holds a {type(state).__name__}, not a state dict.")
        net = from_torch(state, activation, output)
    elif suffix == ".npz":
        with np.load(p, allow_pickle=False) as z:
            keys = sorted(z.keys(), key=lambda k: int(k.split("_")[-1])
                          if k.split("_")[-1].isdigit() else k)
            net = from_keras([z[k] for k in keys], activation, output)
    elif suffix in (".joblib", ".pkl", ".pickle"):
        import joblib

        net = as_network(joblib.load(p), activation, output, name="MODEL")
    else:
        raise UsageError(f"{path}: unknown model format {suffix or '(no suffix)'!r}; expected "
                         ".json (exactfit), .pt/.pth (torch state dict), .npz (Keras "
                         "get_weights) or .joblib/.pkl (scikit-learn).")
    if hidden is not None and tuple(hidden) != tuple(net.hidden_sizes):
        raise UsageError(f"{path} has hidden layers {tuple(net.hidden_sizes)} but --hidden "
                         f"says {tuple(hidden)}.")
    return net


# --------------------------------------------------------------------------- output

def _atomic_write(path, write):
    """``write(tmp)``, then `tmp` renamed over `path` (see :class:`exactfit._io.atomic_path`)."""
    with atomic_path(path) as tmp:
        write(tmp)


def _save_figure(fig, path):
    _atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=90, format="png"))


def _out_dir(path):
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {path} exists and is not a directory.")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _checkpoint_kwargs(fn, out, name, resume):
    """``checkpoint=`` for `fn` when it supports it; --resume without it is an error."""
    ckpt = out / f"{name}.checkpoint.json"
    if "checkpoint" not in inspect.signature(fn).parameters:
        if resume:
            raise UsageError(f"--resume needs a {fn.__name__} with checkpoints; this version "
                             "of exactfit has none.")
        return {}
    if ckpt.exists() and not resume:
        raise UsageError(f"{ckpt} holds an earlier, unfinished run: add --resume to continue "
                         "it, or delete it (or choose another --out) to start afresh.")
    if resume and not ckpt.exists():
        raise UsageError(f"--resume: no checkpoint {ckpt} to continue from.")
    return {"checkpoint": str(ckpt)}


def _finish_checkpoint(report, kwargs):
    """Exit status: 130 (checkpoint kept) for an interrupted run, else 0 (checkpoint removed)."""
    ckpt = kwargs.get("checkpoint")
    if report.meta.get("interrupted"):
        print("Interrupted: the results above are partial."
              + (" Rerun the same command with --resume to continue." if ckpt else ""),
              file=sys.stderr)
        return 130
    if ckpt and os.path.exists(ckpt):
        os.remove(ckpt)
    return 0


def _progress():
    return sys.stderr.isatty()


# --------------------------------------------------------------------------- compare

SKLEARN_METHODS = ("adam", "sgd", "lbfgs")
COMPARE_METHODS = ("fit_global",) + SKLEARN_METHODS + ("pyramid",)


def _methods(names, hidden, activation, epochs, restarts, n_features, n_outputs):
    from .bench import Method, _pyramid_method
    from .gd import train_gd
    from .search import fit_global

    methods = []
    for name in dict.fromkeys(names):
        if name == "pyramid":
            if n_features != 2 or n_outputs != 1 or len(hidden) != 1 or activation != "relu":
                raise UsageError("--methods pyramid needs 2 inputs, 1 output and one hidden "
                                 "ReLU layer (the pyramid construction).")
            methods.append(Method("pyramid (construction)", functools.partial(
                _pyramid_method, n_units=hidden[0]), True))
        elif name == "fit_global":
            methods.append(Method("fit_global", functools.partial(
                fit_global, hidden=hidden, activation=activation, n_restarts=restarts)))
        else:
            if activation not in ("relu", "tanh", "sigmoid", "linear"):
                raise UsageError(f"--activation {activation}: scikit-learn's {name} has relu, "
                                 "tanh, sigmoid and linear only.")
            methods.append(Method(f"sklearn {name}", functools.partial(
                train_gd, hidden=hidden, optimizer=name, activation=activation,
                max_iter=epochs)))
    return methods


def _run_compare(X, y, name, methods, args, out, target=None, description=None):
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .bench import benchmark
    from .check import verdict
    from .plot import CompareDisplay

    kwargs = _checkpoint_kwargs(benchmark, out, "compare", args.resume)
    hidden = " -> ".join(f"{h} {args.activation}" for h in args.hidden)
    n_out = 1 if np.ndim(y) == 1 else np.shape(y)[1]
    print(f"Data: {description or name}, {len(X)} samples; network {X.shape[1]} -> {hidden} -> "
          f"{n_out}; {args.runs} seeds per method, gradient descent up to {args.epochs} "
          "epochs.", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        report = benchmark(X, y, methods=methods, n_runs=args.runs, rtol=args.rtol,
                           random_state=args.seed, n_jobs=args.n_jobs, progress=_progress(),
                           name=name, **kwargs)
    print(f"\nVerdict: {verdict(report)}\n")
    print(report)
    _atomic_write(out / "report.json", report.save)
    disp = CompareDisplay.from_report(report, X, y, target=target).plot()
    _save_figure(disp.figure_, out / "compare.png")
    plt.close(disp.figure_)
    print(f"\nWrote {out / 'report.json'} and {out / 'compare.png'}")
    return _finish_checkpoint(report, kwargs)


def _cmd_compare(args):
    X, y, _, tnames = load_data(args.data, args.target, args.features)
    n_out = 1 if y.ndim == 1 else y.shape[1]
    methods = _methods(args.methods, args.hidden, args.activation, args.epochs, args.restarts,
                       X.shape[1], n_out)
    out = _out_dir(args.out)
    return _run_compare(X, y, Path(args.data).stem, methods, args, out,
                        description=f"{args.data} (target {', '.join(tnames)})")


def _cmd_euclid(args):
    from .tasks import euclid

    if args.quick:
        args.runs, args.epochs = 8, 200
    task = euclid(args.n_samples, hidden=args.hidden, random_state=args.seed)
    args.activation, args.rtol, args.hidden = "relu", 0.01, (args.hidden,)
    methods = _methods(["pyramid", "fit_global", "adam", "sgd", "lbfgs"], args.hidden, "relu",
                       args.epochs, 3, 2, 1)
    out = _out_dir(args.out)
    return _run_compare(task.X, task.y, "euclid", methods, args, out,
                        target=_euclid_target, description=task.description)


def _euclid_target(P):
    return np.hypot(P[:, 0], P[:, 1])


# ----------------------------------------------------------------------------- check

def _cmd_check(args):
    import matplotlib

    matplotlib.use("Agg")

    from .check import check
    from .plot import CheckDisplay

    net = load_model(args.model, args.activation, args.output, args.hidden)
    X, y, _, _ = load_data(args.data, args.target, args.features)
    report = check(net, X, y, rtol=args.rtol, n_restarts=args.restarts,
                   random_state=args.seed, n_jobs=args.n_jobs, progress=_progress())
    print(report)
    if args.out:
        out = _out_dir(args.out)
        _atomic_write(out / "check.json", report.save)
        disp = CheckDisplay.from_report(report).plot()
        _save_figure(disp.figure_, out / "check.png")
        best = out / "best.json"
        _atomic_write(best, lambda tmp: Path(tmp).write_text(
            json.dumps(report.best["network"].to_dict())))
        print(f"\nWrote {out / 'check.json'}, {out / 'check.png'} and {best} (the best-known "
              "network: exactfit.Network.from_dict, then .to_torch() / .to_sklearn() / "
              ".to_keras_weights())")
    return 0


# ----------------------------------------------------------------------------- sweep

def _cmd_sweep(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plot import SweepHeatmapDisplay, SweepWidthDisplay
    from .sweep import sweep
    from .tasks import Task

    X, y, _, _ = load_data(args.data, args.target, args.features)
    out = _out_dir(args.out)
    kwargs = _checkpoint_kwargs(sweep, out, "sweep", args.resume)
    task = Task(Path(args.data).stem, X, y, hidden=(args.widths[0],))
    report = sweep(task, optimizers=args.optimizers, activations=args.activations,
                   widths=args.widths, dropout=args.dropout, n_seeds=args.seeds, rtol=args.rtol,
                   backend=args.backend, epochs=args.epochs,
                   reference_restarts=args.reference_restarts, random_state=args.seed,
                   n_jobs=args.n_jobs, progress=_progress(), **kwargs)
    print(report)
    _atomic_write(out / "sweep.json", report.save)
    _atomic_write(out / "sweep.md", lambda tmp: Path(tmp).write_text(report.to_markdown()))
    panels = []
    if len(args.optimizers) > 1 or len(args.activations) > 1:
        panels.append("grid")
    if len(args.widths) > 1 or len(args.dropout) > 1:
        panels.append("width")
    panels = panels or ["width"]
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 5.5), squeeze=False,
                             layout="constrained")
    for ax, kind in zip(axes[0], panels):
        if kind == "grid":
            SweepHeatmapDisplay.from_report(report, width=args.widths[0],
                                            dropout=args.dropout[0]).plot(ax=ax)
        else:
            SweepWidthDisplay.from_report(report).plot(ax=ax)
    _save_figure(fig, out / "sweep.png")
    print(f"\nWrote {out / 'sweep.json'}, {out / 'sweep.md'} and {out / 'sweep.png'}")
    return _finish_checkpoint(report, kwargs)


# --------------------------------------------------------------------------- certify

CERTIFY_METHODS = ("local", "exact_1d", "exact_2d", "convex_relu")


def _cmd_certify(args):
    from . import certify

    X, y, _, _ = load_data(args.data, args.target, args.features)
    if args.method == "local":
        if not args.model:
            raise UsageError("--method local checks a given network: add --model MODEL.")
        res = certify.local(load_model(args.model, args.activation, "linear"), X, y)
        keys = ("verdict", "grad_norm", "min_eigenvalue")
    elif args.method in ("exact_1d", "exact_2d"):
        fn = getattr(certify, args.method, None)
        if fn is None:
            raise UsageError(f"{args.method} is not in this version of exactfit.")
        d = 1 if args.method == "exact_1d" else 2
        if X.shape[1] != d or y.ndim != 1:
            raise UsageError(f"{args.method} needs {d} input column(s) and one target; the "
                             f"data have {X.shape[1]} input column(s).")
        res = fn(X, y, hidden=args.hidden, max_time=args.max_time)
        keys = ("n_configurations", "certificate")
    else:
        if args.beta is None:
            raise UsageError("--method convex_relu needs --beta (the weight decay).")
        res = certify.convex_relu(X, y, args.beta, random_state=args.seed)
        keys = ("objective", "duality_gap", "complete", "effective_width")
    print(f"{res['method']}: {res.get('message', '')}")
    print(f"  loss (MSE) {res['loss']:.6g}; evidence {res.get('evidence')}")
    for k in keys:
        if k in res:
            v = res[k]
            print(f"  {k}: {v:.6g}" if isinstance(v, float) else f"  {k}: {v}")
    if args.out:
        out = _out_dir(args.out)
        path = out / f"{args.method}.json"
        _atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(
            {k: v for k, v in res.to_dict().items()
             if k in ("method", "loss", "evidence", "message", "network") + keys},
            default=_jsonable)))
        print(f"Wrote {path}")
    return 0


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


# ---------------------------------------------------------------------------- parser

def _restarts(text):
    if text == "auto":
        return text
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{err}, or 'auto'") from None


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def _nonneg_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return v


def _positive_float(text):
    v = _nonneg_float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def _fraction(text):
    v = _nonneg_float(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return v


def _jobs(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer (-1: all cores), got {text!r}") \
            from None
    if v == 0:
        raise argparse.ArgumentTypeError("0 jobs: use 1 (sequential) or -1 (all cores)")
    return v


def _data_args(p, target_required=True):
    p.add_argument("data", metavar="DATA", help="CSV file with a header row, .npz or .npy")
    p.add_argument("--target", nargs="+", required=target_required, metavar="COL",
                   help="target column(s): a CSV column name, a .npz array name, a .npy "
                        "column index")
    p.add_argument("--features", nargs="+", default=None, metavar="COL",
                   help="input columns (default: every other column; .npz: the array X)")


def _common(p, n_jobs=1):
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    p.add_argument("--n-jobs", type=_jobs, default=n_jobs,
                   help="parallel workers (joblib; -1 = all cores)")


def build_parser():
    """The argparse parser of the ``exactfit`` command."""
    from .activations import ACTIVATIONS

    parser = _Parser(prog="exactfit", description="exactfit: is the architecture unable, or is "
                     "gradient descent failing? Your data and your model, from the shell. "
                     "`exactfit COMMAND --help` shows each command's options and defaults.")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the Python traceback instead of one line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("compare", help="gradient descent against the optimum, on your data",
                       description="Benchmark: how often does gradient descent reach the "
                       "best-known optimum of your architecture on your data? Prints a verdict "
                       "and the table; writes OUT/report.json and OUT/compare.png.")
    _data_args(p)
    p.add_argument("--hidden", type=_positive_int, nargs="+", default=[3], metavar="UNITS",
                   help="units per hidden layer (e.g. --hidden 4 4 for two layers)")
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="hidden activation (scikit-learn's trainers: relu, tanh, sigmoid, linear)")
    p.add_argument("--runs", type=_positive_int, default=30, help="seeds per method")
    p.add_argument("--methods", nargs="+", choices=COMPARE_METHODS,
                   default=["fit_global", "adam", "sgd", "lbfgs"],
                   help="methods to compare (adam, sgd, lbfgs: scikit-learn's MLPRegressor; "
                        "pyramid: the construction, 2 inputs only)")
    p.add_argument("--epochs", type=_positive_int, default=500,
                   help="epochs of adam/sgd, iterations of lbfgs")
    p.add_argument("--restarts", type=_restarts, default="auto",
                   help="fewest starts of fit_global (default auto: see fit_global)")
    p.add_argument("--rtol", type=_nonneg_float, default=0.01,
                   help="a run succeeds within (1 + rtol) x the best loss")
    p.add_argument("--out", default="exactfit_compare",
                   help="folder for report.json, compare.png and the checkpoint")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from OUT/compare.checkpoint.json")
    _common(p)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("check", help="is a trained model the best its architecture can do?",
                       description="Compare a trained model with the best-known network of the "
                       "same architecture on the same data, say what is wrong with it and "
                       "whether training or capacity is the problem.")
    p.add_argument("model", metavar="MODEL",
                   help="exactfit .json (FitResult.save, Network.to_dict), torch state dict "
                        ".pt/.pth, Keras weights .npz (np.savez(f, *model.get_weights())), "
                        "scikit-learn .joblib/.pkl")
    _data_args(p)
    p.add_argument("--hidden", type=_positive_int, nargs="+", default=None, metavar="UNITS",
                   help="hidden layer sizes the model must have (checked against the file)")
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="hidden activation of a state dict or Keras weights")
    p.add_argument("--output", choices=ACTIVATIONS, default="linear",
                   help="output activation of a state dict or Keras weights")
    p.add_argument("--restarts", type=_restarts, default="auto",
                   help="fewest starts of fit_global besides your model's weights "
                        "(default auto: see fit_global)")
    p.add_argument("--rtol", type=_nonneg_float, default=0.01,
                   help="your model is at the optimum within (1 + rtol) x the best known")
    p.add_argument("--out", default=None,
                   help="folder for check.json, check.png and best.json (default: print only)")
    _common(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("sweep", help="success of gradient descent over a grid of remedies",
                       description="Success rate of gradient descent over optimizers x "
                       "activations x widths x dropout, each cell judged against the optimum of "
                       "its own architecture. Writes OUT/sweep.json, OUT/sweep.md, OUT/sweep.png.")
    _data_args(p)
    p.add_argument("--optimizers", nargs="+", default=["adam"],
                   help="Keras optimizers (torch backend) or adam/sgd/lbfgs (sklearn backend)")
    p.add_argument("--activations", nargs="+", choices=ACTIVATIONS, default=["relu"],
                   help="hidden activations")
    p.add_argument("--widths", type=_positive_int, nargs="+", default=[3],
                   help="hidden units (one hidden layer)")
    p.add_argument("--dropout", type=_fraction, nargs="+", default=[0.0],
                   help="dropout rates (torch backend)")
    p.add_argument("--seeds", type=_positive_int, default=100, help="runs per cell")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="epochs per run (default: the trainer's, 200)")
    p.add_argument("--backend", choices=("torch", "sklearn"), default="torch",
                   help="torch: Keras-faithful batched trainer (needs PyTorch); sklearn: "
                        "MLPRegressor")
    p.add_argument("--reference-restarts", type=_positive_int, default=24,
                   help="fit_global starts for each architecture's optimum")
    p.add_argument("--rtol", type=_nonneg_float, default=0.01,
                   help="a run succeeds within (1 + rtol) x its architecture's optimum")
    p.add_argument("--out", default="exactfit_sweep",
                   help="folder for sweep.json, sweep.md, sweep.png and the checkpoint")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from OUT/sweep.checkpoint.json")
    _common(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("certify", help="certificates: exact 1-D/2-D optimum, convex program, "
                                       "local check",
                       description="exact_1d / exact_2d: the certified global MSE optimum of a "
                       "width-k ReLU network on 1-D / 2-D data; convex_relu: the convex program "
                       "of a weight-decayed two-layer ReLU network; local: is a given network a "
                       "local minimum?")
    _data_args(p)
    p.add_argument("--method", choices=CERTIFY_METHODS, required=True, help="which certificate")
    p.add_argument("--hidden", type=_positive_int, default=2,
                   help="hidden units (exact_1d, exact_2d)")
    p.add_argument("--max-time", type=_positive_float, default=None,
                   help="stop exact_1d / exact_2d after this many seconds: the best found so "
                        "far, not certified (default: no limit)")
    p.add_argument("--beta", type=_nonneg_float, default=None,
                   help="weight decay (convex_relu; required there)")
    p.add_argument("--model", default=None, help="the network to check (local): as for check")
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="hidden activation of a state dict or Keras weights (local)")
    p.add_argument("--out", default=None,
                   help="folder for METHOD.json with the certified network (default: print only)")
    _common(p)
    p.set_defaults(func=_cmd_certify)

    p = sub.add_parser("euclid", help="the headline example: 2 -> 3 ReLU -> 1 on sqrt(x^2+y^2)",
                       description="Can a 2 -> 3 ReLU -> 1 network learn sqrt(x^2 + y^2)? The "
                       "pyramid construction, fit_global and scikit-learn's gradient descent "
                       "over many seeds. Writes OUT/report.json and OUT/compare.png.")
    p.add_argument("--quick", action="store_true", help="8 runs, 200 epochs")
    p.add_argument("--runs", type=_positive_int, default=30, help="seeds per method")
    p.add_argument("--epochs", type=_positive_int, default=500,
                   help="epochs of adam/sgd, iterations of lbfgs")
    p.add_argument("--n-samples", type=_positive_int, default=2000, help="points in [-1, 1]^2")
    p.add_argument("--hidden", type=_positive_int, default=3, help="hidden ReLU units")
    p.add_argument("--out", default="exactfit_euclid", help="folder for report.json and "
                                                            "compare.png")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from OUT/compare.checkpoint.json")
    _common(p, n_jobs=-1)
    p.set_defaults(func=_cmd_euclid)
    return parser


def main(argv=None):
    """Run the ``exactfit`` command; returns the exit status (0, 2 for bad input, 130 on Ctrl-C)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    prog = f"exactfit {args.command}"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted" + (" (rerun with --resume to continue)"
                                        if hasattr(args, "resume") else ""), file=sys.stderr)
        return 130
    except (UsageError, ValueError, TypeError, ImportError, OSError) as exc:
        if args.traceback:
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{prog}: error: {msg}", file=sys.stderr)
        return 2

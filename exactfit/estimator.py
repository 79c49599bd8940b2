"""GlobalMLPRegressor: scikit-learn's MLPRegressor interface, fitted by exactfit.fit_global."""

import inspect

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_hidden
from .activations import check_activation
from .search import fit_global

__all__ = ["GlobalMLPRegressor"]

# scikit-learn's activation names -> exactfit's (both are accepted).
_FROM_SKLEARN = {"logistic": "sigmoid", "identity": "linear"}


class GlobalMLPRegressor(RegressorMixin, BaseEstimator):
    """A fully connected regressor fitted by :func:`exactfit.fit_global`.

    The same model and fitted attributes as scikit-learn's ``MLPRegressor`` (a
    linear output, no weight decay), but the weights are the best-known optimum
    of the MSE found by a multistart global search instead of one gradient-descent
    run. Use it in a ``Pipeline``, ``GridSearchCV`` or ``cross_val_score``; export
    the fitted network with ``network_.to_torch()`` or ``network_.to_keras_weights()``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(3,)
        Units per hidden layer.
    activation : str, default="relu"
        Hidden activation: scikit-learn's names (relu, tanh, logistic, identity) or
        any of :data:`exactfit.ACTIVATIONS` (leaky_relu, elu, selu, softplus, ...).
    n_restarts : int or "auto", default="auto"
        Fewest starts of the search (:func:`exactfit.fit_global`'s default "auto":
        45, unless an exact fit ends it sooner).
    max_restarts : int, optional
        Upper bound on the starts of a search with a stopping rule (passed only
        when set).
    max_time : float, optional
        Time budget in seconds of such a search (passed only when set).
    maxiter : int, default=3000
        L-BFGS iterations per stage of each start.
    random_state : int, RandomState or None, default=None
        Seeds the search.
    n_jobs : int, optional
        Starts run through joblib.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape ``(n_in, n_out)`` as in MLPRegressor.
    intercepts_ : list of ndarray
    loss_ : float
        MSE on the training data (not halved: MLPRegressor's ``loss_`` is half the
        squared error).
    result_ : FitResult
        The search's result (``message``, ``restart_losses``, ...).
    evidence_ : str
        What backs the loss (:data:`exactfit.EVIDENCE`).
    network_ : Network
    n_features_in_, n_outputs_, n_layers_, n_iter_ : int
    out_activation_ : str
        ``"identity"``.

    Examples
    --------
    >>> import numpy as np
    >>> from exactfit import GlobalMLPRegressor
    >>> X = np.random.RandomState(0).uniform(-1, 1, size=(200, 2))
    >>> y = np.hypot(X[:, 0], X[:, 1])
    >>> est = GlobalMLPRegressor(hidden_layer_sizes=3, random_state=0).fit(X, y)
    >>> est.score(X, y) > 0.95
    True
    """

    def __init__(self, hidden_layer_sizes=(3,), activation="relu", n_restarts="auto",
                 max_restarts=None, max_time=None, maxiter=3000, random_state=None,
                 n_jobs=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.n_restarts = n_restarts
        self.max_restarts = max_restarts
        self.max_time = max_time
        self.maxiter = maxiter
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Find the best-known network for ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             dtype=np.float64)
        hidden = check_hidden(self.hidden_layer_sizes, "hidden_layer_sizes")
        act = _FROM_SKLEARN.get(self.activation, self.activation)
        check_activation(act, "activation")
        options = {}
        params = inspect.signature(fit_global).parameters
        for name in ("max_restarts", "max_time"):
            value = getattr(self, name)
            if value is not None:
                if name not in params:
                    raise TypeError(f"{name}={value!r} needs a fit_global with a stopping rule; "
                                    "this version of exactfit has none.")
                options[name] = value
        self._y_1d = y.ndim == 1
        res = fit_global(X, y, hidden=hidden, activation=act, n_restarts=self.n_restarts,
                         maxiter=self.maxiter, random_state=self.random_state,
                         n_jobs=self.n_jobs, **options)
        net = res.network
        self.result_ = res
        self.network_ = net
        self.evidence_ = res.get("evidence", "search")
        self.loss_ = float(res.loss)
        self.coefs_ = [W.copy() for W in net.weights]
        self.intercepts_ = [b.copy() for b in net.biases]
        self.n_outputs_ = net.n_outputs
        self.n_layers_ = len(net.layer_sizes)
        self.n_iter_ = int(res.get("nit", 0))
        self.out_activation_ = "identity"
        return self

    def predict(self, X):
        """The network's output: shape ``(n_samples,)`` when fitted on a 1-D y."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        out = self.network_.forward(X)[1][-1]
        return out[:, 0] if self._y_1d else out

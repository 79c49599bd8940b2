import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from exactfit.search import UnconfirmedOptimumWarning
from exactfit.search._stopping import Minima, _posterior_sum, posterior


@pytest.mark.parametrize("n,w", [(5, 1), (10, 2), (20, 3), (30, 10), (6, 3), (5, 3)])
def test_posterior_closed_forms_match_the_summed_posterior(n, w):
    expected, p_better = posterior(n, w)
    mean, unseen = _posterior_sum(n, w)
    # Boender & Rinnooy Kan's mean number of minima, w (n - 1) / (n - w - 2)
    if n > w + 2:
        # (the sum is cut after 2e6 terms: its tail, ~K^(w+1-n), costs 1e-5 at n = w + 3)
        assert expected == pytest.approx(mean, rel=1e-4)
    else:
        assert np.isinf(expected)
    # chance that the global minimum is an unseen one: E[(K - w) / K] = w / (n - 1)
    assert p_better == pytest.approx(unseen, rel=1e-5)


def test_posterior_without_evidence():
    assert posterior(2, 1) == (np.inf, 1.0)  # improper posterior: no evidence yet
    assert posterior(1, 1)[1] == 1.0
    with pytest.raises(ValueError):
        posterior(2, 3)


def test_minima_classes_and_copies():
    m = Minima(rtol=1e-4, floor=1e-12)
    for f in [1.0, 1.00002, 1.5, 1.2, 1.20001]:
        m.add(f)
    assert m.best == 1.0
    assert m.n_reached == 2  # 1.0 and 1.00002 are one minimum
    assert m.n_minima == 3
    m.orbit = [1.0, 1.2]  # 1.2 is a symmetric copy of the best
    assert m.n_reached == 4 and m.n_minima == 2
    m.add(np.inf)  # a failed start: no loss, not a minimum
    assert m.n_failed == 1 and m.n_minima == 2 and len(m.finite) == 5
    m.add(0.5, counted=False)  # a warm start competes for the best, uncounted
    assert m.best == 0.5 and m.n_reached == 0 and not m.confirmed(1)


def test_exact_fit_confirms_itself():
    m = Minima(rtol=1e-4, floor=1e-12)
    m.add(0.3)
    m.add(1e-20)
    assert m.exact and m.confirmed(3)
    assert m.summary()[3] == 0.0  # nothing can be lower than an exact fit


def test_warning_class_can_be_filtered_as_convergence_warning():
    assert issubclass(UnconfirmedOptimumWarning, ConvergenceWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.warn("x", UnconfirmedOptimumWarning)


def test_coverage_keeps_the_rule_going_while_new_minima_keep_appearing():
    m = Minima(rtol=1e-4, floor=1e-12)
    for i in range(5):
        m.add(1.0)
        m.add(2.0 + i)
        m.add(10.0 + i)  # two new minima for every start at the best
    assert m.n_reached == 5 and m.unseen == pytest.approx(2 / 3)
    assert m.share == pytest.approx(1 / 3)
    assert not m.confirmed(5)  # 5 agreed, but most starts still find something new
    m.add(1.0)
    m.add(1.0)
    assert not m.confirmed(5)  # 10 singletons of 17 starts, 7 at the best
    m.add(1.0)
    m.add(1.0)
    m.add(1.0)
    assert m.confirmed(5) and m.unseen == m.share == 0.5
    # a dominant best: confirmed as soon as 5 starts agree
    d = Minima(rtol=1e-4, floor=1e-12)
    for f in [1.0, 3.0, 1.0, 1.0, 1.0, 1.0]:
        d.add(f)
    assert d.confirmed(5) and not d.confirmed(6)


def test_kink_minima_of_one_arrangement_are_one_minimum():
    P = np.zeros((10, 2), bool)
    P[:5, 0] = P[3:, 1] = True
    A = np.ones((2, 1))
    Q = P.copy()
    Q[9, 1] = False  # one sample across one boundary (10% of 10 samples: beyond 2%)
    m = Minima(rtol=1e-4, floor=1e-12)
    m.add(1.0, arrangement=(P, A))
    m.add(1.01, arrangement=(P, A))  # another kink minimum, same arrangement
    m.add(1.02, arrangement=(Q, A))
    assert m.n_minima == 2 and m.counts == [2, 1]
    assert m.unseen == pytest.approx(1 / 3)
    m.add(1.03)  # no arrangement: told apart by loss only
    assert m.n_minima == 3


def test_copies_of_the_best_are_one_minimum_for_coverage():
    m = Minima(rtol=1e-4, floor=1e-12)
    m.add(1.0)
    m.orbit = [1.0, 1.01]
    m.add(1.01)  # a copy: its own class by loss, but the best's minimum
    m.add(2.0)
    assert m.n_minima == 2 and m.unseen == pytest.approx(1 / 3)


@pytest.mark.parametrize("n", [1, 5, 12, 40])
def test_missable_share_is_the_95_percent_detection_bound(n):
    # A basin drawing a share just above `missable` of the starts is missed by all n
    # independent starts in at most 5% of searches (simulated), one just below it in more.
    m = Minima(rtol=1e-4, floor=1e-12)
    for i in range(n):
        m.add(1.0 + i)
    s = m.missable
    rs = np.random.RandomState(0)
    missed_above = np.mean(np.all(rs.rand(20000, n) >= s * 1.05, axis=1))
    missed_below = np.mean(np.all(rs.rand(20000, n) >= s * 0.95, axis=1))
    assert missed_above < 0.05 < missed_below
    assert Minima(rtol=1e-4, floor=1e-12).missable == 1.0


def test_grown_starts_compete_and_are_reported_but_do_not_confirm():
    """Starts marked dependent (grown ones) agreeing on a minimum do not confirm it: the
    rule's counts are the independent starts', which here keep finding new minima."""
    m = Minima(rtol=1e-4, floor=1e-12)
    for i in range(6):
        m.add(1.0, independent=False)  # a greedy build ends in the same minimum each time
        m.add(1.0 + 0.1 * (i + 1))  # the independent starts each find a new one
    assert m.n_reached == 6 and m.n_minima == 7  # reported over all counted starts
    assert m.n_ruled == 6 and m.n_reached_ruled == 0
    assert m.unseen == 1.0 and m.share == 0.0
    assert not m.confirmed(5)
    # the same sequence with every start independent: 6 of 12 agree, confirmed
    a = Minima(rtol=1e-4, floor=1e-12)
    for i in range(6):
        a.add(1.0)
        a.add(1.0 + 0.1 * (i + 1))
    assert a.confirmed(5) and a.unseen == a.share == 0.5
    # a lower minimum found by a grown start is the best all the same
    m.add(0.5, independent=False)
    assert m.best == 0.5 and m.n_reached == 1 and m.n_reached_ruled == 0
    # the fewest-starts statement is about every counted start
    assert m.missable == pytest.approx(1 - 0.05 ** (1 / 13))


def test_when_every_start_is_dependent_the_rule_counts_them():
    m = Minima(rtol=1e-4, floor=1e-12)
    for _ in range(5):
        m.add(1.0, independent=False)
    m.add(2.0, independent=False)
    assert m.n_ruled == 6 and m.n_reached_ruled == 5 and m.confirmed(5)

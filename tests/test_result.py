import numpy as np

from exactfit import FitResult, Network


def test_repr_and_round_trip(tmp_path):
    net = Network([np.eye(2), np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
    res = FitResult(network=net, loss=0.5, method="test", loss_curve=np.linspace(1, 0, 50),
                    restart_losses=np.array([0.5, 0.7]), time=0.1, random_state=3,
                    start_minima=np.array([0.5, np.inf]), start_minimum_ids=np.array([0, -1]))
    text = repr(res)
    assert text.splitlines()[0].strip().startswith("message")
    assert "loss: 0.5" in text and "(len 50)" in text
    assert res.evidence == "none" and res.success
    res.save(tmp_path / "r.json")
    back = FitResult.load(tmp_path / "r.json")
    assert back.network == net
    np.testing.assert_array_equal(back.loss_curve, res.loss_curve)
    np.testing.assert_array_equal(back.start_minima, res.start_minima)
    assert back.start_minimum_ids.dtype.kind == "i" and list(back.start_minimum_ids) == [0, -1]
    assert back.random_state == 3 and back.method == "test"

"""Sweeps on a dask.distributed cluster (loopback only) give the n_jobs=1 table."""

import joblib
import pytest

import exactfit
from exactfit import sweep


def _table(report):
    return [(r["optimizer"], r["activation"], r["width"], r["successes"],
             round(r["median_ratio"], 9), r["best_loss"]) for r in report.rows]


@pytest.mark.parametrize("processes", [True])
def test_dask_cluster_gives_the_same_table(processes):
    distributed = pytest.importorskip("distributed", reason="needs the extra exactfit[dask]")
    task = exactfit.tasks.euclid(200, random_state=4)
    kw = dict(optimizers=("lbfgs", "sgd"), activations=("relu",), widths=(2, 3), n_seeds=2,
              backend="sklearn", epochs=20, reference_restarts=3, progress=False)
    local = sweep(task, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            remote = sweep(task, **kw)
        # The trials really ran on the cluster's workers (4 references + 4 cells at least).
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert sum(executed.values()) >= 8
    assert _table(local) == _table(remote)

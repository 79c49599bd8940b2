"""The task zoo: can the architecture do it? Each task's construction beside fit_global.

For every zoo task (``exactfit.tasks``) with the architecture in question, print
the construction of ``exactfit.construct.for_task`` (exact where an exact network
exists, otherwise the best network we know how to build, with a proved bound) and
what ``exactfit.fit_global`` finds with its default call. How often gradient
descent gets there is measured by ``python benchmarks/zoo.py`` (1000 seeds per
task, about 45 minutes); this script takes well under a minute.

Run: ``python examples/zoo.py`` (``--tasks xor sawtooth3_deep`` for some of them).
"""

import argparse
import time

import numpy as np

import exactfit
from exactfit import tasks
from exactfit.construct import for_task

TASKS = {
    "xor": lambda: tasks.xor(),
    "absolute": lambda: tasks.absolute(),
    "maximum": lambda: tasks.maximum(),
    "square": lambda: tasks.square(),
    "product": lambda: tasks.product(),
    "parity3": lambda: tasks.parity(3),
    "parity4": lambda: tasks.parity(4),
    "sawtooth3_deep": lambda: tasks.sawtooth(3),
    "sawtooth3_shallow": lambda: tasks.sawtooth(3, hidden=8),
    "teacher_student": lambda: tasks.teacher_student(6, 6, n_samples=1000),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    args = p.parse_args(argv)
    head = f"{'task':18s} {'network':10s} {'construction':>13s} {'evidence':8s} " \
           f"{'fit_global':>10s} {'[s]':>5s}  how the construction is built"
    print(head)
    print("-" * len(head))
    for key in args.tasks:
        task = TASKS[key]()
        con = for_task(task)
        t0 = time.perf_counter()
        fg = exactfit.fit_global(task.X, task.y, hidden=task.hidden, random_state=0)
        arch = "-".join(str(s) for s in (task.X.shape[1],) + task.hidden + (1,))
        rel = lambda v: f"{v / np.var(task.y):.2e}"  # noqa: E731
        print(f"{key:18s} {arch:10s} {rel(con.loss):>13s} {con.evidence:8s} "
              f"{rel(fg.loss):>10s} {time.perf_counter() - t0:5.1f}  {con.message}",
              flush=True)
    print("\nLosses are MSE / var(y) on each task's data. 'exact': zero loss by "
          "construction (rounding only); 'none': the best-known network, with its bound "
          "in the message.")


if __name__ == "__main__":
    main()

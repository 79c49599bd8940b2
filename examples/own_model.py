"""Is my trained network the best its architecture can do? ``exactfit check`` on a torch model.

Trains a 2 -> 3 ReLU -> 1 ``torch.nn.Sequential`` the usual way (Adam, lr 0.01, full
batch, float32) on sqrt(x1^2 + x2^2) at random points of the square, saves its
state dict and the data as a CSV, exactly as a user would hand them in, and runs
the command line on them:

    exactfit check model.pt distance.csv --target dist --hidden 3 --activation relu --out OUT

Needs the torch extra (``pip install torch==2.13.0 && pip install -e ".[torch]"``).
Run: ``python examples/own_model.py`` (about 15 seconds).
"""

import argparse
import os

import numpy as np

from exactfit.cli import main as exactfit_cli


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--n-samples", type=int, default=300, help="rows of distance.csv")
    p.add_argument("--steps", type=int, default=300, help="full-batch Adam steps")
    p.add_argument("--seed", type=int, default=1, help="data and torch seed")
    p.add_argument("--out", default="own_model_out",
                   help="folder: model.pt, distance.csv and check's files are saved here")
    args = p.parse_args(argv)

    import torch

    os.makedirs(args.out, exist_ok=True)
    rs = np.random.RandomState(args.seed)
    X = rs.uniform(-1, 1, (args.n_samples, 2))
    y = np.sqrt((X ** 2).sum(axis=1))
    data = os.path.join(args.out, "distance.csv")
    np.savetxt(data, np.c_[X, y], delimiter=",", header="x1,x2,dist", comments="")

    torch.manual_seed(args.seed)  # torch's own generator: the user's training, not exactfit's
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32)[:, None]
    for _ in range(args.steps):
        opt.zero_grad()
        loss = ((model(Xt) - yt) ** 2).mean()
        loss.backward()
        opt.step()
    path = os.path.join(args.out, "model.pt")
    torch.save(model.state_dict(), path)
    print(f"Trained nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)) for {args.steps} Adam "
          f"steps: MSE {loss.item():.4g} (float32)\n")
    return exactfit_cli(["check", path, data, "--target", "dist", "--hidden", "3",
                         "--activation", "relu", "--out", args.out])


if __name__ == "__main__":
    raise SystemExit(main())

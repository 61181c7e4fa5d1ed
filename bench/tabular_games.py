"""Games of trained networks that are not in the repository, for the solver benchmark.

A small MLP (scikit-learn's MLPClassifier, two hidden layers of 32) is trained on the first n
standardised features of a data set scikit-learn ships (breast cancer, wine); each game is one
held-out row's v(S): the log-odds of the class the network predicts for the row, with the
features outside S at their training mean. Prints JSON: {"n", "games": [{"dataset", "row",
"values"}]}.

Usage: python bench/tabular_games.py N COUNT
"""

from __future__ import annotations

import json
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

DATASETS = {"breast-cancer": load_breast_cancer, "wine": load_wine}


def games(n: int, count: int) -> list[dict]:
    out = []
    masks = np.arange(2**n)
    present = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    for name, load in DATASETS.items():
        x, y = load(return_X_y=True)
        order = np.random.default_rng(0).permutation(len(x))
        train, test = order[: int(0.7 * len(x))], order[int(0.7 * len(x)) :]
        scaler = StandardScaler().fit(x[train, :n])
        x = scaler.transform(x[:, :n])
        net = MLPClassifier(hidden_layer_sizes=(32, 32), max_iter=2000, random_state=0)
        net.fit(x[train], y[train])
        for row in test[:count]:
            # the training mean is 0 after standardising
            inputs = np.where(present, x[row][None, :], 0.0)
            target = int(net.predict(x[row][None, :])[0])
            p = np.clip(net.predict_proba(inputs)[:, target], 1e-12, 1 - 1e-12)
            values = np.log(p) - np.log1p(-p)
            out.append({"dataset": name, "row": int(row), "values": values.tolist()})
    return out


if __name__ == "__main__":
    n, count = int(sys.argv[1]), int(sys.argv[2])
    json.dump({"n": n, "games": games(n, count)}, sys.stdout)

"""The demo's AND-OR LPs (method.md 3) on native HiGHS (SciPy) against `layerwise interactions`.

Each game of bench/demoGames.ts's output is written as a .npy vector, solved by the project's
`exact` solver through the CLI (its own solve time, from the output file), and given to SciPy's
HiGHS as a sparse LP: the OR part uses one extra variable for the sum of all OR terms, so a row
T holds 2^|T| + 2^(n-|T|) + 2 nonzeros instead of the dense 2^n. Prints one Markdown row per
game and method.

.venv/bin/python bench/scipy_highs.py GAMES.json N SAMPLE LAYER [METHOD ...]
(methods: highs-ds, highs-ipm; default both)
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.optimize import linprog
from tabular_games import games as tabular_games

ROOT = Path(__file__).resolve().parent.parent
KAPPA_FACTOR = 0.04


def subsets(mask: int):
    subset = mask
    while True:
        yield subset
        if subset == 0:
            return
        subset = (subset - 1) & mask


def highs_optimum(values: np.ndarray, kappa: float, method: str) -> tuple[float, float, int]:
    """The LP optimum, HiGHS's seconds (building the matrix excluded) and iterations."""
    size = len(values)
    full = size - 1
    order = np.array([bin(mask).count("1") for mask in range(size)])
    # columns: and (size; and[0] is the free constant), or (size), or_total, delta (size)
    total_column, delta_column = 2 * size, 2 * size + 1
    rows, cols, coefficients = [], [], []
    for row in range(size):
        for subset in subsets(row):
            rows.append(row), cols.append(subset), coefficients.append(1.0)
        # sum over S meeting T of or(S) = or_total - sum over S inside N \ T of or(S)
        for subset in subsets(full ^ row):
            if order[subset] >= 2:
                rows.append(row), cols.append(size + subset), coefficients.append(-1.0)
        rows.append(row), cols.append(total_column), coefficients.append(1.0)
        rows.append(row), cols.append(delta_column + row), coefficients.append(1.0)
    for subset in range(size):
        if order[subset] >= 2:
            rows.append(size), cols.append(size + subset), coefficients.append(-1.0)
    rows.append(size), cols.append(total_column), coefficients.append(1.0)
    matrix = sp.csr_matrix((coefficients, (rows, cols)), shape=(size + 1, 3 * size + 1))
    # |term| as positive minus negative part, cost 1 each; OR terms of order < 2 are fixed at 0
    terms = matrix[:, : 2 * size]
    split = sp.hstack([terms, -terms, matrix[:, 2 * size :]]).tocsc()
    term_cost = np.ones(2 * size)
    term_cost[0] = 0.0
    term_upper = np.full(2 * size, np.inf)
    term_upper[size:][order < 2] = 0.0
    cost = np.concatenate([term_cost, term_cost, np.zeros(size + 1)])
    bounds = [(0.0, upper) for upper in term_upper] * 2 + [(None, None)] + [(-kappa, kappa)] * size
    started = time.perf_counter()
    result = linprog(
        cost,
        A_eq=split,
        b_eq=np.concatenate([values, [0.0]]),
        bounds=bounds,
        method=method,
    )
    seconds = time.perf_counter() - started
    if result.status != 0:
        raise RuntimeError(f"HiGHS ended with status {result.status}: {result.message}")
    return result.fun, seconds, result.nit


def exact_optimum(values: np.ndarray) -> tuple[float, float, int]:
    """The objective, solve seconds and pivots of `layerwise interactions --solver exact`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        np.save(path / "values.npy", values)
        subprocess.run(
            ["node", str(ROOT / "bin" / "layerwise.js"), "interactions", str(path / "values.npy")]
            + ["--out", str(path / "out.json"), "--kappa-factor", str(KAPPA_FACTOR)],
            check=True,
            capture_output=True,
        )
        solved = json.loads((path / "out.json").read_text())
    return solved["objective"], solved["seconds"], solved["iterations"]


def compare(label: str, values: np.ndarray, methods: list[str]) -> None:
    kappa = KAPPA_FACTOR * abs(values[-1] - values[0])
    objective, seconds, pivots = exact_optimum(values)
    print(f"| {label} | layerwise exact | {seconds:.2f} | {pivots} | {objective:.9f} |", flush=True)
    for method in methods or ["highs-ds", "highs-ipm"]:
        optimum, seconds, iterations = highs_optimum(values, kappa, method)
        print(
            f"| {label} | SciPy {scipy.__version__} {method} | "
            f"{seconds:.2f} | {iterations} | {optimum:.9f} |",
            flush=True,
        )


def main() -> None:
    print("| game | solver | seconds | iterations | objective |")
    print("| --- | --- | --- | --- | --- |")
    if sys.argv[1] == "tabular":
        n, count, *methods = sys.argv[2:]
        for game in tabular_games(int(n), int(count)):
            values = np.array(game["values"], dtype=np.float64)
            compare(f"n = {n}, {game['dataset']} row {game['row']}", values, methods)
        return
    games_path, n, sample, layer, *methods = sys.argv[1:]
    game = next(
        g
        for g in json.loads(Path(games_path).read_text())
        if g["n"] == int(n) and g["sample"] == int(sample) and g["layer"] == layer
    )
    values = np.array(game["values"], dtype=np.float64)
    compare(f"n = {n}, sample {sample}, {layer}", values, methods)


if __name__ == "__main__":
    main()

"""The `exact` AND-OR solver against scipy's HiGHS on the full LP, built here from method.md 3.

Independent of the engine's code and of the JavaScript LP solver the TypeScript tests use:
the LP is assembled with numpy from the definitions (AND atom 1[S subset of T], OR atom
1[S meets T], |delta_T| <= kappa) and solved by scipy.optimize.linprog.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parent.parent


def popcount(mask: int) -> int:
    return bin(mask).count("1")


def atoms(n: int) -> tuple[np.ndarray, np.ndarray]:
    """AND and OR atoms as 2^n x 2^n 0/1 matrices (rows T, columns S)."""
    masks = np.arange(1 << n)
    t = masks[:, None]
    s = masks[None, :]
    return ((s & t) == s).astype(float), ((s & t) != 0).astype(float)


def lp_optimum(values: np.ndarray, kappa: float) -> float:
    """min sum_{S != {}} |and_S| + sum_{|S|>=2} |or_S| s.t. |v - fit| <= kappa."""
    n = int(np.log2(values.size))
    and_atoms, or_atoms = atoms(n)
    penalised_or = [s for s in range(1 << n) if popcount(s) >= 2]
    blocks = [and_atoms[:, :1], and_atoms[:, 1:], -and_atoms[:, 1:]]
    blocks += [or_atoms[:, penalised_or], -or_atoms[:, penalised_or]]
    matrix = np.hstack(blocks)
    cost = np.ones(matrix.shape[1])
    cost[0] = 0.0
    bounds = [(None, None)] + [(0, None)] * (matrix.shape[1] - 1)
    result = linprog(
        cost,
        A_ub=np.vstack([matrix, -matrix]),
        b_ub=np.concatenate([values + kappa, kappa - values]),
        bounds=bounds,
        method="highs",
    )
    assert result.status == 0, result.message
    return float(result.fun)


def run_engine(problems: list[dict]) -> list[dict]:
    run = subprocess.run(
        ["npx", "tsx", str(ROOT / "tests_py" / "solve_with_engine.ts")],
        input=json.dumps(problems),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def games() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    out = []
    for n in (4, 6, 7):
        out.append((f"normal n={n}", rng.normal(size=1 << n)))
        # sparse planted AND and OR terms plus small noise
        and_atoms, or_atoms = atoms(n)
        masks = rng.choice(np.arange(3, 1 << n), size=4, replace=False)
        planted = 2 * and_atoms[:, masks[0]] - 1.5 * and_atoms[:, masks[1]]
        planted += 1.7 * or_atoms[:, masks[2]] + 1.2 * or_atoms[:, masks[3]]
        out.append((f"planted n={n}", planted + 0.01 * rng.normal(size=1 << n)))
    # a logistic model's log-odds on masked inputs
    n = 6
    weights = rng.normal(size=n)
    inputs = 1 + rng.normal(size=n)
    present = (np.arange(1 << n)[:, None] >> np.arange(n)[None, :]) & 1
    logits = np.tanh(present * inputs) @ weights + 0.5 * np.prod(present[:, :3], axis=1)
    out.append(("logistic n=6", logits))
    return out


@pytest.fixture(scope="module")
def solved() -> list[tuple[str, np.ndarray, float, dict]]:
    cases = [(name, values, kf) for name, values in games() for kf in (0.04, 0.0)]
    problems = [
        {"values": values.tolist(), "kappaFactor": kappa_factor, "kind": "exact"}
        for _, values, kappa_factor in cases
    ]
    solutions = run_engine(problems)
    return [(*case, solution) for case, solution in zip(cases, solutions, strict=True)]


def test_objective_matches_scipy_highs(solved) -> None:
    for name, values, kappa_factor, solution in solved:
        kappa = kappa_factor * abs(values[-1] - values[0])
        optimum = lp_optimum(values, kappa)
        objective = solution["report"]["objective"]
        assert abs(objective - optimum) <= 1e-4 * max(optimum, 1e-12), (name, kappa_factor)
        assert 0 <= solution["report"]["gap"] <= 1e-6 * objective + 1e-12, (name, kappa_factor)


def test_solution_explains_the_values(solved) -> None:
    for name, values, kappa_factor, solution in solved:
        n = int(np.log2(values.size))
        and_atoms, or_atoms = atoms(n)
        and_terms = np.array(solution["and"])
        or_terms = np.array(solution["or"])
        delta = np.array(solution["delta"])
        fit = and_atoms @ and_terms + or_atoms @ or_terms
        np.testing.assert_allclose(values - delta, fit, atol=1e-9, err_msg=name)
        kappa = kappa_factor * abs(values[-1] - values[0])
        assert np.all(np.abs(delta) <= kappa * (1 + 1e-9) + 1e-12), name
        orders = np.array([popcount(s) for s in range(1 << n)])
        assert np.all(or_terms[orders < 2] == 0), name
        objective = np.abs(and_terms[1:]).sum() + np.abs(or_terms[1:]).sum()
        assert objective == pytest.approx(solution["report"]["objective"], rel=1e-12), name

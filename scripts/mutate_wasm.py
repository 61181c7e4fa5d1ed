"""Mutation testing of the solver's WebAssembly kernels (src/engine/solver/wasm/*.wat).

StrykerJS mutates TypeScript only, so this swaps one operator at a time in a .wat file
(an add for a subtract, < for <=, a loop step, a lane), rebuilds the modules and runs the
tests that exercise the kernels. A mutant that every test survives is printed; the sources
and modules are restored at the end, also on Ctrl-C.

    npm run mutation:wasm           (about 20 minutes for the ~150 mutants)
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "src/engine/solver/wasm").glob("*.wat"))
SWAPS = [
    ("f64x2.add", "f64x2.sub"),
    ("f64x2.sub", "f64x2.add"),
    ("f64x2.mul", "f64x2.add"),
    ("f64.add", "f64.sub"),
    ("f64.mul", "f64.add"),
    ("f64x2.lt", "f64x2.le"),
    ("f64x2.le", "f64x2.lt"),
    ("f64x2.gt", "f64x2.ge"),
    ("f64x2.pmin", "f64x2.pmax"),
    ("f64x2.pmax", "f64x2.pmin"),
    ("i32.ge_u", "i32.gt_u"),
    ("(i32.const 16)", "(i32.const 32)"),
    ("f64.lt", "f64.le"),
    ("extract_lane 0", "extract_lane 1"),
    ("f64.ne", "f64.eq"),
    ("(i32.const 1)", "(i32.const 0)"),
]
TESTS = [
    "tests/engine/wasmKernels.test.ts",
    "tests/engine/solverBasis.test.ts",
    "tests/engine/canonical.test.ts",
]


def run(command: list[str]) -> int:
    return subprocess.run(command, cwd=ROOT, capture_output=True).returncode


def main() -> int:
    original = {path: path.read_text() for path in SOURCES}
    mutants = [
        (path, match.start(), old, new)
        for path, text in original.items()
        for old, new in SWAPS
        for match in re.finditer(re.escape(old), text)
    ]
    outcomes: Counter[str] = Counter()
    try:
        for path, start, old, new in mutants:
            for source, text in original.items():
                source.write_text(text)
            text = original[path]
            path.write_text(text[:start] + new + text[start + len(old) :])
            where = f"{path.name}:{text.count(chr(10), 0, start) + 1} {old} -> {new}"
            if run(["node", "scripts/build-wasm.mjs"]) != 0:
                outcomes["invalid"] += 1
                continue
            status = run(["timeout", "120", "node", "--import", "tsx", "--test", *TESTS])
            outcome = "survived" if status == 0 else "timeout" if status == 124 else "killed"
            outcomes[outcome] += 1
            if outcome != "killed":
                print(f"{outcome}: {where}", flush=True)
    finally:
        for source, text in original.items():
            source.write_text(text)
        run(["node", "scripts/build-wasm.mjs"])
    total = sum(outcomes.values()) - outcomes["invalid"]
    print(f"{outcomes['killed']} of {total} mutants killed; {dict(outcomes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

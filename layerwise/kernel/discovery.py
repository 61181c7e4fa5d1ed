"""Which models and arrays a cell is about, found by parsing it (never by running it)."""

from __future__ import annotations

import ast
import re
from typing import Any

from .arrays import describe_array, fits_input_shape, rows
from .errors import KernelPluginError
from .models import find_adapter

# Names IPython puts in the user namespace that are never the user's data.
_IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
# Enough for a picker; a namespace with more arrays than this is listed cell-first.
MAX_ARRAYS = 200


def _python_source(source: str) -> str:
    """IPython syntax (%magics, !shell, `x?`) rewritten as plain Python, so ast can parse it."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


# Magics whose argument (line magic) or body (cell magic) is Python code of the notebook.
_CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture", "debug"})


def _magic_code(node: ast.AST) -> str | None:
    """The code inside `get_ipython().run_line_magic('time', 'code')` and the like."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    method = node.func.attr
    if method not in ("run_line_magic", "run_cell_magic") or not node.args:
        return None
    args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
    if args[0] not in _CODE_MAGICS:
        return None
    code = args[-1] if method == "run_cell_magic" else args[1] if len(args) > 1 else None
    return code if isinstance(code, str) else None


def _names(tree: ast.AST, offset: int = 0) -> list[tuple[int, int, str, bool]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append(
                (offset + node.lineno, node.col_offset, node.id, isinstance(node.ctx, ast.Store))
            )
        code = _magic_code(node)
        if code is not None:
            try:
                inner = ast.parse(_python_source(code))
            except SyntaxError:  # %timeit -n 10 ...: options before the code
                continue
            found.extend(_names(inner, offset + node.lineno - 1))
    return found


def cell_names(source: str) -> tuple[list[str], list[str]]:
    """Names the cell assigns (any target: plain, tuple, for, with, walrus) and names it reads,
    each in source order, without repeats; a name both assigned and read counts as assigned.
    Code inside %time / %%time and similar magics counts too."""
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError as err:
        raise KernelPluginError(
            "syntax-error",
            f"The cell is not valid Python (line {err.lineno}: {err.msg}).",
            "Fix the cell, or pick the cell that defines the model.",
        ) from err
    found = sorted(_names(tree))
    assigned = list(dict.fromkeys(name for *_, name, store in found if store))
    read = list(dict.fromkeys(name for *_, name, store in found if not store))
    return assigned, [n for n in read if n not in assigned]


def _user_names(user_ns: dict) -> list[str]:
    return [
        name
        for name in user_ns
        if not name.startswith("_") and name not in _IPYTHON_NAMES and name.isidentifier()
    ]


def inspect_cell(source: str, user_ns: dict) -> dict:
    """The models and arrays of kernelMessages.ts Inspection (without type/requestId)."""
    assigned, read = cell_names(source)
    in_cell = assigned + read
    not_run = [name for name in assigned if name not in user_ns]
    warnings = [
        f"`{name}` is assigned in this cell but does not exist in the kernel yet: run the cell "
        "first."
        for name in not_run
    ]
    ordered = [n for n in in_cell if n in user_ns]
    cell_set = set(ordered)
    ordered += [n for n in _user_names(user_ns) if n not in cell_set]

    found, arrays = [], []
    for name in ordered:
        value = user_ns[name]
        adapter = find_adapter(value)
        if adapter is not None:
            found.append((name, value, adapter))
        elif len(arrays) < MAX_ARRAYS:
            described = _describe_array(name, value, name in cell_set)
            if described is not None:
                arrays.append(described)
    models = []
    for name, value, adapter in found:
        if adapter.needs_sample:
            described = _describe_on_data(adapter, value, arrays, user_ns)
        else:
            described = _describe(adapter, value)
        info = {"name": name, **described, "inCell": name in cell_set}
        info["suggested"] = suggest_arrays(info, arrays)
        models.append(info)

    cell_models = [m["name"] for m in models if m["inCell"]]
    if not cell_models:
        others = [m["name"] for m in models]
        also = f" Other models in the kernel: {', '.join(others)}." if others else ""
        if not_run:
            # Whether the cell defines a model shows only once it has run (a restarted kernel
            # has lost every variable): one message, not "no model" beside "not run yet".
            names = ", ".join(f"`{name}`" for name in not_run)
            verb = "does" if len(not_run) == 1 else "do"
            warnings = [
                f"This cell has not run in this kernel yet ({names} {verb} not exist; after a "
                "kernel restart, every cell has to run again): run it and the cells it needs, "
                "then choose Analyze layers again." + also
            ]
        else:
            warnings.append(
                "This cell defines or uses no model (a Keras model, a path to a TF.js "
                "model.json, or a torch module)." + also
            )
    return {"models": models, "arrays": arrays, "warnings": warnings}


# Arrays a model whose input shape is unknown (torch) is tried on, at most.
MAX_SAMPLE_TRIES = 6


def _describe_on_data(adapter: Any, value: Any, arrays: list[dict], user_ns: dict) -> dict:
    """A model that only shows its shapes when run: described on two rows of the first array
    it runs on, held-out-looking names and the cell's own arrays first."""
    candidates = _ranked(
        [a for a in arrays if len(a["shape"]) >= 2 and a["shape"][0] > 0], _HELD_OUT
    )[:MAX_SAMPLE_TRIES]
    first_failure = None
    for candidate in candidates:
        try:
            sample = rows(user_ns[candidate["name"]], 0, 2, candidate["name"])
        except Exception:  # a lazy or broken tensor: try the next one
            continue
        info = _describe(adapter, value, sample)
        if info.get("inputShape") is not None and info.get("classes") is not None:
            return info
        first_failure = first_failure or info
    if first_failure is not None:
        return first_failure
    info = _describe(adapter, value)
    if info["problem"] is None:
        info["exportable"] = False
        info["problem"] = (
            "No array in the kernel fits this model's input, so its layers' shapes are unknown. "
            "Define the inputs (e.g. x_test as a numpy array or tensor) and inspect again."
        )
    return info


def _describe(adapter: Any, value: Any, sample: Any = None) -> dict:
    try:
        return adapter.describe(value, sample)
    except KernelPluginError as err:
        problem = err.message
    except Exception as err:  # a half-built user model can fail in many ways
        problem = f"The model could not be described: {type(err).__name__}: {err}"
    return {
        "framework": adapter.framework,
        "className": type(value).__name__,
        "modelName": "",
        "inputShape": None,
        "inputDtype": None,
        "classes": None,
        "numInputs": 0,
        "numOutputs": 0,
        "layers": [],
        "exportable": False,
        "problem": problem,
    }


def _describe_array(name: str, value: Any, in_cell: bool) -> dict | None:
    try:
        return describe_array(name, value, in_cell)
    except Exception:  # a lazy or broken tensor: not a candidate
        return None


# --------------------------------------------------------------------------- suggestions

_TRAIN = re.compile(r"train", re.IGNORECASE)
_HELD_OUT = re.compile(r"test|val|valid|eval|holdout|dev", re.IGNORECASE)


def _ranked(items: list[dict], pattern: re.Pattern) -> list[dict]:
    """Arrays whose name matches first, then the cell's own, otherwise in namespace order."""
    return sorted(items, key=lambda a: (not pattern.search(a["name"]), not a["inCell"]))


def _fits_labels(shape: list[int], rows: int, classes: int | None) -> bool:
    if not shape or shape[0] != rows:
        return False
    return len(shape) == 1 or (len(shape) == 2 and shape[1] in (1, classes))


def _label_twin(input_name: str, label_names: list[str]) -> str | None:
    """y_train for x_train, train_labels for train_images / train_inputs, and so on."""
    swaps = [(r"^x", "y"), (r"^X", "y"), (r"^X", "Y"), (r"^x", "Y")]
    for word in ("inputs", "input", "images", "features", "data", "x", "X"):
        for label_word in ("labels", "label", "targets", "target", "y"):
            swaps.append((rf"{word}$", label_word))
            swaps.append((rf"^{word}", label_word))
    for pattern, repl in swaps:
        candidate = re.sub(pattern, repl, input_name, count=1)
        if candidate != input_name and candidate in label_names:
            return candidate
    return None


def suggest_arrays(model: dict, arrays: list[dict]) -> dict:
    """Array names for each role, by shape (must fit the model) then by name."""
    none = {"samples": None, "sampleLabels": None, "trainInputs": None, "trainLabels": None}
    inputs = [a for a in arrays if fits_input_shape(a["shape"], model.get("inputShape"))]
    if not inputs:
        return none

    train = _ranked(inputs, _TRAIN)[0]
    held_out = [a for a in _ranked(inputs, _HELD_OUT) if a is not train]
    samples = held_out[0] if held_out else train

    def labels_for(item: dict) -> str | None:
        fitting = [
            a["name"]
            for a in arrays
            if a is not item and _fits_labels(a["shape"], item["shape"][0], model.get("classes"))
        ]
        return _label_twin(item["name"], fitting)

    return {
        "samples": samples["name"],
        "sampleLabels": labels_for(samples),
        "trainInputs": train["name"],
        "trainLabels": labels_for(train),
    }

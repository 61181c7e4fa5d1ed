"""An export request -> the parts to stream: the model (model.json + weights.bin, or
model.onnx for torch), then array:<role>.

Everything is checked and converted before the first byte is sent, so a request either fails
with one clear error or streams to the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import arrays
from .errors import KernelPluginError
from .models import find_adapter


@dataclass
class Part:
    part: str
    source: str
    data: memoryview
    dtype: str | None = None
    shape: list[int] | None = None


def _lookup(user_ns: dict, name: str, code: str, what: str) -> Any:
    if name not in user_ns:
        raise KernelPluginError(
            code,
            f"`{name}` is not defined in the kernel.",
            f"Run the cell that defines the {what} (the kernel may have restarted).",
        )
    return user_ns[name]


def _model_parts(
    user_ns: dict, name: str, sample: np.ndarray | None, layers: list[str]
) -> tuple[list[Part], Any]:
    value = _lookup(user_ns, name, "unknown-model", "model")
    adapter = find_adapter(value)
    if adapter is None:
        raise KernelPluginError(
            "unknown-model",
            f"`{name}` is a {type(value).__name__}, not a model.",
            "Inspect the cell again to see the models it defines.",
        )
    info = adapter.describe(value, sample)
    if not layers:
        layers = [layer["name"] for layer in info["layers"] if layer.get("suggested")]
    parts = [
        Part(part, name, memoryview(data)) for part, data in adapter.export(value, sample, layers)
    ]
    return parts, info.get("inputShape")


def _selected(user_ns: dict, role: str, selection: dict) -> np.ndarray:
    name = selection["name"]
    value = _lookup(user_ns, name, "unknown-array", "array")
    if arrays.array_kind(value) is None:
        raise KernelPluginError(
            "bad-array",
            f"`{name}` ({type(value).__name__}) is not a numeric array with at least one axis.",
            f"Pick a numpy array or tensor for {role}.",
        )
    return arrays.rows(value, selection.get("start"), selection.get("count"), name)


def _check_input_shape(arr: np.ndarray, name: str, input_shape: list | None, model: str) -> None:
    if input_shape is None:
        return
    if not arrays.fits_input_shape(list(arr.shape), input_shape):
        want = ["N", *("?" if d is None else d for d in input_shape)]
        raise KernelPluginError(
            "bad-array",
            f"`{name}` has shape {list(arr.shape)}, but model `{model}` takes inputs of shape "
            f"[{', '.join(map(str, want))}].",
            "Reshape the array in a cell (e.g. x.reshape(-1, ...)) and inspect again.",
        )


def _same_rows(selected: dict, a: str, b: str, request: dict) -> None:
    if a in selected and b in selected and len(selected[a]) != len(selected[b]):
        names = request["arrays"]
        raise KernelPluginError(
            "bad-array",
            f"`{names[a]['name']}` ({a}) has {len(selected[a])} rows but `{names[b]['name']}` "
            f"({b}) has {len(selected[b])}.",
        )


def build_parts(request: dict, user_ns: dict) -> tuple[list[Part], list[str]]:
    """Every part of an export, in stream order, and warnings about conversions."""
    parts: list[Part] = []
    warnings: list[str] = []
    wanted = request.get("arrays") or {}
    selected: dict[str, np.ndarray] = {}
    for role in arrays.ROLES:
        if role in wanted:
            selected[role] = _selected(user_ns, role, wanted[role])
    _same_rows(selected, "samples", "sampleLabels", request)
    _same_rows(selected, "trainInputs", "trainLabels", request)

    input_shape = None
    model = request.get("model")
    if model is not None:
        sample = selected.get("samples", selected.get("trainInputs"))
        parts, input_shape = _model_parts(user_ns, model, sample, request.get("layers") or [])

    train_roles = [r for r in ("trainInputs", "trainLabels") if r in selected]
    train_rows = len(selected[train_roles[0]]) if train_roles else 0
    subset = arrays.train_subset(train_rows, request.get("maxTrainRows"), request.get("seed", 0))
    for role in arrays.ROLES:
        if role not in selected:
            continue
        name = wanted[role]["name"]
        arr = selected[role]
        if subset is not None and role.startswith("train"):
            arr = arr[subset]
        if role in arrays.INPUT_ROLES:
            arr = arrays.as_inputs(arr, name)
            _check_input_shape(arr, name, input_shape, model or "")
        else:
            arr = arrays.as_labels(arr, name, warnings)
        data, dtype, shape = arrays.to_wire(arr)
        parts.append(Part(f"array:{role}", name, data, dtype, shape))
    if subset is not None:
        warnings.append(
            f"Training data: {len(subset)} of {train_rows} rows (a random subset, seed "
            f"{request.get('seed', 0)})."
        )
    return parts, warnings

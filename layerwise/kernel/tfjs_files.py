"""Models given as a path (str or os.PathLike) to a TF.js layers model.json, or its folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import KernelPluginError

WEIGHTS_FILE = "weights.bin"
# A model.json is topology only; anything bigger is not one (and not worth parsing blind).
_MAX_JSON_BYTES = 64 * 1024 * 1024


def model_json_path(value: Any) -> Path | None:
    """The model.json a variable points at, if it is a path to one (checked cheaply)."""
    if isinstance(value, str):
        if len(value) > 4096 or "\n" in value:
            return None
    elif not isinstance(value, os.PathLike):
        return None
    try:
        path = Path(value).expanduser()
        if path.is_dir():
            path = path / "model.json"
        if path.suffix != ".json" or not path.is_file():
            return None
        if path.stat().st_size > _MAX_JSON_BYTES:
            return None
    except (OSError, ValueError):
        return None
    try:
        data = _read_json(path)
    except KernelPluginError:
        return None
    return path if "modelTopology" in data and "weightsManifest" in data else None


def _read_json(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise KernelPluginError("bad-model-file", f"Cannot read {path}: {err}") from err
    if not isinstance(data, dict):
        raise KernelPluginError("bad-model-file", f"{path} is not a TF.js model.json.")
    return data


def _layer_configs(data: dict) -> tuple[str, list[dict]]:
    topology = data.get("modelTopology") or {}
    model_config = topology.get("model_config", topology)
    config = model_config.get("config", {})
    layers = config if isinstance(config, list) else config.get("layers", [])
    return model_config.get("class_name", "?"), [c for c in layers if isinstance(c, dict)]


def describe_tfjs(path: Path) -> dict:
    """Fields of kernelMessages.ts ModelInfo that the file itself tells."""
    data = _read_json(path)
    if data.get("format") == "graph-model":
        return _info(path, "GraphModel", [], None, None, "TF.js graph models are not supported.")
    class_name, configs = _layer_configs(data)
    layers, input_shape, input_dtype = [], None, None
    for entry in configs:
        cfg = entry.get("config", {})
        batch_shape = cfg.get("batch_input_shape")
        if input_shape is None and batch_shape:
            input_shape, input_dtype = list(batch_shape[1:]), cfg.get("dtype", "float32")
        if entry.get("class_name") == "InputLayer":
            continue
        layers.append(
            {
                "name": cfg.get("name", "?"),
                "className": entry.get("class_name", "?"),
                "outputShape": None,
                "hasWeights": False,
                "params": 0,
                "supported": True,
            }
        )
    by_layer: dict[str, int] = {}
    for group in data.get("weightsManifest", []):
        for spec in group.get("weights", []):
            count = 1
            for dim in spec.get("shape", []):
                count *= int(dim)
            layer = str(spec.get("name", "")).split("/")[0]
            by_layer[layer] = by_layer.get(layer, 0) + count
    for layer in layers:
        layer["params"] = by_layer.get(layer["name"], 0)
        layer["hasWeights"] = layer["params"] > 0
    classes = None
    if configs:
        units = configs[-1].get("config", {}).get("units")
        classes = units if isinstance(units, int) else None
    info = _info(path, "LayersModel", layers, input_shape, classes, None)
    info["modelName"] = path.parent.name or class_name
    info["inputDtype"] = input_dtype
    return info


def _info(path: Path, class_name: str, layers, input_shape, classes, problem) -> dict:
    return {
        "framework": "tfjs-file",
        "className": class_name,
        "modelName": path.parent.name,
        "inputShape": input_shape,
        "inputDtype": None,
        "classes": classes,
        "numInputs": 1 if input_shape is not None else 0,
        "numOutputs": 1,
        "layers": layers,
        "exportable": problem is None,
        "problem": problem,
    }


def export_tfjs(path: Path) -> tuple[bytes, bytes]:
    """model.json rewritten to name one weights file, and the shards concatenated in order."""
    data = _read_json(path)
    if data.get("format") == "graph-model":
        raise KernelPluginError("bad-model-file", "TF.js graph models are not supported.")
    specs, blobs = [], []
    for group in data.get("weightsManifest", []):
        specs.extend(group.get("weights", []))
        for shard in group.get("paths", []):
            shard_path = (path.parent / shard).resolve()
            try:
                blobs.append(shard_path.read_bytes())
            except OSError as err:
                raise KernelPluginError(
                    "bad-model-file",
                    f"Weight file {shard} of {path} cannot be read: {err.strerror}.",
                ) from err
    data["weightsManifest"] = [{"paths": [WEIGHTS_FILE], "weights": specs}]
    return json.dumps(data).encode(), b"".join(blobs)

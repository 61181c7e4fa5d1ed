"""Model kinds the plugin recognises, one adapter per framework.

An adapter says whether a notebook value is its kind of model, describes it (the fields of
kernelMessages.ts ModelInfo) and exports it as (model.json bytes, weights bytes). A new
framework (torch export, ONNX) is a new adapter in ADAPTERS; discovery and the comm code do not
change.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Protocol

from . import keras_export, tfjs_files
from .errors import KernelPluginError


class ModelAdapter(Protocol):
    framework: str

    def matches(self, value: Any) -> bool: ...

    def describe(self, value: Any) -> dict: ...

    def export(self, value: Any) -> tuple[bytes, bytes]: ...


def _dims(shape: Any) -> list[int | None]:
    return [None if d is None else int(d) for d in shape]


class KerasAdapter:
    framework = "keras"

    def matches(self, value: Any) -> bool:
        keras = sys.modules.get("keras")
        return keras is not None and isinstance(value, keras.Model)

    def describe(self, model: Any) -> dict:
        problem = None
        try:
            keras_export.build_topology(model)
        except KernelPluginError as err:
            problem = err.message + (f" {err.hint}" if err.hint else "")
        inputs = _safe(lambda: list(model.inputs)) or []
        outputs = _safe(lambda: list(model.outputs)) or []
        layers = [
            self._layer(layer) for layer in model.layers if type(layer).__name__ != "InputLayer"
        ]
        classes = outputs[0].shape[-1] if outputs and outputs[0].shape else None
        return {
            "framework": self.framework,
            "className": type(model).__name__,
            "modelName": model.name,
            "inputShape": _dims(inputs[0].shape[1:]) if inputs else None,
            "inputDtype": str(inputs[0].dtype) if inputs else None,
            "classes": None if classes is None else int(classes),
            "numInputs": len(inputs),
            "numOutputs": len(outputs),
            "layers": layers,
            "exportable": problem is None,
            "problem": problem,
        }

    @staticmethod
    def _layer(layer: Any) -> dict:
        shape = _safe(lambda: layer.output.shape)
        params = sum(math.prod(int(d) for d in w.shape) for w in layer.weights)
        return {
            "name": layer.name,
            "className": type(layer).__name__,
            "outputShape": _dims(shape[1:]) if shape is not None else None,
            "hasWeights": len(layer.weights) > 0,
            "params": params,
            "supported": keras_export.layer_problem(layer) is None,
        }

    def export(self, model: Any) -> tuple[bytes, bytes]:
        return keras_export.export_keras(model)


class TfjsFileAdapter:
    framework = "tfjs-file"

    def matches(self, value: Any) -> bool:
        return tfjs_files.model_json_path(value) is not None

    def describe(self, value: Any) -> dict:
        return tfjs_files.describe_tfjs(tfjs_files.model_json_path(value))

    def export(self, value: Any) -> tuple[bytes, bytes]:
        path = tfjs_files.model_json_path(value)
        if path is None:
            raise KernelPluginError("bad-model-file", f"{value} is no longer a TF.js model.json.")
        return tfjs_files.export_tfjs(path)


class TorchAdapter:
    """Discovery only, so the frontend can say what it found; export comes later."""

    framework = "torch"
    problem = "PyTorch models cannot be exported yet; only Keras and TF.js models can."

    def matches(self, value: Any) -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(value, torch.nn.Module)

    def describe(self, module: Any) -> dict:
        layers = [
            {
                "name": name,
                "className": type(child).__name__,
                "outputShape": None,
                "hasWeights": any(True for _ in child.parameters(recurse=False)),
                "params": sum(p.numel() for p in child.parameters(recurse=False)),
                "supported": False,
            }
            for name, child in module.named_modules()
            if name and not any(True for _ in child.children())
        ]
        return {
            "framework": self.framework,
            "className": type(module).__name__,
            "modelName": type(module).__name__,
            "inputShape": None,
            "inputDtype": None,
            "classes": None,
            "numInputs": 0,
            "numOutputs": 0,
            "layers": layers,
            "exportable": False,
            "problem": self.problem,
        }

    def export(self, module: Any) -> tuple[bytes, bytes]:
        raise KernelPluginError(
            "unsupported-framework",
            self.problem,
            "Rebuild the model in Keras, or save it as a TF.js layers model.json.",
        )


ADAPTERS: list[ModelAdapter] = [KerasAdapter(), TfjsFileAdapter(), TorchAdapter()]


def find_adapter(value: Any) -> ModelAdapter | None:
    for adapter in ADAPTERS:
        try:
            if adapter.matches(value):
                return adapter
        except Exception:  # a user object whose isinstance or properties misbehave
            continue
    return None


def _safe(get: Any) -> Any:
    try:
        return get()
    except Exception:
        return None

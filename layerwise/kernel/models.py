"""Model kinds the plugin recognises, one adapter per framework.

An adapter says whether a notebook value is its kind of model, describes it (the fields of
kernelMessages.ts ModelInfo) and exports it as the parts the backend loads: model.json and
weights.bin (TF.js layers format) or model.onnx. A new
framework is a new adapter in ADAPTERS; discovery and the comm code do not change.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Protocol

from . import keras_export, tfjs_files, torch_export
from .errors import KernelPluginError


class ModelAdapter(Protocol):
    framework: str
    # Whether describe() needs rows of the data the model takes to give shapes (torch: a
    # module's input shape is only known by running it).
    needs_sample: bool

    def matches(self, value: Any) -> bool: ...

    def describe(self, value: Any, sample: Any = None) -> dict: ...

    def export(self, value: Any, sample: Any, layers: list[str]) -> list[tuple[str, bytes]]:
        """The model's parts in stream order (kernelMessages.ts PartName, bytes).

        `sample`: rows of the samples array (torch traces the model on them); `layers`: the
        layers the analysis taps (torch exports only those; TF.js models carry every layer).
        """
        ...


def _dims(shape: Any) -> list[int | None]:
    return [None if d is None else int(d) for d in shape]


class KerasAdapter:
    framework = "keras"
    needs_sample = False

    def matches(self, value: Any) -> bool:
        keras = sys.modules.get("keras")
        return keras is not None and isinstance(value, keras.Model)

    def describe(self, model: Any, sample: Any = None) -> dict:
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

    def export(self, model: Any, sample: Any, layers: list[str]) -> list[tuple[str, bytes]]:
        model_json, weights = keras_export.export_keras(model)
        return [("model.json", model_json), ("weights.bin", weights)]


class TfjsFileAdapter:
    framework = "tfjs-file"
    needs_sample = False

    def matches(self, value: Any) -> bool:
        return tfjs_files.model_json_path(value) is not None

    def describe(self, value: Any, sample: Any = None) -> dict:
        return tfjs_files.describe_tfjs(tfjs_files.model_json_path(value))

    def export(self, value: Any, sample: Any, layers: list[str]) -> list[tuple[str, bytes]]:
        path = tfjs_files.model_json_path(value)
        if path is None:
            raise KernelPluginError("bad-model-file", f"{value} is no longer a TF.js model.json.")
        model_json, weights = tfjs_files.export_tfjs(path)
        return [("model.json", model_json), ("weights.bin", weights)]


class TorchAdapter:
    """torch.nn.Module -> one ONNX file tapping the chosen submodules (torch_export.py)."""

    framework = "torch"
    needs_sample = True

    def matches(self, value: Any) -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(value, torch.nn.Module)

    def describe(self, module: Any, sample: Any = None) -> dict:
        return torch_export.describe_torch_model(module, sample)

    def export(self, module: Any, sample: Any, layers: list[str]) -> list[tuple[str, bytes]]:
        if sample is None:
            raise KernelPluginError(
                "bad-request",
                "Exporting a PyTorch model needs the samples to trace it on.",
                "Choose the samples array, then run again.",
            )
        return [("model.onnx", torch_export.export_onnx(module, sample, layers))]


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

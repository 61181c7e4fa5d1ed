"""Device check (not collected by pytest): models that live on a CUDA GPU go through the kernel
plugin's inspection and ONNX export, the user's module stays on its device and in its mode, and
ONNX Runtime (CPU, Python) computes what PyTorch computes on the GPU for every tapped layer.

    python3 tests_py/cuda_export_check.py        # on a machine with CUDA, torch, onnx, onnxruntime

Prints one JSON line per model and exits non-zero when a check fails. TF32 is switched off so
the GPU reference is float32 arithmetic, comparable at 1e-4.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
from torch_models import ResNet20, TextClassifier, mlp, randomize_norms  # noqa: E402

from layerwise.kernel.discovery import inspect_cell  # noqa: E402
from layerwise.kernel.torch_export import export_onnx, read_metadata  # noqa: E402

TOLERANCE = 1e-4


def reference(model: torch.nn.Module, x: torch.Tensor, names: list[str]) -> dict[str, np.ndarray]:
    modules = dict(model.named_modules())
    captured: dict[str, np.ndarray] = {}
    handles = [
        modules[name].register_forward_hook(
            lambda mod, inputs, output, name=name: captured.__setitem__(
                name, (output[0] if isinstance(output, tuple) else output).detach().cpu().numpy()
            )
        )
        for name in names
    ]
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            captured["logits"] = model(x).cpu().numpy()
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        for handle in handles:
            handle.remove()
    return captured


def check(name: str, model: torch.nn.Module, x: np.ndarray, taps: list[str]) -> dict:
    device = torch.device("cuda")
    model = model.to(device).train()
    (info,) = inspect_cell("net", {"net": model, "x_test": x})["models"]
    start = time.perf_counter()
    onnx_bytes = export_onnx(model, x, taps)
    export_seconds = time.perf_counter() - start
    still = {
        "device": str(next(model.parameters()).device),
        "training": model.training,
    }
    meta = read_metadata(onnx_bytes)
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    feed = x.astype(np.float32) if np.issubdtype(x.dtype, np.floating) else x.astype(np.int64)
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, {"input": feed}), strict=True))
    model.eval()
    want = reference(model, torch.from_numpy(feed).to(device), taps)
    errors = {}
    for layer in meta["layers"]:
        expected = want["logits"] if layer["output"] == "logits" else want[layer["name"]]
        actual = outputs[layer["output"]]
        scale = max(float(np.max(np.abs(expected))), 1e-12)
        errors[layer["name"]] = float(np.max(np.abs(actual - expected)) / scale)
    ok = (
        info["exportable"]
        and still == {"device": "cuda:0", "training": True}
        and max(errors.values()) < TOLERANCE
    )
    return {
        "model": name,
        "ok": bool(ok),
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
        "exportSeconds": round(export_seconds, 3),
        "suggested": [layer["name"] for layer in info["layers"] if layer.get("suggested")],
        "afterExport": still,
        "maxRelativeError": errors,
    }


def main() -> int:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    cases = [
        ("mlp", mlp(), rng.normal(size=(16, 12)).astype(np.float32), ["0", "2", "4"]),
        (
            "resnet20",
            randomize_norms(ResNet20(), seed=1),
            rng.normal(size=(16, 3, 32, 32)).astype(np.float32),
            ["relu", "layer1.2", "layer2.2", "layer3.2"],
        ),
        (
            "transformer",
            TextClassifier(),
            rng.integers(0, 50, size=(16, 10)),
            ["embed", "encoder.layers.0", "encoder.layers.1"],
        ),
    ]
    failed = 0
    for name, model, x, taps in cases:
        try:
            report = check(name, model, x, taps)
        except Exception as err:  # a device check reports every model, whatever fails
            report = {"model": name, "ok": False, "error": f"{type(err).__name__}: {err}"}
        failed += not report["ok"]
        print(json.dumps(report), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The PyTorch side of bench/onnx.ts: builds the ResNet-20 of tests_py/torch_models.py, writes
its inputs and its ONNX export (tapping the three stages, as an analysis would), and times
PyTorch's own CPU forward passes on those inputs.

    python bench/onnx_torch.py DIR THREADS BATCH SECONDS

Writes DIR/inputs.npy, DIR/resnet20.onnx and DIR/torch_logits.npy; prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests_py")]

from torch_models import ResNet20, randomize_norms  # noqa: E402

from layerwise.kernel.torch_export import export_onnx  # noqa: E402

TAPS = ["layer1", "layer2", "layer3"]


def main() -> None:
    out, threads, batch, seconds = Path(sys.argv[1]), *map(float, sys.argv[2:5])
    torch.set_num_threads(int(threads))
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    model = randomize_norms(ResNet20(), seed=1).eval()
    inputs = np.random.default_rng(0).normal(size=(int(batch), 3, 32, 32)).astype(np.float32)
    np.save(out / "inputs.npy", inputs)
    started = time.perf_counter()
    (out / "resnet20.onnx").write_bytes(export_onnx(model, inputs, TAPS))
    export_seconds = time.perf_counter() - started

    x = torch.from_numpy(inputs)
    with torch.inference_mode():
        logits = model(x)
        passes = 0
        started = time.perf_counter()
        while passes == 0 or time.perf_counter() - started < seconds:
            model(x)
            passes += 1
        elapsed = time.perf_counter() - started
    np.save(out / "torch_logits.npy", logits.numpy())
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "perSecond": passes * inputs.shape[0] / elapsed,
                "passes": passes,
                "exportSeconds": export_seconds,
            }
        )
    )


if __name__ == "__main__":
    main()

"""PyTorch models -> ONNX (layerwise/kernel/torch_export.py) -> ONNX Runtime for Node
(src/backend/onnxRunner.ts, driven by tests_py/onnx_run_check.ts).

Every tapped output must match eager PyTorch, computed here with plain forward hooks, and a
whole analysis must run through the engine on the exported model.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from layerwise.kernel.errors import KernelPluginError
from layerwise.kernel.torch_export import (
    LOGITS_NAME,
    TAP_PREFIX,
    describe_torch_model,
    export_onnx,
    read_metadata,
)

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from torch import nn  # noqa: E402
from torch_models import ResNet20, TextClassifier, mlp, randomize_norms  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "tests_py" / "onnx_run_check.ts"
TOLERANCE = 1e-4


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """Largest difference relative to the output's scale (entries near 0 have no scale)."""
    return float(np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-12))


def reference(model: nn.Module, x: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """Eager outputs of the named submodules and the model, by forward hooks (cloned: an
    in-place op after a submodule must not change what it returned)."""
    modules = dict(model.named_modules())
    captured: dict[str, np.ndarray] = {}
    handles = [
        modules[name].register_forward_hook(
            lambda mod, inputs, output, name=name: captured.__setitem__(
                name, (output[0] if isinstance(output, tuple) else output).clone().numpy()
            )
        )
        for name in names
    ]
    model.eval()
    # The transformer's fused fast path skips its submodules, and so their hooks.
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            captured[LOGITS_NAME] = model(torch.from_numpy(x)).numpy()
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        for handle in handles:
            handle.remove()
    return captured


def node_check(*args: str) -> dict:
    run = subprocess.run(
        ["npx", "tsx", str(CHECK), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    lines = run.stdout.strip().splitlines()
    assert lines, f"no output from {CHECK.name}: {run.stderr[-2000:]}"
    return json.loads(lines[-1])


def run_onnx(tmp_path: Path, model_bytes: bytes, x: np.ndarray) -> tuple[dict, list[np.ndarray]]:
    (tmp_path / "model.onnx").write_bytes(model_bytes)
    np.save(tmp_path / "input.npy", x)
    out = tmp_path / "out"
    out.mkdir()
    report = node_check("run", str(tmp_path / "model.onnx"), str(tmp_path / "input.npy"), str(out))
    assert "error" not in report, report["error"]
    return report, [np.load(out / f"layer{i}.npy") for i in range(len(report["layers"]))]


def resnet20() -> nn.Module:
    torch.manual_seed(0)
    return randomize_norms(ResNet20(), seed=1)


def text_classifier() -> nn.Module:
    torch.manual_seed(0)
    return TextClassifier()


CASES = {
    "mlp": (
        lambda: (torch.manual_seed(0), mlp())[1],
        lambda rng, rows: rng.normal(size=(rows, 12)).astype(np.float32),
        ["0", "2", "3", "4"],
        "5",
    ),
    "resnet20": (
        resnet20,
        lambda rng, rows: rng.normal(size=(rows, 3, 32, 32)).astype(np.float32),
        ["relu", "layer1.0.bn1", "layer1.2", "layer2.1", "layer3.2.shortcut", "layer3", "pool"],
        "fc",
    ),
    "transformer": (
        text_classifier,
        lambda rng, rows: rng.integers(0, 50, size=(rows, 10)),
        ["embed", "encoder.layers.0", "encoder.layers.1.self_attn", "encoder.layers.1.linear1"],
        "head",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tapped_outputs_match_pytorch(case: str, tmp_path: Path) -> None:
    build, data, taps, output_layer = CASES[case]
    model = build()
    rng = np.random.default_rng(3)
    model_bytes = export_onnx(model, data(rng, 4), taps)

    # Another batch size than the trace's, on other data.
    x = data(rng, 7)
    report, arrays = run_onnx(tmp_path, model_bytes, x)
    assert report["runner"] == "onnx" and report["backend"] == "onnxruntime-cpu"
    assert [layer["name"] for layer in report["layers"]] == [*taps, output_layer]
    expected = reference(model, x, taps)
    errors = {
        name: relative_error(actual, expected[name])
        for name, actual in zip([*taps, LOGITS_NAME], arrays, strict=True)
    }
    print(f"{case}: max relative error {max(errors.values()):.2e} over {len(errors)} outputs")
    assert max(errors.values()) < TOLERANCE, errors
    for layer, array in zip(report["layers"], arrays, strict=True):
        assert list(array.shape[1:]) == layer["outputShape"]


def test_export_leaves_the_model_as_it_was() -> None:
    model = resnet20()
    model.train()
    model.layer2.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    export_onnx(model, np.zeros((2, 3, 32, 32), np.float32), ["layer2"])
    assert model.training and not model.layer2.training and model.layer3.training
    assert torch.backends.mha.get_fastpath_enabled()
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_metadata_names_outputs_input_and_layers() -> None:
    model_bytes = export_onnx(text_classifier(), np.ones((3, 10), np.int64), ["encoder.layers.1"])
    meta = read_metadata(model_bytes)
    assert meta["input"] == {"name": "input", "dtype": "int64", "shape": [10]}
    assert meta["logits"] == {"output": LOGITS_NAME, "source": "output", "classes": 2}
    assert [(layer["name"], layer["output"]) for layer in meta["layers"]] == [
        ("encoder.layers.1", TAP_PREFIX + "encoder.layers.1"),
        ("head", LOGITS_NAME),
    ]
    assert meta["layers"][0]["outputShape"] == [10, 32]
    # the module classes, which the figures' layer labels carry beside the paths
    assert [layer["className"] for layer in meta["layers"]] == ["TransformerEncoderLayer", "Linear"]
    assert meta["opset"] >= 17


@pytest.mark.parametrize(
    ("probabilities", "columns", "classes"),
    [(lambda: nn.Softmax(dim=1), 3, 3), (nn.Sigmoid, 1, 2)],
)
def test_final_softmax_or_sigmoid_is_left_out_of_the_logits(
    tmp_path: Path, probabilities, columns: int, classes: int
) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, columns), probabilities())
    x = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    model_bytes = export_onnx(model, x, ["1"])
    assert read_metadata(model_bytes)["logits"]["source"] == "pre-activation"
    report, arrays = run_onnx(tmp_path, model_bytes, x)
    assert [layer["name"] for layer in report["layers"]] == ["1", "2"]
    assert report["classes"] == classes
    with torch.no_grad():
        logits = model[:3](torch.from_numpy(x)).numpy()
    assert relative_error(arrays[-1], logits) < TOLERANCE


def test_describe_lists_submodules_in_forward_order() -> None:
    info = describe_torch_model(resnet20(), np.zeros((1, 3, 32, 32), np.float32))
    assert info["framework"] == "torch" and info["exportable"], info["problem"]
    assert info["inputShape"] == [3, 32, 32] and info["inputDtype"] == "float32"
    assert info["classes"] == 10
    layers = {layer["name"]: layer for layer in info["layers"]}
    names = [layer["name"] for layer in info["layers"]]
    assert names.index("layer1.0.conv1") < names.index("layer1.0") < names.index("layer2.0.conv1")
    assert layers["layer2.1"]["outputShape"] == [32, 16, 16]
    assert layers["layer2.1"]["container"] and not layers["layer2.1"]["hasWeights"]
    assert layers["layer2.1"]["params"] == sum(p.numel() for p in resnet20().layer2[1].parameters())
    assert layers["fc"]["hasWeights"] and layers["fc"]["supported"]
    # The stem's ReLU module is used once; every block's is used twice.
    assert layers["relu"]["supported"]
    assert not layers["layer1.0.relu"]["supported"]
    assert "2 times" in layers["layer1.0.relu"]["problem"]


def test_describe_without_a_sample_lists_names_only() -> None:
    info = describe_torch_model(mlp())
    assert info["inputShape"] is None and info["exportable"]
    assert [layer["name"] for layer in info["layers"]] == ["0", "1", "2", "3", "4", "5"]
    assert all(layer["outputShape"] is None for layer in info["layers"])


def test_describe_reports_a_model_that_fails_on_the_sample() -> None:
    info = describe_torch_model(text_classifier(), np.zeros((2, 10), np.float32))
    assert not info["exportable"]
    assert "integer" in info["problem"]


def expect_error(code: str, *fragments: str):
    class Check:
        def __enter__(self):
            return self

        def __exit__(self, kind, err, tb):
            assert isinstance(err, KernelPluginError), f"expected KernelPluginError, got {err!r}"
            assert err.code == code, (err.code, err.message)
            for fragment in fragments:
                assert fragment in err.message, err.message
            return True

    return Check()


def test_unknown_submodule_is_named() -> None:
    with expect_error("bad-request", "`layer9`"):
        export_onnx(resnet20(), np.zeros((1, 3, 32, 32), np.float32), ["layer9"])


def test_shared_submodule_cannot_be_tapped() -> None:
    with expect_error("unsupported-layer", "`layer1.0.relu`", "2 times"):
        export_onnx(resnet20(), np.zeros((1, 3, 32, 32), np.float32), ["layer1.0.relu"])


def test_unsupported_operation_names_the_submodule() -> None:
    class Custom(nn.Module):
        def forward(self, x):
            return torch.cummax(x, 1)[0]

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), Custom()), nn.Linear(4, 2))
    with expect_error("unsupported-layer", "`aten::cummax`", "`1.1` (Custom)"):
        export_onnx(model, np.zeros((2, 4), np.float32), ["0"])


def test_non_classifier_output_is_refused() -> None:
    with expect_error("unsupported-layer", "[2, 4, 6]"):
        export_onnx(nn.Linear(6, 6), np.zeros((2, 4, 6), np.float32), [])


def test_float64_model_is_refused_with_a_hint() -> None:
    with expect_error("unsupported-layer", "float64"):
        export_onnx(mlp().double(), np.zeros((2, 12), np.float32), ["0"])


def analysis(tmp_path: Path, model_bytes: bytes, arrays: dict, options: dict) -> dict:
    (tmp_path / "model.onnx").write_bytes(model_bytes)
    job: dict = {"options": options}
    for key, value in arrays.items():
        np.save(tmp_path / f"{key}.npy", value)
        job[key] = str(tmp_path / f"{key}.npy")
    (tmp_path / "job.json").write_text(json.dumps(job))
    out = tmp_path / "result.json"
    report = node_check(
        "analyze", str(tmp_path / "model.onnx"), str(tmp_path / "job.json"), str(out)
    )
    assert "error" not in report, report["error"]
    return json.loads(out.read_text())


def log_odds(logits: np.ndarray, target: int) -> float:
    others = np.delete(logits.astype(np.float64), target)
    return float(logits[target] - (others.max() + np.log(np.exp(others - others.max()).sum())))


def test_analysis_end_to_end_on_the_mlp(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = mlp()
    rng = np.random.default_rng(5)
    train = rng.normal(size=(160, 12)).astype(np.float32)
    samples = rng.normal(size=(2, 12)).astype(np.float32)
    with torch.no_grad():
        train_labels = model.eval()(torch.from_numpy(train)).argmax(1).numpy().astype(np.int64)
    model_bytes = export_onnx(model, samples, ["0", "4"])
    result = analysis(
        tmp_path,
        model_bytes,
        {"samples": samples, "trainInputs": train, "trainLabels": train_labels},
        {
            "variables": [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]],
            "layers": ["0", "4"],
            "probe": {"maxEpochs": 20},
            "batchSize": 64,
        },
    )
    assert result["runtime"]["runner"] == "onnx"
    assert [layer["name"] for layer in result["layers"]] == ["0", "4", "5"]
    assert [layer["label"] for layer in result["layers"]] == [
        "0 (Linear)",
        "4 (Tanh)",
        "5 (Linear)",
    ]
    assert [layer["kind"] for layer in result["layers"]] == ["probe", "probe", "output"]
    # v(x_N) and v(x_{}) of the output layer are PyTorch's own log-odds (mean baseline).
    with torch.no_grad():
        full = model(torch.from_numpy(samples)).numpy()
        empty = model(torch.from_numpy(train.mean(0, keepdims=True))).numpy()[0]
    for s, per_layer in enumerate(result["perSample"]):
        target = result["samples"][s]["target"]
        assert target == int(full[s].argmax())
        assert abs(per_layer[-1]["vFull"] - log_odds(full[s], target)) < 1e-4
        assert abs(per_layer[-1]["vEmpty"] - log_odds(empty, target)) < 1e-4


def test_analysis_end_to_end_on_the_transformer(tmp_path: Path) -> None:
    model = text_classifier()
    rng = np.random.default_rng(6)
    train = rng.integers(2, 50, size=(120, 10))
    samples = rng.integers(2, 50, size=(2, 10))
    with torch.no_grad():
        train_labels = model.eval()(torch.from_numpy(train)).argmax(1).numpy()
    model_bytes = export_onnx(model, samples, ["encoder.layers.0", "encoder.layers.1"])
    result = analysis(
        tmp_path,
        model_bytes,
        {"samples": samples, "trainInputs": train, "trainLabels": train_labels},
        {
            "variables": [[1], [2], [3], [4], [5]],
            "baseline": {"kind": "mask-token", "tokenId": 1},
            "features": "first-token",
            "layers": ["encoder.layers.0", "encoder.layers.1"],
            "probe": {"maxEpochs": 20},
        },
    )
    assert [layer["name"] for layer in result["layers"]] == [
        "encoder.layers.0",
        "encoder.layers.1",
        "head",
    ]
    masked = samples.copy()
    masked[:, 1:6] = 1
    with torch.no_grad():
        empty = model(torch.from_numpy(masked)).numpy()
    for s, per_layer in enumerate(result["perSample"]):
        target = result["samples"][s]["target"]
        assert abs(per_layer[-1]["vEmpty"] - log_odds(empty[s], target)) < 1e-4
        assert per_layer[-1]["solve"] is not None


def test_analysis_end_to_end_on_the_resnet(tmp_path: Path) -> None:
    model = resnet20()
    rng = np.random.default_rng(7)
    train = rng.normal(size=(48, 3, 32, 32)).astype(np.float32)
    samples = rng.normal(size=(1, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        train_labels = model.eval()(torch.from_numpy(train)).argmax(1).numpy()
    blocks = ["layer1.2", "layer2.2", "layer3.2"]
    model_bytes = export_onnx(model, samples, blocks)
    # Four variables: the image's quadrants, every channel (channels first).
    index = np.arange(3 * 32 * 32).reshape(3, 32, 32)
    quadrants = [
        index[:, r : r + 16, c : c + 16].ravel().tolist() for r in (0, 16) for c in (0, 16)
    ]
    result = analysis(
        tmp_path,
        model_bytes,
        {"samples": samples, "trainInputs": train, "trainLabels": train_labels},
        {"variables": quadrants, "layers": blocks, "probe": {"maxEpochs": 10}},
    )
    assert [layer["name"] for layer in result["layers"]] == [*blocks, "fc"]
    with torch.no_grad():
        full = model(torch.from_numpy(samples)).numpy()[0]
    target = result["samples"][0]["target"]
    assert target == int(full.argmax())
    assert abs(result["perSample"][0][-1]["vFull"] - log_odds(full, target)) < 1e-4
    assert all(layer["solve"] is not None for layer in result["perSample"][0])

"""PyTorch models through the kernel plugin's discovery and export (no kernel process): the
inspection a torch cell gets, and the ONNX part an export streams."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise.kernel.comm import LayerwiseComm
from layerwise.kernel.discovery import inspect_cell
from layerwise.kernel.torch_export import read_metadata

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from torch_models import ResNet20, TextClassifier, mlp  # noqa: E402


class FakeComm:
    def __init__(self) -> None:
        self.sent: list[tuple[dict, list[bytes]]] = []
        self.handler = None

    def on_msg(self, handler) -> None:
        self.handler = handler

    def send(self, data: dict, buffers: list | None = None) -> None:
        self.sent.append((data, [bytes(b) for b in buffers or []]))


def export(user_ns: dict, **fields) -> tuple[dict, dict[str, bytes]]:
    comm = FakeComm()
    LayerwiseComm(comm, lambda: user_ns)
    comm.handler({"content": {"data": {"type": "export", "requestId": "r", **fields}}})
    parts: dict[str, bytearray] = {}
    for header, buffers in comm.sent[:-1]:
        parts.setdefault(header["part"], bytearray()).extend(buffers[0])
    return comm.sent[-1][0], {k: bytes(v) for k, v in parts.items()}


@pytest.fixture
def namespace() -> dict:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {
        "net": mlp(inputs=12, width=16, classes=5),
        "x_train": rng.normal(size=(40, 12)).astype(np.float32),
        "y_train": rng.integers(0, 5, 40),
        "x_test": rng.normal(size=(10, 12)).astype(np.float32),
        "y_test": rng.integers(0, 5, 10),
    }


def test_a_torch_cell_is_described_by_running_it_on_a_fitting_array(namespace):
    found = inspect_cell("net = make_mlp()\nnet(torch.tensor(x_train))", namespace)
    (model,) = found["models"]
    assert (model["framework"], model["className"], model["exportable"]) == (
        "torch",
        "Sequential",
        True,
    )
    assert (model["inputShape"], model["classes"], model["outputLayer"]) == ([12], 5, "5")
    assert [layer["name"] for layer in model["layers"]] == ["0", "1", "2", "3", "4", "5"]
    assert [layer["name"] for layer in model["layers"] if layer["suggested"]] == ["2", "4", "5"]
    assert model["layers"][0]["outputShape"] == [16]
    assert model["suggested"] == {
        "samples": "x_test",
        "sampleLabels": "y_test",
        "trainInputs": "x_train",
        "trainLabels": "y_train",
    }


def test_blocks_are_the_default_layers_of_deeper_models():
    resnet = ResNet20().eval()
    images = np.zeros((4, 3, 32, 32), np.float32)
    (model,) = inspect_cell("resnet", {"resnet": resnet, "images": images})["models"]
    suggested = [layer["name"] for layer in model["layers"] if layer["suggested"]]
    assert suggested == ["relu"] + [f"layer{s}.{b}" for s in (1, 2, 3) for b in range(3)] + ["fc"]
    assert model["inputShape"] == [3, 32, 32]

    text = TextClassifier().eval()
    ids = np.zeros((4, 10), np.int64)
    (model,) = inspect_cell("text", {"text": text, "ids": ids})["models"]
    assert model["inputDtype"] == "int64"
    assert [layer["name"] for layer in model["layers"] if layer["suggested"]] == [
        "embed",
        "encoder.layers.0",
        "encoder.layers.1",
        "head",
    ]
    assert model["outputLayer"] == "head"


def test_a_torch_model_without_fitting_data_says_what_to_define():
    (model,) = inspect_cell("net", {"net": mlp(), "labels": np.zeros(5)})["models"]
    assert not model["exportable"]
    assert "Define the inputs" in model["problem"]
    images = np.zeros((3, 7, 7), np.float32)
    (model,) = inspect_cell("net", {"net": mlp(), "images": images})["models"]
    assert not model["exportable"] and "fails on a sample of shape [2, 7, 7]" in model["problem"]


def test_export_streams_one_onnx_file_tapping_the_asked_layers(namespace):
    final, parts = export(
        namespace,
        model="net",
        arrays={"samples": {"name": "x_test", "count": 4}, "trainInputs": {"name": "x_train"}},
        layers=["0", "4", "5"],
    )
    assert final["type"] == "exported", final
    assert list(parts) == ["model.onnx", "array:samples", "array:trainInputs"]
    meta = read_metadata(parts["model.onnx"])
    assert [(layer["name"], layer["output"]) for layer in meta["layers"]] == [
        ("0", "tap:0"),
        ("4", "tap:4"),
        ("5", "logits"),
    ]
    assert meta["input"]["shape"] == [12]


def test_export_without_layers_taps_the_suggested_ones(namespace):
    final, parts = export(namespace, model="net", arrays={"samples": {"name": "x_test"}})
    assert final["type"] == "exported", final
    names = [layer["name"] for layer in read_metadata(parts["model.onnx"])["layers"]]
    assert names == ["2", "4", "5"]


def test_export_errors_name_the_problem(namespace):
    final, _ = export(namespace, model="net", arrays={"samples": {"name": "x_test"}}, layers=["9"])
    assert final["code"] == "bad-request" and "no submodule named `9`" in final["message"]
    final, _ = export(namespace, model="net")
    assert final["code"] == "bad-request" and "samples to trace" in final["message"]
    final, _ = export(namespace, model="net", arrays={"samples": {"name": "x_test"}}, layers=[3])
    assert final["code"] == "bad-request" and "layers" in final["message"]

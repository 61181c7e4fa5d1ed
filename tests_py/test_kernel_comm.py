"""The kernel plugin in a real ipykernel, spoken to over a real `layerwise` comm.

One kernel serves the whole module (TensorFlow takes seconds to import). Models are built in
the kernel by executed cells, as a notebook would; exported models are loaded in TF.js 4.22 by
tests_py/tfjs_load_check.ts and must compute what Keras computes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-4

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None or importlib.util.find_spec("jupyter_client") is None,
    reason="needs keras and jupyter_client in this environment",
)

SETUP = """
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1)
rng = np.random.default_rng(1)
x_train = rng.normal(size=(300, 4))
y_train = rng.integers(0, 3, size=300)
x_test = rng.normal(size=(40, 4)).astype("float32")
y_test = rng.integers(0, 3, size=40)
images = rng.normal(size=(20, 8, 8, 1)).astype("float32")
not_an_array = [1, 2, 3]
import tensorflow as tf
x_tensor = tf.constant(x_test[:7])
"""

MLP_CELL = """
mlp = keras.Sequential(
    [
        keras.Input((4,), name="features"),
        layers.Dense(16, activation="relu", name="hidden"),
        layers.Dropout(0.1, name="drop"),
        layers.Dense(3, activation="softmax", name="probs"),
    ],
    name="mlp_model",
)
mlp.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""

CNN_CELL = """
inp = keras.Input((8, 8, 1), name="image")
x = layers.Conv2D(4, 3, padding="same", name="conv")(inp)
x = layers.BatchNormalization(name="bn")(x)
y = layers.ReLU(name="relu")(x)
z = layers.Add(name="skip")([x, y])
z = layers.Concatenate(name="concat")([z, y])
z = layers.MaxPooling2D(name="pool")(z)
z = layers.GlobalAveragePooling2D(name="gap")(z)
cnn = keras.Model(inp, layers.Dense(2, name="logits")(z), name="small_cnn")
cnn.get_layer("bn").set_weights(
    [rng.uniform(0.5, 1.5, 4).astype("float32") for _ in range(4)]
)
"""

TORCH_CELL = """
import torch
net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
"""

ZOO_CELL = """
zi = keras.Input((12, 12, 3), name="zoo_in")
a = layers.Rescaling(0.5, offset=0.1, name="rescale")(zi)
a = layers.ZeroPadding2D(1, name="pad")(a)
a = layers.Conv2D(6, 3, activation="relu", name="zconv")(a)
a = layers.DepthwiseConv2D(3, padding="same", name="dw")(a)
a = layers.SeparableConv2D(8, 3, activation="swish", name="sep")(a)
a = layers.BatchNormalization(name="zbn")(a)
a = layers.AveragePooling2D(2, name="avg")(a)
a = layers.UpSampling2D(name="up")(a)
a = layers.MaxPooling2D(name="zmax")(a)
a = layers.LeakyReLU(negative_slope=0.2, name="leaky")(a)
a = layers.PReLU(name="prelu")(a)
b = layers.GlobalMaxPooling2D(name="gmax")(a)
c = layers.GlobalAveragePooling2D(name="gavg")(a)
m = layers.Multiply(name="mul")([b, c])
m = layers.Average(name="mean")([m, b])
m = layers.Maximum(name="max")([m, c])
m = layers.Minimum(name="min")([m, b])
m = layers.Activation("tanh", name="act")(m)
m = layers.Reshape((2, 4), name="reshape")(m)
m = layers.Permute((2, 1), name="perm")(m)
m = layers.LayerNormalization(name="ln")(m)
m = layers.Flatten(name="flat")(m)
m = layers.Dense(5, activation="elu", name="zdense")(m)
m = layers.RepeatVector(2, name="rep")(m)
m = layers.Flatten(name="flat2")(m)
zoo_img = keras.Model(zi, layers.Softmax(name="soft")(m), name="zoo_img")
zoo_img.get_layer("zbn").set_weights(
    [rng.uniform(0.5, 1.5, 8).astype("float32") for _ in range(4)]
)

si = keras.Input((10,), dtype="int32", name="tokens")
s = layers.Embedding(20, 8, name="embed")(si)
s = layers.Conv1D(6, 3, padding="same", activation="gelu", name="c1")(s)
s = layers.MaxPooling1D(name="mp1")(s)
s = layers.AveragePooling1D(pool_size=1, name="ap1")(s)
s = layers.LayerNormalization(name="ln1")(s)
s1 = layers.GlobalAveragePooling1D(name="gap1")(s)
s2 = layers.GlobalMaxPooling1D(name="gmp1")(s)
s = layers.Concatenate(name="cat1")([s1, s2])
s = layers.Dense(4, activation="sigmoid", name="sd")(s)
zoo_seq = keras.Model(si, layers.ELU(name="elu")(s), name="zoo_seq")
"""


class KernelSession:
    """A started kernel, its client, and one open `layerwise` comm."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "CUDA_VISIBLE_DEVICES": "-1",
        }
        self.km, self.kc = start_new_kernel(
            kernel_name="python3", startup_timeout=120, env=env, cwd=str(ROOT)
        )
        self.comm_id: str | None = None
        self.hello: dict | None = None
        # every kernel -> frontend payload, checked against the zod schemas at the end
        self.received: list[dict] = []

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def execute(self, code: str, timeout: float = 180) -> None:
        msg_id = self.kc.execute(textwrap.dedent(code), store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise AssertionError(f"cell failed: {content.get('ename')}: {content.get('evalue')}")

    def _send_shell(self, msg_type: str, content: dict) -> None:
        self.kc.shell_channel.send(self.kc.session.msg(msg_type, content))

    def _next_comm_msg(self, deadline: float) -> dict:
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["msg_type"] in ("comm_msg", "comm_close"):
                return msg

    def open_comm(self, timeout: float = 30) -> tuple[str, dict | None]:
        """Opens a comm; returns its id and the first message (None when the kernel closed it)."""
        comm_id = uuid.uuid4().hex
        self._send_shell("comm_open", {"comm_id": comm_id, "target_name": "layerwise", "data": {}})
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next_comm_msg(deadline)
            if msg["content"].get("comm_id") != comm_id:
                continue
            if msg["msg_type"] == "comm_close":
                return comm_id, None
            self.received.append(msg["content"]["data"])
            return comm_id, msg["content"]["data"]

    def request(self, data: dict, timeout: float = 120) -> list[tuple[dict, list[bytes]]]:
        """Sends one request; returns every answer (data, buffers) up to the final one."""
        data = {"requestId": uuid.uuid4().hex, **data}
        self._send_shell("comm_msg", {"comm_id": self.comm_id, "data": data})
        deadline = time.monotonic() + timeout
        answers = []
        while True:
            msg = self._next_comm_msg(deadline)
            if msg["content"].get("comm_id") != self.comm_id or msg["msg_type"] != "comm_msg":
                continue
            answer = msg["content"]["data"]
            if answer.get("requestId") not in (data["requestId"], None):
                continue
            self.received.append(answer)
            answers.append((answer, [bytes(b) for b in msg.get("buffers", [])]))
            if answer["type"] in ("inspection", "exported", "error"):
                return answers

    def inspect(self, cell: str) -> dict:
        answers = self.request({"type": "inspect", "cellSource": textwrap.dedent(cell)})
        assert len(answers) == 1
        return answers[0][0]

    def export(self, **fields) -> tuple[dict, dict[str, bytes], dict[str, dict]]:
        """The final message, each part's bytes reassembled, and each part's last header."""
        answers = self.request({"type": "export", **fields})
        final = answers[-1][0]
        parts: dict[str, bytearray] = {}
        headers: dict[str, dict] = {}
        for header, buffers in answers[:-1]:
            assert header["type"] == "chunk"
            assert len(buffers) == 1
            data = parts.setdefault(header["part"], bytearray())
            assert header["offset"] == len(data), "chunks arrive in order"
            assert header["index"] == headers.get(header["part"], {"index": -1})["index"] + 1
            data.extend(buffers[0])
            headers[header["part"]] = header
        for part, header in headers.items():
            assert header["final"] and header["totalBytes"] == len(parts[part])
        return final, {k: bytes(v) for k, v in parts.items()}, headers


@pytest.fixture(scope="module")
def kernel():
    session = KernelSession()
    try:
        session.execute(SETUP)
        _, unregistered = session.open_comm()
        assert unregistered is None, "before register() the kernel closes the comm"
        session.execute("import layerwise.kernel; layerwise.kernel.register()")
        session.execute("__import__('layerwise.kernel').kernel.register()")  # twice: harmless
        session.comm_id, session.hello = session.open_comm()
        session.execute(MLP_CELL)
        session.execute(CNN_CELL)
        yield session
    finally:
        session.close()


def by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


def test_hello_on_open(kernel):
    assert kernel.hello["type"] == "hello"
    assert kernel.hello["protocolVersion"] == 1
    assert kernel.hello["frameworks"]["keras"].startswith("3.")
    assert kernel.hello["frameworks"]["torch"] is None


def test_inspect_sequential_lists_layers_and_arrays(kernel):
    found = kernel.inspect(MLP_CELL)
    assert found["type"] == "inspection"
    first = found["models"][0]
    assert first["name"] == "mlp" and first["inCell"]
    assert (first["framework"], first["className"], first["modelName"]) == (
        "keras",
        "Sequential",
        "mlp_model",
    )
    assert first["inputShape"] == [4] and first["classes"] == 3
    assert [(la["name"], la["className"], la["outputShape"]) for la in first["layers"]] == [
        ("hidden", "Dense", [16]),
        ("drop", "Dropout", [16]),
        ("probs", "Dense", [3]),
    ]
    assert [la["params"] for la in first["layers"]] == [80, 0, 51]
    assert first["exportable"] and first["problem"] is None
    # the CNN is elsewhere in the namespace, not in this cell
    assert by_name(found["models"])["cnn"]["inCell"] is False
    arrays = by_name(found["arrays"])
    assert arrays["x_train"]["shape"] == [300, 4] and arrays["x_train"]["dtype"] == "float64"
    assert arrays["images"]["shape"] == [20, 8, 8, 1]
    assert (arrays["x_tensor"]["kind"], arrays["x_tensor"]["shape"]) == ("tensorflow", [7, 4])
    assert "not_an_array" not in arrays and "rng" not in arrays
    assert first["suggested"] == {
        "samples": "x_test",
        "sampleLabels": "y_test",
        "trainInputs": "x_train",
        "trainLabels": "y_train",
    }
    assert found["warnings"] == []


def test_inspect_functional_cnn(kernel):
    found = kernel.inspect(CNN_CELL)
    cells = [m for m in found["models"] if m["inCell"]]
    assert [m["name"] for m in cells] == ["cnn"]
    cnn = cells[0]
    assert cnn["className"] == "Functional" and cnn["inputShape"] == [8, 8, 1]
    layers = by_name(cnn["layers"])
    assert list(layers) == ["conv", "bn", "relu", "skip", "concat", "pool", "gap", "logits"]
    assert layers["bn"]["params"] == 16 and layers["bn"]["hasWeights"]
    assert layers["concat"]["outputShape"] == [8, 8, 8]
    assert not layers["skip"]["hasWeights"]
    assert cnn["suggested"]["samples"] == "images"


def test_cell_that_only_uses_a_model_and_tuple_targets(kernel):
    kernel.execute("left, (right, other) = mlp, (cnn, 3)")
    found = kernel.inspect("left, (right, other) = mlp, (cnn, 3)\nhistory = None")
    # assigned names first, then the ones the cell reads
    assert [m["name"] for m in found["models"] if m["inCell"]] == ["left", "right", "mlp", "cnn"]
    assert "`history` is assigned" in found["warnings"][0]
    uses = kernel.inspect("%time preds = cnn.predict(images)\n!echo hi")
    assert [m["name"] for m in uses["models"] if m["inCell"]] == ["cnn"]
    assert "`preds` is assigned in this cell" in uses["warnings"][0]


def test_cell_without_model(kernel):
    kernel.execute("total = 1 + 1")
    found = kernel.inspect("total = 1 + 1")
    assert not [m for m in found["models"] if m["inCell"]]
    assert "no model" in found["warnings"][-1]
    assert "mlp" in found["warnings"][-1] and "cnn" in found["warnings"][-1]


def test_cell_that_has_not_run(kernel):
    # as after a kernel restart: the cell's names do not exist, so whether it defines a model
    # is unknown, and one message says what to do
    found = kernel.inspect("fresh_model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])")
    assert not [m for m in found["models"] if m["inCell"]]
    assert len(found["warnings"]) == 1
    warning = found["warnings"][0]
    assert "has not run in this kernel yet (`fresh_model` does not exist" in warning
    assert "no model" not in warning
    assert "mlp" in warning and "cnn" in warning


def test_unsupported_layer_and_activation(kernel):
    kernel.execute(
        """
        lstm_model = keras.Sequential(
            [keras.Input((5, 3)), layers.LSTM(4, name="recurrent"), layers.Dense(2)]
        )
        leaky_model = keras.Sequential(
            [keras.Input((3,)), layers.Dense(2, activation="leaky_relu", name="lk")]
        )
        """
    )
    found = by_name(kernel.inspect("lstm_model\nleaky_model")["models"])
    lstm = found["lstm_model"]
    assert not lstm["exportable"]
    assert "`recurrent` (LSTM)" in lstm["problem"] and "Conv2D" in lstm["problem"]
    assert [la["supported"] for la in lstm["layers"]] == [False, True]
    final, parts, _ = kernel.export(model="lstm_model")
    assert final["type"] == "error" and final["code"] == "unsupported-layer"
    assert "`recurrent` (LSTM)" in final["message"]
    assert "BatchNormalization" in final["hint"] and parts == {}
    assert "leaky_relu" in found["leaky_model"]["problem"]


def test_subclassed_and_unbuilt_models(kernel):
    kernel.execute(
        """
        class Custom(keras.Model):
            def __init__(self):
                super().__init__()
                self.d = layers.Dense(2)

            def call(self, x):
                return self.d(x) * 2

        custom = Custom()
        custom(np.zeros((1, 3), "float32"))
        unbuilt = keras.Sequential([layers.Dense(2)])
        """
    )
    found = by_name(kernel.inspect("custom\nunbuilt")["models"])
    assert "subclassed" in found["custom"]["problem"]
    assert "not built" in found["unbuilt"]["problem"]
    final, _, _ = kernel.export(model="unbuilt")
    assert final["code"] == "not-built" and "keras.Input" in final["hint"]


def test_errors_for_bad_requests_and_names(kernel):
    syntax = kernel.inspect("def broken(:\n  pass")
    assert syntax["type"] == "error" and syntax["code"] == "syntax-error"
    assert "line 1" in syntax["message"]

    unknown = kernel.request({"type": "launch"})[-1][0]
    assert unknown["code"] == "bad-request" and "launch" in unknown["message"]

    final, _, _ = kernel.export(model="no_such_model")
    assert final["code"] == "unknown-model" and "`no_such_model`" in final["message"]
    final, _, _ = kernel.export(model="x_train")
    assert final["code"] == "unknown-model" and "ndarray" in final["message"]
    final, _, _ = kernel.export(model=None, arrays={"samples": {"name": "gone"}})
    assert final["code"] == "unknown-array"
    final, _, _ = kernel.export(model=None, arrays={"samples": {"name": "not_an_array"}})
    assert final["code"] == "bad-array"
    final, _, _ = kernel.export(model="mlp", arrays={"samples": {"name": "images"}})
    assert final["code"] == "bad-array" and "[N, 4]" in final["message"]
    final, _, _ = kernel.export(
        model=None, arrays={"samples": {"name": "x_test", "start": 39, "count": 5}}
    )
    assert final["code"] == "bad-array" and "40 rows" in final["message"]


def test_export_arrays_rows_subset_and_chunks(kernel, tmp_path):
    kernel.execute(
        """
        x_big = np.arange(200 * 300, dtype=np.float64).reshape(200, 300)
        y_big = np.arange(200) % 7
        y_onehot = np.eye(3)[y_test]
        """
    )
    final, parts, headers = kernel.export(
        model=None,
        arrays={
            "samples": {"name": "x_test", "start": 5, "count": 10},
            "sampleLabels": {"name": "y_onehot", "start": 5, "count": 10},
            "trainInputs": {"name": "x_big"},
            "trainLabels": {"name": "y_big"},
        },
        maxTrainRows=150,
        seed=3,
        chunkBytes=64 * 1024,
    )
    assert final["type"] == "exported", final
    assert [p["part"] for p in final["parts"]] == [
        "array:samples",
        "array:sampleLabels",
        "array:trainInputs",
        "array:trainLabels",
    ]
    kernel.execute(
        f"np.save({str(tmp_path / 'x.npy')!r}, x_test[5:15])\n"
        f"np.save({str(tmp_path / 'y.npy')!r}, y_test[5:15])"
    )
    shape = headers["array:samples"]["shape"]
    samples = np.frombuffer(parts["array:samples"], "<f4").reshape(shape)
    np.testing.assert_array_equal(samples, np.load(tmp_path / "x.npy"))
    labels = np.frombuffer(parts["array:sampleLabels"], "<i4")
    assert headers["array:sampleLabels"]["dtype"] == "int32"
    np.testing.assert_array_equal(labels, np.load(tmp_path / "y.npy"))
    assert any("argmax" in w for w in final["warnings"])

    train = np.frombuffer(parts["array:trainInputs"], "<f4").reshape(150, 300)
    train_labels = np.frombuffer(parts["array:trainLabels"], "<i4")
    rows = (train[:, 0] / 300).astype(int)
    assert np.all(np.diff(rows) > 0), "a subset in row order"
    np.testing.assert_array_equal(train_labels, rows % 7)  # the same rows for both
    trained = final["parts"][2]
    assert trained["chunks"] == 3 and trained["shape"] == [150, 300]  # 180000 B / 64 KiB
    assert any("150 of 200" in w for w in final["warnings"])

    final, parts, _ = kernel.export(
        model="mlp", arrays={"samples": {"name": "x_tensor", "count": 2}}
    )
    assert final["type"] == "exported", final
    kernel.execute(f"np.save({str(tmp_path / 'x2.npy')!r}, x_test[:2])")
    from_tensor = np.frombuffer(parts["array:samples"], "<f4").reshape(2, 4)
    np.testing.assert_array_equal(from_tensor, np.load(tmp_path / "x2.npy"))


def _save_check_dir(directory: Path, parts: dict[str, bytes], inputs: np.ndarray) -> None:
    directory.mkdir(parents=True)
    (directory / "model.json").write_bytes(parts["model.json"])
    (directory / "weights.bin").write_bytes(parts["weights.bin"])
    dtype = "int32" if inputs.dtype == np.int32 else "float32"
    inputs.astype("<" + ("i4" if dtype == "int32" else "f4")).tofile(directory / "input.bin")
    (directory / "input.json").write_text(json.dumps({"shape": list(inputs.shape), "dtype": dtype}))
    np.save(directory / "input.npy", inputs)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_exported_models_match_keras_in_tfjs(kernel, tmp_path):
    kernel.execute(ZOO_CELL)
    rng = np.random.default_rng(7)
    cases = {
        "mlp": rng.normal(size=(6, 4)).astype("float32"),
        "cnn": rng.normal(size=(3, 8, 8, 1)).astype("float32"),
        "zoo_img": rng.normal(size=(2, 12, 12, 3)).astype("float32"),
        "zoo_seq": rng.integers(0, 20, size=(3, 10)).astype("int32"),
    }
    for name, inputs in cases.items():
        final, parts, _ = kernel.export(model=name, chunkBytes=64 * 1024)
        assert final["type"] == "exported", final
        assert [p["part"] for p in final["parts"]] == ["model.json", "weights.bin"]
        _save_check_dir(tmp_path / name, parts, inputs)
        kernel.execute(
            f"np.save({str(tmp_path / name / 'keras.npy')!r}, "
            f"np.asarray({name}(np.load({str(tmp_path / name / 'input.npy')!r}), "
            "training=False)))"
        )
    model_json = json.loads((tmp_path / "cnn" / "model.json").read_text())
    topology = model_json["modelTopology"]
    assert topology["keras_version"].startswith("2.") and topology["backend"] == "tensorflow"
    first = topology["model_config"]["config"]["layers"][0]["config"]
    assert first["batch_input_shape"] == [None, 8, 8, 1] and "batch_shape" not in first
    names = [w["name"] for w in model_json["weightsManifest"][0]["weights"]]
    assert names[:6] == [
        "conv/kernel",
        "conv/bias",
        "bn/gamma",
        "bn/beta",
        "bn/moving_mean",
        "bn/moving_variance",
    ]

    run = subprocess.run(
        ["npx", "tsx", str(ROOT / "tests_py" / "tfjs_load_check.ts")]
        + [str(tmp_path / name) for name in cases],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(cases), run.stdout + run.stderr
    for name, line in zip(cases, lines, strict=True):
        assert "error" not in line, f"{name}: {line.get('error')}"
        expected = np.load(tmp_path / name / "keras.npy")
        got = np.asarray(line["values"], dtype=np.float64).reshape(line["shape"])
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() <= TOLERANCE, name
        assert np.abs(expected).max() > 1e-3, f"{name}: outputs must not be trivially zero"
    mlp_line = lines[0]
    assert [la["name"] for la in mlp_line["layers"]] == ["features", "hidden", "drop", "probs"]


def test_tfjs_file_model_is_found_and_reexported(kernel, tmp_path):
    final, parts, _ = kernel.export(model="mlp")
    folder = tmp_path / "saved"
    folder.mkdir()
    manifest = json.loads(parts["model.json"])
    weights = parts["weights.bin"]
    half = len(weights) // 2
    manifest["weightsManifest"][0]["paths"] = ["group1-shard1of2.bin", "group1-shard2of2.bin"]
    (folder / "model.json").write_text(json.dumps(manifest))
    (folder / "group1-shard1of2.bin").write_bytes(weights[:half])
    (folder / "group1-shard2of2.bin").write_bytes(weights[half:])

    kernel.execute(f"from pathlib import Path\nsaved = Path({str(folder)!r})")
    found = kernel.inspect("saved")
    model = found["models"][0]
    assert (model["name"], model["framework"], model["inCell"]) == ("saved", "tfjs-file", True)
    assert model["inputShape"] == [4] and model["classes"] == 3
    assert [(la["name"], la["params"]) for la in model["layers"]] == [
        ("hidden", 80),
        ("drop", 0),
        ("probs", 51),
    ]
    final, parts, _ = kernel.export(model="saved")
    assert final["type"] == "exported"
    assert parts["weights.bin"] == weights
    assert json.loads(parts["model.json"])["weightsManifest"][0]["paths"] == ["weights.bin"]

    (folder / "group1-shard2of2.bin").unlink()
    final, _, _ = kernel.export(model="saved")
    assert final["code"] == "bad-model-file" and "group1-shard2of2.bin" in final["message"]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_every_message_sent_matches_the_typescript_schemas(kernel, tmp_path):
    kernel.inspect(MLP_CELL)
    kernel.export(
        model="mlp", arrays={"samples": {"name": "x_test"}, "sampleLabels": {"name": "y_test"}}
    )
    if importlib.util.find_spec("torch") is not None:
        kernel.execute(TORCH_CELL)
        torch_model = by_name(kernel.inspect(TORCH_CELL)["models"])["net"]
        assert torch_model["framework"] == "torch" and torch_model["exportable"]
        final, parts, _ = kernel.export(
            model="net", arrays={"samples": {"name": "x_test"}}, layers=["1"]
        )
        assert final["type"] == "exported" and list(parts) == ["model.onnx", "array:samples"]
    kernel.export(model="no_such_model")
    kernel.request({"type": "inspect"})
    assert {m["type"] for m in kernel.received} == {
        "hello",
        "inspection",
        "chunk",
        "exported",
        "error",
    }
    path = tmp_path / "messages.json"
    path.write_text(json.dumps(kernel.received))
    run = subprocess.run(
        ["npx", "tsx", str(ROOT / "tests_py" / "kernel_messages_check.ts"), str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["checked"] == len(kernel.received)
    assert report["invalid"] == []

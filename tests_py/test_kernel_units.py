"""The kernel plugin's parts without a kernel (fast: no TensorFlow, no subprocess)."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest

from layerwise.kernel import register
from layerwise.kernel.arrays import as_labels, describe_array, rows, to_wire, train_subset
from layerwise.kernel.comm import MIN_CHUNK_BYTES, LayerwiseComm, validate
from layerwise.kernel.discovery import cell_names, inspect_cell, suggest_arrays
from layerwise.kernel.errors import KernelPluginError
from layerwise.kernel.keras_export import translate_layer


class FakeComm:
    def __init__(self) -> None:
        self.sent: list[tuple[dict, list]] = []
        self.handler = None

    def on_msg(self, handler) -> None:
        self.handler = handler

    def send(self, data: dict, buffers: list | None = None) -> None:
        self.sent.append((data, [bytes(b) for b in buffers or []]))


def talk(user_ns: dict, data: dict) -> list[tuple[dict, list]]:
    comm = FakeComm()
    LayerwiseComm(comm, lambda: user_ns)
    comm.handler({"content": {"data": data}})
    return comm.sent


# ----------------------------------------------------------------------- cell parsing


def test_cell_names_covers_every_kind_of_target_in_source_order():
    source = (
        "import numpy as np\n"
        "model, (x_tr, y_tr) = build(), load()\n"
        "for i, batch in enumerate(x_tr):\n"
        "    total += batch\n"
        "with open(path) as fh:\n"
        "    pass\n"
        "if (n := len(y_tr)) > 3:\n"
        "    history = model.fit(x_tr, y_tr)\n"
        "obj.attr = model\n"
    )
    assigned, read = cell_names(source)
    assert assigned == ["model", "x_tr", "y_tr", "i", "batch", "total", "fh", "n", "history"]
    assert read == ["build", "load", "enumerate", "open", "path", "len", "obj"]


def test_cell_names_reads_through_magics_and_rejects_bad_syntax():
    assigned, read = cell_names("%%time\nacc = model.evaluate(x_val)\n")
    assert assigned == ["acc"] and {"model", "x_val"} <= set(read)
    assigned, _ = cell_names("!pip list\n%matplotlib inline\nnet = make()")
    assert assigned == ["net"]
    with pytest.raises(KernelPluginError) as err:
        cell_names("x = (1,\n")
    assert err.value.code == "syntax-error"


# ----------------------------------------------------------------------- arrays


def test_labels_become_int32_class_indices():
    warnings: list[str] = []
    np.testing.assert_array_equal(as_labels(np.array([2, 0, 1]), "y", warnings), [2, 0, 1])
    assert as_labels(np.array([[1.0], [0.0]]), "y", warnings).dtype == np.int32
    onehot = np.eye(4)[[3, 1, 2]]
    np.testing.assert_array_equal(as_labels(onehot, "y1h", warnings), [3, 1, 2])
    assert "`y1h` has 4 columns" in warnings[0]
    for bad in (np.array([0.5, 1.0]), np.array([-1, 2]), np.zeros((2, 2, 2))):
        with pytest.raises(KernelPluginError) as err:
            as_labels(bad, "bad", [])
        assert err.value.code == "bad-array"


def test_wire_bytes_are_little_endian_row_major():
    big_endian = np.arange(6, dtype=">i4").reshape(2, 3).T  # neither native order nor C-order
    data, dtype, shape = to_wire(big_endian)
    assert (dtype, shape) == ("int32", [3, 2])
    assert bytes(data) == np.array([[0, 3], [1, 4], [2, 5]], dtype="<i4").tobytes()
    _, dtype, _ = to_wire(np.ones(3, dtype=np.float16))
    assert dtype == "float32"


def test_pandas_frames_carry_their_column_names(monkeypatch):
    class Series:
        def __init__(self, values):
            self.values = np.asarray(values)
            self.dtype, self.shape = self.values.dtype, self.values.shape

        def __len__(self):
            return len(self.values)

        def to_numpy(self):
            return self.values

    class DataFrame(Series):
        def __init__(self, columns: dict):
            super().__init__(np.stack(list(columns.values()), axis=1))
            self.columns = list(columns)
            self.dtypes = [np.asarray(c).dtype for c in columns.values()]

    fake = types.ModuleType("pandas")
    fake.DataFrame, fake.Series = DataFrame, Series
    monkeypatch.setitem(sys.modules, "pandas", fake)
    frame = DataFrame({"age": [30, 41], "income": [1.5, 2.5]})
    info = describe_array("table", frame, True)
    assert info["kind"] == "pandas" and info["featureNames"] == ["age", "income"]
    assert (info["shape"], info["dtype"]) == ([2, 2], "float64")
    assert describe_array("col", Series([1, 2, 3]), False)["dtype"] == "int64"
    assert describe_array("words", Series(["a", "b"]), False) is None
    np.testing.assert_array_equal(rows(frame, 1, 1, "table"), [[41.0, 2.5]])


def test_rows_and_train_subset():
    x = np.arange(10)
    np.testing.assert_array_equal(rows(x, 2, 3, "x"), [2, 3, 4])
    with pytest.raises(KernelPluginError, match="10 rows"):
        rows(x, 8, 5, "x")
    subset = train_subset(100, 10, seed=4)
    assert len(subset) == 10 and np.all(np.diff(subset) > 0)
    np.testing.assert_array_equal(subset, train_subset(100, 10, seed=4))
    assert not np.array_equal(subset, train_subset(100, 10, seed=5))
    assert train_subset(10, 10, seed=0) is None


# ----------------------------------------------------------------------- requests


def test_validate_fills_defaults_and_rejects_malformed_requests():
    request = validate(
        {"type": "export", "requestId": "r1", "model": "m", "arrays": {"samples": {"name": "x"}}}
    )
    assert request["seed"] == 0 and request["maxTrainRows"] is None
    assert request["chunkBytes"] == 4 * 1024 * 1024
    assert validate({**request, "chunkBytes": 10})["chunkBytes"] == MIN_CHUNK_BYTES
    bad = [
        {"type": "inspect", "requestId": "r"},
        {"type": "inspect", "cellSource": ""},
        {"type": "export", "requestId": "r", "model": 3},
        {"type": "export", "requestId": "r", "model": None, "arrays": {"weird": {"name": "x"}}},
        {"type": "export", "requestId": "r", "model": None, "maxTrainRows": 0},
        {
            "type": "export",
            "requestId": "r",
            "model": None,
            "arrays": {"samples": {"name": "x", "start": -1}},
        },
        ["not", "an", "object"],
    ]
    for data in bad:
        with pytest.raises(KernelPluginError) as err:
            validate(data)
        assert err.value.code == "bad-request"


EXPORT = {"type": "export", "requestId": "r"}
REFUSALS = [
    ({"type": "inspect"}, "`requestId` must be a non-empty string."),
    ({"type": "inspect", "requestId": ""}, "`requestId` must be a non-empty string."),
    ({"type": "inspect", "requestId": "r"}, "`cellSource` must be a string."),
    (
        {"type": "run", "requestId": "r"},
        "Unknown request type 'run'; expected 'inspect' or 'export'.",
    ),
    ({**EXPORT, "model": ""}, "`model` must be a variable name or null."),
    ({**EXPORT, "model": 3}, "`model` must be a variable name or null."),
    ({**EXPORT, "arrays": ["x"]}, "`arrays` must map roles to {name, start?, count?}."),
    (
        {**EXPORT, "arrays": {"weird": {"name": "x"}}},
        "Unknown array role 'weird'; expected one of samples, sampleLabels, trainInputs, "
        "trainLabels.",
    ),
    ({**EXPORT, "arrays": {"samples": "x"}}, "`arrays.samples` must be {name, start?, count?}."),
    (
        {**EXPORT, "arrays": {"samples": {"start": 1}}},
        "`arrays.samples` must be {name, start?, count?}.",
    ),
    (
        {**EXPORT, "arrays": {"samples": {"name": "x", "start": -1}}},
        "`arrays.samples.start` must be an integer >= 0.",
    ),
    (
        {**EXPORT, "arrays": {"trainLabels": {"name": "y", "count": 0}}},
        "`arrays.trainLabels.count` must be an integer >= 1.",
    ),
    (
        {**EXPORT, "arrays": {"samples": {"name": "x", "count": True}}},
        "`arrays.samples.count` must be an integer >= 1.",
    ),
    ({**EXPORT, "layers": "dense"}, "`layers` must be a list of layer names."),
    ({**EXPORT, "layers": ["dense", ""]}, "`layers` must be a list of layer names."),
    ({**EXPORT, "maxTrainRows": 0}, "`maxTrainRows` must be an integer >= 1."),
    ({**EXPORT, "seed": -1}, "`seed` must be an integer >= 0."),
    ({**EXPORT, "seed": 1.5}, "`seed` must be an integer >= 0."),
    ({**EXPORT, "chunkBytes": 0}, "`chunkBytes` must be an integer >= 1."),
    (["not", "an", "object"], "A request must be a JSON object."),
]


@pytest.mark.parametrize(("data", "message"), REFUSALS)
def test_each_malformed_request_is_refused_with_what_to_fix(data, message):
    with pytest.raises(KernelPluginError) as err:
        validate(data)
    assert (err.value.code, err.value.message) == ("bad-request", message)


def test_validate_accepts_the_least_values_and_caps_the_chunk_size():
    request = validate(
        {
            **EXPORT,
            "arrays": {
                "samples": {"name": "x", "start": 0, "count": 1},
                "trainLabels": {"name": "y"},
            },
            "layers": ["a", "b"],
            "maxTrainRows": 1,
            "seed": 0,
            "chunkBytes": 10**12,
        }
    )
    assert request == {
        "type": "export",
        "requestId": "r",
        "model": None,
        "arrays": {"samples": {"name": "x", "start": 0, "count": 1}, "trainLabels": {"name": "y"}},
        "layers": ["a", "b"],
        "maxTrainRows": 1,
        "seed": 0,
        "chunkBytes": 16 * 1024 * 1024,
    }
    assert validate({"type": "inspect", "requestId": "i", "cellSource": "", "x": 1}) == {
        "type": "inspect",
        "requestId": "i",
        "cellSource": "",
    }


def test_a_refused_request_is_answered_under_its_own_id():
    ((answer, _),) = talk({}, {"type": "inspect", "requestId": "q7"})
    assert (answer["type"], answer["requestId"], answer["code"]) == ("error", "q7", "bad-request")
    assert answer["message"] == "`cellSource` must be a string."


def test_an_unexpected_failure_is_answered_as_internal_with_its_type():
    def lost_namespace() -> dict:
        raise RuntimeError("namespace gone")

    comm = FakeComm()
    LayerwiseComm(comm, lost_namespace)
    comm.handler({"content": {"data": {"type": "inspect", "requestId": "e9", "cellSource": ""}}})
    ((answer, _),) = comm.sent
    assert (answer["type"], answer["requestId"], answer["code"]) == ("error", "e9", "internal")
    assert answer["message"] == "RuntimeError: namespace gone"


def test_malformed_message_gets_an_error_without_request_id():
    ((answer, buffers),) = talk({}, {"type": "inspect"})
    assert answer == {
        "type": "error",
        "requestId": None,
        "code": "bad-request",
        "message": "`requestId` must be a non-empty string.",
        "hint": None,
    }
    assert buffers == []


def test_array_export_streams_chunks_in_order():
    user_ns = {"x_test": np.arange(50_000, dtype=np.float64).reshape(10_000, 5)}
    request = {
        "type": "export",
        "requestId": "e1",
        "model": None,
        "arrays": {"samples": {"name": "x_test", "start": 100, "count": 9000}},
        "chunkBytes": 65536,
    }
    sent = talk(user_ns, request)
    chunks, final = sent[:-1], sent[-1][0]
    assert final["type"] == "exported" and final["requestId"] == "e1"
    total = 9000 * 5 * 4
    assert final["parts"] == [
        {
            "part": "array:samples",
            "bytes": total,
            "chunks": 3,
            "source": "x_test",
            "dtype": "float32",
            "shape": [9000, 5],
        }
    ]
    assert [c["index"] for c, _ in chunks] == [0, 1, 2]
    assert [c["offset"] for c, _ in chunks] == [0, 65536, 131072]
    assert [c["final"] for c, _ in chunks] == [False, False, True]
    data = b"".join(b[0] for _, b in chunks)
    np.testing.assert_array_equal(
        np.frombuffer(data, "<f4").reshape(9000, 5), user_ns["x_test"][100:9100]
    )


def test_labels_without_matching_rows_are_refused():
    user_ns = {"x": np.zeros((5, 2)), "y": np.zeros(4, dtype=int)}
    request = {
        "type": "export",
        "requestId": "e2",
        "model": None,
        "arrays": {"trainInputs": {"name": "x"}, "trainLabels": {"name": "y"}},
    }
    ((answer, _),) = talk(user_ns, request)
    assert answer["code"] == "bad-array" and "5 rows" in answer["message"]


# ----------------------------------------------------------------------- discovery


def test_inspect_without_models_lists_arrays_and_says_so():
    user_ns = {
        "x_train": np.zeros((30, 3)),
        "labels": np.zeros(30, dtype=np.int64),
        "_hidden": np.zeros(3),
        "text": "hello",
        "scalar": np.float64(3.0),
    }
    found = inspect_cell("x_train = load()\nunknown_yet = 1", user_ns)
    assert found["models"] == []
    assert [a["name"] for a in found["arrays"]] == ["x_train", "labels"]
    assert [a["inCell"] for a in found["arrays"]] == [True, False]
    # a name of the cell is missing: it has not run, so whether it defines a model is unknown
    assert found["warnings"] == [
        "This cell has not run in this kernel yet (`unknown_yet` does not exist; after a kernel "
        "restart, every cell has to run again): run it and the cells it needs, then choose "
        "Analyze layers again."
    ]
    ran = inspect_cell("x_train = load()", user_ns)
    assert ran["models"] == []
    assert len(ran["warnings"]) == 1 and "This cell defines or uses no model" in ran["warnings"][0]


def test_suggestions_pair_inputs_with_labels_by_shape_and_name():
    def arr(name, shape, in_cell=False):
        return {"name": name, "shape": shape, "inCell": in_cell}

    arrays = [
        arr("train_images", [600, 28, 28, 1]),
        arr("train_labels", [600]),
        arr("test_images", [100, 28, 28, 1]),
        arr("test_labels", [100]),
        arr("flat", [100, 784]),
        arr("onehot", [100, 10]),
    ]
    model = {"inputShape": [28, 28, 1], "classes": 10}
    assert suggest_arrays(model, arrays) == {
        "samples": "test_images",
        "sampleLabels": "test_labels",
        "trainInputs": "train_images",
        "trainLabels": "train_labels",
    }
    no_fit = suggest_arrays({"inputShape": [3], "classes": 2}, arrays)
    assert set(no_fit.values()) == {None}


def test_tfjs_model_json_paths_are_models(tmp_path):
    topology = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 3], "name": "in"},
                },
                {"class_name": "Dense", "config": {"name": "out", "units": 2}},
            ],
        },
    }
    manifest = [
        {
            "paths": ["a.bin"],
            "weights": [{"name": "out/kernel", "shape": [3, 2], "dtype": "float32"}],
        }
    ]
    folder = tmp_path / "web_model"
    folder.mkdir()
    (folder / "model.json").write_text(
        json.dumps({"modelTopology": {"model_config": topology}, "weightsManifest": manifest})
    )
    (folder / "a.bin").write_bytes(bytes(24))
    user_ns = {"web": str(folder), "not_a_model": str(tmp_path), "a_json": str(folder / "a.bin")}
    found = inspect_cell("web", user_ns)
    assert [m["name"] for m in found["models"]] == ["web"]
    model = found["models"][0]
    assert (model["framework"], model["inputShape"], model["classes"]) == ("tfjs-file", [3], 2)
    assert model["layers"][0]["params"] == 6


# ----------------------------------------------------------------------- keras translation


def test_translate_dense_drops_keras3_only_keys():
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}
    glorot = {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": None, "input_axes": None},
        "registered_name": None,
    }
    out = translate_layer(
        "Dense",
        {
            "name": "d",
            "trainable": True,
            "dtype": policy,
            "units": 3,
            "activation": "silu",
            "use_bias": True,
            "kernel_initializer": glorot,
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.1}},
            "quantization_config": None,
        },
    )
    assert out["class_name"] == "Dense"
    config = out["config"]
    assert config["dtype"] == "float32" and config["activation"] == "swish"
    assert config["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": None}}
    assert config["kernel_regularizer"] is None and "quantization_config" not in config
    assert "module" not in json.dumps(out)


def test_translate_refuses_what_tfjs_would_compute_differently():
    cases = [
        ("GRU", {"name": "g"}, "`g` (GRU)"),
        ("ReLU", {"name": "r", "negative_slope": 0.1}, "negative_slope"),
        ("Conv2D", {"name": "c", "groups": 2, "activation": "linear"}, "groups=2"),
        ("Dense", {"name": "h", "units": 2, "activation": "hard_sigmoid"}, "hard_sigmoid"),
        ("GlobalAveragePooling2D", {"name": "p", "keepdims": True}, "keepdims"),
    ]
    for class_name, cfg, text in cases:
        with pytest.raises(KernelPluginError) as err:
            translate_layer(class_name, cfg)
        assert err.value.code == "unsupported-layer" and text in err.value.message
    with pytest.raises(KernelPluginError) as err:
        translate_layer("GRU", {"name": "g"})
    assert "Supported layers:" in err.value.hint and "BatchNormalization" in err.value.hint
    leaky = translate_layer("LeakyReLU", {"name": "l", "negative_slope": 0.3})
    assert leaky["config"]["alpha"] == 0.3 and "negative_slope" not in leaky["config"]
    first = translate_layer("InputLayer", {"name": "i", "batch_shape": [None, 5], "dtype": "int64"})
    assert first["config"] == {
        "batch_input_shape": [None, 5],
        "dtype": "int32",
        "sparse": False,
        "name": "i",
    }


def test_register_outside_a_kernel_says_so():
    with pytest.raises(RuntimeError, match="inside a Jupyter kernel"):
        register()

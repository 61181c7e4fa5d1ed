"""Keras 3 models -> the TF.js layers format (model.json + one float32 weights file).

TF.js 4.22 reads the Keras 2 config dialect only: InputLayer with `batch_input_shape`, dtypes as
plain strings, `class_name`/`config` objects without Keras 3's `module`/`registered_name`, and
functional graphs whose `inbound_nodes` are `[[layer, node, tensor, kwargs], ...]` lists. So each
layer's Keras 3 config is rebuilt key by key for the layer types TF.js implements with the same
numbers, and anything else is refused with the layer's name rather than exported wrongly.
Weights come from the live layers, named `<layer>/<weight>` as TF.js's loadWeights expects.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import KernelPluginError

# The config dialect written into model.json (what TF.js parses), not the Keras that made it.
CONFIG_DIALECT_VERSION = "2.15.0"
WEIGHTS_FILE = "weights.bin"

# Keras 3 activation name -> TF.js name. hard_sigmoid and leaky_relu are left out on purpose:
# Keras 3 changed hard_sigmoid's formula, and TF.js has no leaky_relu activation function.
_ACTIVATIONS = {
    "linear": "linear",
    "relu": "relu",
    "relu6": "relu6",
    "elu": "elu",
    "selu": "selu",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "softplus": "softplus",
    "softsign": "softsign",
    "tanh": "tanh",
    "silu": "swish",
    "swish": "swish",
    "mish": "mish",
    "gelu": "gelu",
}

# Initial values never matter (TF.js loads every weight over them), so initializers only need to
# parse: the common ones keep their parameters, the rest become Zeros.
_INITIALIZERS = {
    "Zeros": (),
    "Ones": (),
    "Constant": ("value",),
    "RandomNormal": ("mean", "stddev", "seed"),
    "RandomUniform": ("minval", "maxval", "seed"),
    "TruncatedNormal": ("mean", "stddev", "seed"),
    "GlorotUniform": ("seed",),
    "GlorotNormal": ("seed",),
    "HeUniform": ("seed",),
    "HeNormal": ("seed",),
    "LecunUniform": ("seed",),
    "LecunNormal": ("seed",),
}
_INITIALIZER_TFJS_NAMES = {"LecunUniform": "LeCunUniform", "LecunNormal": "LeCunNormal"}

# Field kinds of a layer spec.
KEEP, ACT, INIT, DROP = "keep", "activation", "initializer", "null"


@dataclass(frozen=True)
class LayerSpec:
    """How one Keras 3 layer class maps onto TF.js."""

    fields: dict[str, str] = field(default_factory=dict)
    # (TF.js weight name, Keras 3 variable name) in file order, given the TF.js config.
    weights: Callable[[dict], list[tuple[str, str]]] = lambda cfg: []
    # Returns why this config cannot be exported, or None.
    check: Callable[[dict], str | None] = lambda cfg: None
    # Renames Keras 3 keys to their TF.js (Keras 2) names.
    renames: dict[str, str] = field(default_factory=dict)


def _fields(keep: str = "", act: str = "", init: str = "", null: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for names, kind in ((keep, KEEP), (act, ACT), (init, INIT), (null, DROP)):
        out.update(dict.fromkeys(names.split(), kind))
    return out


def _with_bias(*names: str) -> Callable[[dict], list[tuple[str, str]]]:
    def weights(cfg: dict) -> list[tuple[str, str]]:
        pairs = [(n, n) for n in names]
        return pairs + ([("bias", "bias")] if cfg.get("use_bias", True) else [])

    return weights


def _norm_weights(cfg: dict) -> list[tuple[str, str]]:
    pairs = []
    if cfg.get("scale", True):
        pairs.append(("gamma", "gamma"))
    if cfg.get("center", True):
        pairs.append(("beta", "beta"))
    return pairs


def _bn_weights(cfg: dict) -> list[tuple[str, str]]:
    moving = [("moving_mean", "moving_mean"), ("moving_variance", "moving_variance")]
    return _norm_weights(cfg) + moving


def _no_groups(cfg: dict) -> str | None:
    groups = cfg.get("groups", 1)
    return None if groups in (None, 1) else f"groups={groups} (TF.js has no grouped convolution)"


def _no_keepdims(cfg: dict) -> str | None:
    return "keepdims=True (TF.js always drops the pooled axes)" if cfg.get("keepdims") else None


def _channels_last(cfg: dict) -> str | None:
    fmt = cfg.get("data_format", "channels_last")
    return None if fmt in (None, "channels_last") else f"data_format={fmt!r}"


def _no_rms(cfg: dict) -> str | None:
    return "rms_scaling=True" if cfg.get("rms_scaling") else None


def _scalar_rescaling(cfg: dict) -> str | None:
    ok = all(isinstance(cfg.get(k, 0), (int, float)) for k in ("scale", "offset"))
    return None if ok else "per-channel scale or offset"


def _plain_relu(cfg: dict) -> str | None:
    if cfg.get("threshold") not in (None, 0, 0.0):
        return "threshold != 0"
    if cfg.get("negative_slope") not in (None, 0, 0.0):
        return "negative_slope != 0 (use LeakyReLU)"
    return None


_CONV = _fields(
    keep="filters kernel_size strides padding data_format dilation_rate use_bias",
    act="activation",
    init="kernel_initializer bias_initializer",
    null="kernel_regularizer bias_regularizer activity_regularizer kernel_constraint "
    "bias_constraint",
)
_POOL = _fields(keep="pool_size strides padding data_format")
_MERGE = LayerSpec()

LAYERS: dict[str, LayerSpec] = {
    "Dense": LayerSpec(
        _fields(
            keep="units use_bias",
            act="activation",
            init="kernel_initializer bias_initializer",
            null="kernel_regularizer bias_regularizer activity_regularizer kernel_constraint "
            "bias_constraint",
        ),
        _with_bias("kernel"),
    ),
    "Conv1D": LayerSpec(_CONV, _with_bias("kernel"), _no_groups),
    "Conv2D": LayerSpec(_CONV, _with_bias("kernel"), _no_groups),
    "DepthwiseConv2D": LayerSpec(
        _fields(
            keep="kernel_size strides padding data_format dilation_rate depth_multiplier use_bias",
            act="activation",
            init="depthwise_initializer bias_initializer",
            null="depthwise_regularizer bias_regularizer activity_regularizer "
            "depthwise_constraint bias_constraint",
        ),
        lambda cfg: [("depthwise_kernel", "kernel")] + _with_bias()(cfg),
    ),
    "SeparableConv2D": LayerSpec(
        _fields(
            keep="filters kernel_size strides padding data_format dilation_rate "
            "depth_multiplier use_bias",
            act="activation",
            init="depthwise_initializer pointwise_initializer bias_initializer",
            null="depthwise_regularizer pointwise_regularizer bias_regularizer "
            "activity_regularizer depthwise_constraint pointwise_constraint bias_constraint",
        ),
        _with_bias("depthwise_kernel", "pointwise_kernel"),
    ),
    "MaxPooling1D": LayerSpec(_POOL, check=_channels_last),
    "AveragePooling1D": LayerSpec(_POOL, check=_channels_last),
    "MaxPooling2D": LayerSpec(_POOL),
    "AveragePooling2D": LayerSpec(_POOL),
    "GlobalAveragePooling1D": LayerSpec(check=lambda cfg: _no_keepdims(cfg) or _channels_last(cfg)),
    "GlobalMaxPooling1D": LayerSpec(check=lambda cfg: _no_keepdims(cfg) or _channels_last(cfg)),
    "GlobalAveragePooling2D": LayerSpec(_fields(keep="data_format"), check=_no_keepdims),
    "GlobalMaxPooling2D": LayerSpec(_fields(keep="data_format"), check=_no_keepdims),
    "Flatten": LayerSpec(_fields(keep="data_format")),
    "Dropout": LayerSpec(_fields(keep="rate noise_shape seed")),
    "Activation": LayerSpec(_fields(act="activation")),
    "ReLU": LayerSpec(_fields(keep="max_value"), check=_plain_relu),
    "LeakyReLU": LayerSpec(_fields(keep="negative_slope"), renames={"negative_slope": "alpha"}),
    "ELU": LayerSpec(_fields(keep="alpha")),
    "PReLU": LayerSpec(
        _fields(
            keep="shared_axes", init="alpha_initializer", null="alpha_regularizer alpha_constraint"
        ),
        lambda cfg: [("alpha", "alpha")],
    ),
    "Softmax": LayerSpec(_fields(keep="axis")),
    "BatchNormalization": LayerSpec(
        _fields(
            keep="axis momentum epsilon center scale",
            init="beta_initializer gamma_initializer moving_mean_initializer "
            "moving_variance_initializer",
            null="beta_regularizer gamma_regularizer beta_constraint gamma_constraint",
        ),
        _bn_weights,
    ),
    "LayerNormalization": LayerSpec(
        _fields(
            keep="axis epsilon center scale",
            init="beta_initializer gamma_initializer",
            null="beta_regularizer gamma_regularizer",
        ),
        _norm_weights,
        _no_rms,
    ),
    "Add": _MERGE,
    "Multiply": _MERGE,
    "Average": _MERGE,
    "Maximum": _MERGE,
    "Minimum": _MERGE,
    "Concatenate": LayerSpec(_fields(keep="axis")),
    "Reshape": LayerSpec(_fields(keep="target_shape")),
    "Permute": LayerSpec(_fields(keep="dims")),
    "RepeatVector": LayerSpec(_fields(keep="n")),
    "Embedding": LayerSpec(
        _fields(
            keep="input_dim output_dim mask_zero",
            init="embeddings_initializer",
            null="embeddings_regularizer activity_regularizer embeddings_constraint",
        ),
        lambda cfg: [("embeddings", "embeddings")],
    ),
    "ZeroPadding2D": LayerSpec(_fields(keep="padding data_format")),
    "UpSampling2D": LayerSpec(_fields(keep="size data_format interpolation")),
    "Rescaling": LayerSpec(_fields(keep="scale offset"), check=_scalar_rescaling),
}
SUPPORTED_LAYERS = sorted([*LAYERS, "InputLayer"])


def supported_layers_text() -> str:
    return "Supported layers: " + ", ".join(SUPPORTED_LAYERS) + "."


def _unsupported(layer: str, class_name: str, why: str) -> KernelPluginError:
    return KernelPluginError(
        "unsupported-layer",
        f"Layer `{layer}` ({class_name}) cannot be exported to TF.js: {why}.",
        supported_layers_text(),
    )


def _keras() -> Any:
    keras = sys.modules.get("keras")
    if keras is None:
        raise KernelPluginError("internal", "Keras is not imported in this kernel.")
    return keras


def is_functional(model: Any) -> bool:
    """A graph-of-layers model (keras.Model(inputs, outputs)), not a subclass with call().
    Keras exports the Functional class only under its private module path, hence the name."""
    return any(cls.__name__ == "Functional" for cls in type(model).__mro__)


def _dtype_name(value: Any, *, input_layer: bool = False) -> str:
    if isinstance(value, dict):  # a Keras 3 DTypePolicy
        value = value.get("config", {}).get("name", "float32")
    name = str(value or "float32")
    if input_layer and name.startswith(("int", "uint")):
        return "int32"  # TF.js has no 64-bit ints; ids fit in int32
    if input_layer and name == "bool":
        return "bool"
    # TF.js computes in float32 only; mixed-precision policies run there in float32
    return "float32"


def _initializer(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"class_name": "".join(p.capitalize() for p in value.split("_")), "config": {}}
    name = value.get("class_name")
    params = value.get("config") or {}
    if name not in _INITIALIZERS:
        return {"class_name": "Zeros", "config": {}}
    kept = {k: params.get(k) for k in _INITIALIZERS[name] if k in params}
    if name == "Constant" and not isinstance(kept.get("value", 0), (int, float)):
        return {"class_name": "Zeros", "config": {}}
    return {"class_name": _INITIALIZER_TFJS_NAMES.get(name, name), "config": kept}


def _activation(layer: str, class_name: str, value: Any) -> str:
    if value is None:
        return "linear"
    if isinstance(value, dict):
        value = value.get("config", {}).get("name") or value.get("class_name")
    if not isinstance(value, str) or value not in _ACTIVATIONS:
        raise KernelPluginError(
            "unsupported-layer",
            f"Layer `{layer}` ({class_name}) uses activation {value!r}, which the TF.js export "
            "does not cover.",
            "Supported activations: " + ", ".join(sorted(_ACTIVATIONS)) + ".",
        )
    return _ACTIVATIONS[value]


def translate_layer(class_name: str, cfg: dict) -> dict:
    """One layer's Keras 3 config -> TF.js {class_name, config}; raises if not exportable."""
    name = cfg.get("name", "?")
    if class_name == "InputLayer":
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if shape is None:
            raise KernelPluginError("not-built", f"Input `{name}` has no shape.")
        if cfg.get("sparse") or cfg.get("ragged"):
            raise _unsupported(name, class_name, "sparse or ragged inputs")
        return {
            "class_name": "InputLayer",
            "config": {
                "batch_input_shape": list(shape),
                "dtype": _dtype_name(cfg.get("dtype"), input_layer=True),
                "sparse": False,
                "name": name,
            },
        }
    if class_name in ("Sequential", "Functional", "Model"):
        raise KernelPluginError(
            "unsupported-layer",
            f"Layer `{name}` is itself a model ({class_name}); nested models cannot be "
            "exported yet.",
            "Build one flat model: call the inner model's layers on the outer model's tensors.",
        )
    spec = LAYERS.get(class_name)
    if spec is None:
        raise _unsupported(name, class_name, "TF.js has no matching layer in this export")
    if cfg.get("quantization_config") or cfg.get("lora_rank"):
        raise _unsupported(name, class_name, "quantized or LoRA layers")
    why = spec.check(cfg)
    if why:
        raise _unsupported(name, class_name, why)
    out: dict[str, Any] = {
        "name": name,
        "trainable": bool(cfg.get("trainable", True)),
        "dtype": _dtype_name(cfg.get("dtype")),
    }
    for key, kind in spec.fields.items():
        if kind == DROP:
            out[key] = None
        elif kind == INIT:
            out[key] = _initializer(cfg.get(key))
        elif kind == ACT:
            out[key] = _activation(name, class_name, cfg.get(key))
        elif key in cfg:
            out[spec.renames.get(key, key)] = cfg[key]
    return {"class_name": class_name, "config": out}


def _node_refs(layer: str, node: Any) -> list[list[Any]]:
    """A Keras 3 inbound node {args, kwargs} -> [[layer, node_index, tensor_index, {}], ...]."""
    if isinstance(node, list):  # already the Keras 2 form
        return [list(ref[:3]) + [{}] for ref in node]
    args = node.get("args", [])
    flat = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    refs = []
    for arg in flat:
        history = (
            arg.get("config", {}).get("keras_history")
            if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__"
            else None
        )
        if history is None:
            raise KernelPluginError(
                "unsupported-layer",
                f"Layer `{layer}` is called with a constant or a nested structure; TF.js "
                "layers only take tensors from other layers.",
            )
        refs.append([history[0], int(history[1]), int(history[2]), {}])
    for key, value in (node.get("kwargs") or {}).items():
        if value is not None and key not in ("training", "mask"):
            raise KernelPluginError(
                "unsupported-layer",
                f"Layer `{layer}` is called with argument `{key}`, which TF.js layers ignore.",
            )
    return refs


def _io_refs(value: Any, what: str) -> list[list[Any]]:
    if isinstance(value, dict):
        raise KernelPluginError(
            "unsupported-layer",
            f"The model's {what} are a dict; export needs a list of inputs and outputs.",
        )
    if value and isinstance(value[0], str):
        value = [value]
    return [[ref[0], int(ref[1]), int(ref[2])] for ref in value]


@dataclass
class Topology:
    model_config: dict
    # (TF.js weight name, Keras variable) in weights-file order.
    weights: list[tuple[str, Any]]


def build_topology(model: Any) -> Topology:
    """The TF.js model_config and the weights to write; raises KernelPluginError when the
    model cannot be exported (not built, subclassed, an unsupported layer)."""
    keras = _keras()
    sequential = isinstance(model, keras.Sequential)
    if not sequential and not is_functional(model):
        raise KernelPluginError(
            "unsupported-layer",
            f"`{type(model).__name__}` is a subclassed Keras model; its call() is Python code "
            "that cannot be turned into a TF.js graph.",
            "Build the model with keras.Sequential or the functional API (keras.Model(inputs, "
            "outputs)).",
        )
    if not model.built:
        raise KernelPluginError(
            "not-built",
            f"Model `{model.name}` is not built yet, so its input shape is unknown.",
            "Give it an input (keras.Input(shape=...)) or call it once on data.",
        )
    try:
        config = model.get_config()
    except Exception as err:  # a custom layer without get_config, for example
        raise KernelPluginError(
            "unsupported-layer", f"Keras could not describe the model: {err}"
        ) from err
    by_name = {layer.name: layer for layer in model.layers}
    layers_out, weights = [], []
    for entry in config["layers"]:
        class_name = entry.get("class_name", "?")
        translated = translate_layer(class_name, entry.get("config", {}))
        name = translated["config"]["name"]
        if not sequential:
            translated["name"] = name
            translated["inbound_nodes"] = [_node_refs(name, n) for n in entry["inbound_nodes"]]
        layers_out.append(translated)
        if class_name != "InputLayer":
            weights.extend(_layer_weights(by_name[name], class_name, translated["config"]))
    if sequential:
        if layers_out[0]["class_name"] != "InputLayer":
            raise KernelPluginError("not-built", f"Model `{model.name}` has no input layer.")
        model_config = {
            "class_name": "Sequential",
            "config": {"name": config["name"], "layers": layers_out},
        }
    else:
        model_config = {
            "class_name": "Functional",
            "config": {
                "name": config["name"],
                "layers": layers_out,
                "input_layers": _io_refs(config["input_layers"], "inputs"),
                "output_layers": _io_refs(config["output_layers"], "outputs"),
            },
        }
    return Topology(model_config, weights)


def _layer_weights(layer: Any, class_name: str, tfjs_config: dict) -> list[tuple[str, Any]]:
    expected = LAYERS[class_name].weights(tfjs_config)
    variables = {v.name: v for v in layer.weights}
    missing = [k for _, k in expected if k not in variables]
    if missing or len(variables) != len(expected):
        raise _unsupported(
            layer.name,
            class_name,
            f"it holds weights {sorted(variables)} where TF.js expects {[k for _, k in expected]}",
        )
    return [(f"{layer.name}/{tfjs}", variables[keras_name]) for tfjs, keras_name in expected]


def layer_problem(layer: Any) -> str | None:
    """Why this single layer cannot be exported (None: it can)."""
    class_name = type(layer).__name__
    try:
        cfg = layer.get_config()
        translated = translate_layer(class_name, cfg)
        if class_name != "InputLayer" and layer.built:
            _layer_weights(layer, class_name, translated["config"])
    except KernelPluginError as err:
        return err.message
    except Exception as err:
        return f"Keras could not describe layer `{layer.name}`: {err}"
    return None


def export_keras(model: Any) -> tuple[bytes, bytes]:
    """model.json bytes and the weights file (float32, little-endian, manifest order)."""
    topology = build_topology(model)
    keras = _keras()
    specs, blobs = [], []
    for name, variable in topology.weights:
        value = np.asarray(keras.ops.convert_to_numpy(variable), dtype="<f4")
        specs.append({"name": name, "shape": list(value.shape), "dtype": "float32"})
        blobs.append(np.ascontiguousarray(value).tobytes())
    model_json = {
        "format": "layers-model",
        "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": "layerwise kernel plugin",
        "modelTopology": {
            "keras_version": CONFIG_DIALECT_VERSION,
            "backend": "tensorflow",
            "model_config": topology.model_config,
        },
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": specs}],
    }
    return json.dumps(model_json).encode(), b"".join(blobs)

"""PyTorch modules -> one ONNX file whose extra outputs are chosen submodules' outputs.

The model is traced on a few rows of the user's data (eval mode, no grad) with forward hooks on
the chosen submodules; a thin wrapper returns the logits and each hooked output, and the
TorchScript-based `torch.onnx` exporter writes that wrapper (it needs `onnx`, not `onnxscript`).
The batch axis stays dynamic. Everything the ONNX runner (src/backend/onnxRunner.ts) needs is
stored in the file itself, as JSON under the model's metadata key `layerwise`: input name, dtype
and shape, which graph output holds the logits and which holds each layer. `read_metadata`
returns it.

Tracing records one path through `forward`: data-dependent Python control flow is frozen to the
path the sample took. The tracer's warnings about it are kept in the metadata's `warnings`.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import KernelPluginError

METADATA_KEY = "layerwise"
FORMAT_VERSION = 1
OPSET = 17
INPUT_NAME = "input"
LOGITS_NAME = "logits"
TAP_PREFIX = "tap:"
OUTPUT_LAYER = "output"
BATCH_AXIS = "batch"
# Rows of the sample the model is traced on: two, so no size-1 batch axis is folded away.
TRACE_ROWS = 2

# Output modules whose input, not output, holds the logits (method.md 1: pre-softmax logits).
_PROBABILITY_MODULES = frozenset({"Softmax", "Sigmoid"})


@dataclass
class _Record:
    """What one submodule did during a traced forward pass."""

    calls: int = 0
    order: int = -1
    shape: list[int] | None = None
    problem: str | None = None
    # A weak reference, so a trace does not hold every activation of a large model.
    output: Callable[[], Any] = lambda: None
    # The input of a Softmax/Sigmoid module: the logits when it is the model's last step.
    logits_input: Any = None


@dataclass
class _Trace:
    records: dict[str, _Record] = field(default_factory=dict)
    output: Any = None
    output_problem: str | None = None


def _torch() -> Any:
    import torch

    return torch


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise KernelPluginError(
            "unsupported-framework",
            "Exporting a PyTorch model needs the `onnx` package in the kernel's environment.",
            "Install it (pip install onnx) and restart the kernel.",
        ) from None
    return onnx


def _first_tensor(value: Any) -> tuple[Any, str | None]:
    """A module's tensor output: itself, the first of a tuple/list, or a `.logits` field."""
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return value, None
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return value[0], None
    logits = value.get("logits") if isinstance(value, dict) else getattr(value, "logits", None)
    if isinstance(logits, torch.Tensor):
        return logits, None
    return None, f"returns a {type(value).__name__}, not a tensor"


def _select_output(value: Any) -> Any:
    """The same choice as _first_tensor, as traceable code (no isinstance on the result)."""
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        return value[0]
    return value["logits"] if isinstance(value, dict) else value.logits


@contextlib.contextmanager
def _inference(module: Any) -> Iterator[None]:
    """Eval mode and no grad for the duration; every submodule's own mode is restored after.

    The fused fast path of nn.TransformerEncoderLayer is switched off: it bypasses the
    attention and feed-forward submodules, so their hooks would never fire.
    """
    torch = _torch()
    modes = [(m, m.training) for m in module.modules()]
    fastpath = torch.backends.mha.get_fastpath_enabled()
    module.eval()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        for m, training in modes:
            m.training = training


@contextlib.contextmanager
def _quiet_exporter_log() -> Iterator[None]:
    """Silences the TorchScript exporter's log, which it always enables (torch 2.13): on a
    failure it prints the whole traced graph to the kernel's stderr, i.e. into the notebook."""
    torch = _torch()
    log = getattr(torch._C, "_jit_onnx_log", None)
    if log is None:
        yield
        return
    torch._C._jit_onnx_log = lambda *args: None
    try:
        yield
    finally:
        torch._C._jit_onnx_log = log


def _device(module: Any) -> Any:
    first = next(itertools.chain(module.parameters(), module.buffers()), None)
    return first.device if first is not None else _torch().device("cpu")


def _check_dtypes(module: Any) -> None:
    torch = _torch()
    for name, tensor in itertools.chain(module.named_parameters(), module.named_buffers()):
        if tensor.is_floating_point() and tensor.dtype != torch.float32:
            raise KernelPluginError(
                "unsupported-layer",
                f"The model's weight `{name}` is {str(tensor.dtype).replace('torch.', '')}; "
                "the analysis runs float32 models.",
                "Convert a copy with model.float() and analyse that.",
            )


def _sample_tensor(module: Any, sample: Any) -> Any:
    """The first TRACE_ROWS rows of the sample as a tensor: float32, or int64 for integers."""
    torch = _torch()
    arr = np.asarray(sample)
    if arr.ndim < 1 or arr.shape[0] < 1:
        raise KernelPluginError(
            "bad-array",
            f"The sample to trace the model on has shape {list(arr.shape)}; "
            "it needs a batch axis and at least one row.",
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise KernelPluginError(
            "bad-array", f"The sample to trace the model on has dtype {arr.dtype}, not numbers."
        )
    rows = arr[:TRACE_ROWS]
    if rows.shape[0] < TRACE_ROWS:
        rows = np.concatenate([rows] * TRACE_ROWS)[:TRACE_ROWS]
    dtype = np.float32 if np.issubdtype(arr.dtype, np.floating) else np.int64
    return torch.from_numpy(np.ascontiguousarray(rows, dtype=dtype)).to(_device(module))


def _model_failed(err: Exception, x: Any) -> KernelPluginError:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    hint = "Check that the chosen samples are what the model's forward() takes."
    if x.is_floating_point() and re.search(r"\b(Long|Int)\b", text):
        hint = "The model seems to take integer ids: give it an integer array (e.g. int64)."
    return KernelPluginError(
        "bad-array",
        f"The model fails on a sample of shape {list(x.shape)} "
        f"({str(x.dtype).replace('torch.', '')}): {type(err).__name__}: {text}",
        hint,
    )


def _trace(module: Any, x: Any) -> _Trace:
    """Runs the model once with a hook on every submodule."""
    torch = _torch()
    trace = _Trace()
    counter = iter(range(1 << 62))

    def hook(name: str) -> Any:
        def record(mod: Any, inputs: tuple, output: Any) -> None:
            rec = trace.records.setdefault(name, _Record())
            rec.calls += 1
            if rec.calls > 1:
                return
            rec.order = next(counter)
            tensor, rec.problem = _first_tensor(output)
            if tensor is not None:
                rec.output = weakref.ref(tensor)
                rec.shape = [int(d) for d in tensor.shape[1:]]
            probability = type(mod).__name__ in _PROBABILITY_MODULES
            if probability and inputs and isinstance(inputs[0], torch.Tensor):
                rec.logits_input = inputs[0]

        return record

    handles = [
        sub.register_forward_hook(hook(name)) for name, sub in module.named_modules() if name
    ]
    try:
        with _inference(module):
            output = module(x)
    except Exception as err:
        raise _model_failed(err, x) from None
    finally:
        for handle in handles:
            handle.remove()
    trace.output, trace.output_problem = _first_tensor(output)
    return trace


def _layer_problem(rec: _Record | None) -> str | None:
    if rec is None:
        return "is not called in the forward pass"
    if rec.calls > 1:
        return (
            f"is called {rec.calls} times in one forward pass (a shared module), "
            "so it has no single output"
        )
    return rec.problem


@dataclass
class _Logits:
    """Where the logits come from: the model's output, or a probability module's input."""

    tensor: Any
    source: str  # 'output' | 'pre-activation'
    probability_module: str | None
    # The submodule whose output is the logits (the output layer's name), if any.
    layer: str | None


def _logits(trace: _Trace, module: Any) -> _Logits:
    if trace.output is None:
        raise KernelPluginError(
            "unsupported-layer",
            f"The model's forward() {trace.output_problem}; a classifier's logits are needed.",
        )
    out = trace.output
    producers = [
        name
        for name, rec in sorted(trace.records.items(), key=lambda item: item[1].order)
        if rec.calls == 1 and rec.output() is out
    ]
    if producers:
        last = producers[0]
        rec = trace.records[last]
        if rec.logits_input is not None:
            pre = rec.logits_input
            before = [
                n
                for n, r in sorted(trace.records.items(), key=lambda item: item[1].order)
                if r.calls == 1 and r.output() is pre
            ]
            return _Logits(pre, "pre-activation", last, before[0] if before else None)
    modules = dict(module.named_modules())
    leaves = [n for n in producers if not any(True for _ in modules[n].children())]
    return _Logits(out, "output", None, (leaves or producers or [None])[0])


def _check_logits(logits: _Logits, classes: int | None) -> int:
    shape = list(logits.tensor.shape)
    if len(shape) != 2:
        raise KernelPluginError(
            "unsupported-layer",
            f"The model's output has shape {shape}; a classifier's [batch, classes] is needed.",
            "Analyse a model whose forward() returns the logits of each class.",
        )
    if classes is not None and shape[1] != classes and not (classes == 2 and shape[1] == 1):
        raise KernelPluginError(
            "unsupported-layer",
            f"The model's output has {shape[1]} columns, but {classes} classes were expected.",
        )
    if not logits.tensor.is_floating_point():
        raise KernelPluginError(
            "unsupported-layer",
            f"The model's output is {logits.tensor.dtype}, not floating-point logits.",
        )
    return 2 if shape[1] == 1 else shape[1]


def _output_warnings(logits: _Logits) -> list[str]:
    values = logits.tensor.detach().double().cpu()
    rows = values.sum(dim=1)
    if (
        logits.source == "output"
        and values.shape[1] > 1
        and bool((values >= 0).all())
        and bool(((rows - 1).abs() < 1e-4).all())
    ):
        return [
            "The model's outputs look like probabilities (non-negative, rows summing to 1); "
            "the analysis needs pre-softmax logits. Remove the final softmax from forward()."
        ]
    return []


def _params(module: Any, recurse: bool) -> int:
    return sum(p.numel() for p in module.parameters(recurse=recurse))


def _is_container(module: Any) -> bool:
    return any(True for _ in module.children())


_STACKS = frozenset({"Sequential", "ModuleList", "ModuleDict"})


def _holds_blocks(module: Any) -> bool:
    """A stack of blocks (Sequential/ModuleList of modules with children of their own)."""
    children = list(module.children())
    return (
        type(module).__name__ in _STACKS
        and bool(children)
        and all(_is_container(c) for c in children)
    )


def _opens(module: Any) -> bool:
    """Whether the default layers are found inside the module rather than at its output:
    stacks, and wrappers holding a stack of blocks (nn.TransformerEncoder's `layers`)."""
    return type(module).__name__ in _STACKS or any(_holds_blocks(c) for c in module.children())


def _suggested_layers(module: Any, usable: Callable[[str], bool]) -> set[str]:
    """The layers an analysis taps unless the user picks others: the network's "layers" in
    the paper's sense. A block (residual block, transformer layer: a submodule with children)
    is one layer; a weighted module and the weight-free or norm modules right after it
    (normalisation, activation, pooling, dropout) are one layer, tapped after the last of them.
    """
    chosen: set[str] = set()

    def walk(container: Any, prefix: str) -> None:
        run_end: str | None = None
        for name, child in container.named_children():
            full = prefix + name
            # A norm layer belongs to the layer before it, as an activation does.
            weighted = _params(child, recurse=False) > 0 and "Norm" not in type(child).__name__
            if _opens(child) or _is_container(child) or weighted:
                if run_end is not None:
                    chosen.add(run_end)
                run_end = None
            if _opens(child):
                walk(child, full + ".")
            elif _is_container(child):
                if usable(full):
                    chosen.add(full)
            elif weighted:
                run_end = full if usable(full) else None
            elif run_end is not None and usable(full):
                run_end = full
        if run_end is not None:
            chosen.add(run_end)

    walk(module, "")
    return chosen


def describe_torch_model(module: Any, sample: Any = None) -> dict:
    """The ModelInfo fields (kernelMessages.ts) of a torch.nn.Module.

    `sample` ([rows, ...] array of the data the model takes) is optional; with it the model
    runs once (eval mode, no grad, on TRACE_ROWS rows), which gives the input and output
    shapes, each submodule's output shape and forward order, and whether it can be tapped.
    Layers are all named submodules, containers (blocks, stages) included, in forward order.
    `hasWeights` means the submodule owns weights itself (conv, linear, norm), as in Keras;
    `params` counts its weights with those of its children. `suggested` marks the layers an
    analysis taps by default (_suggested_layers).
    """
    modules = [(name, sub) for name, sub in module.named_modules() if name]
    info: dict[str, Any] = {
        "framework": "torch",
        "className": type(module).__name__,
        "modelName": type(module).__name__,
        "inputShape": None,
        "inputDtype": None,
        "classes": None,
        "numInputs": 1,
        "numOutputs": 1,
        "exportable": True,
        "problem": None,
        "warnings": [],
        "outputLayer": None,
    }
    trace: _Trace | None = None
    try:
        _check_dtypes(module)
        if sample is not None:
            x = _sample_tensor(module, sample)
            info["inputShape"] = [int(d) for d in x.shape[1:]]
            info["inputDtype"] = str(x.dtype).replace("torch.", "")
            trace = _trace(module, x)
            logits = _logits(trace, module)
            _check_logits(logits, None)
            info["classes"] = int(logits.tensor.shape[1])
            info["warnings"] = _output_warnings(logits)
            info["outputLayer"] = _output_layer(logits, dict(module.named_modules()))
    except KernelPluginError as err:
        info["exportable"] = False
        info["problem"] = err.message + (f" {err.hint}" if err.hint else "")

    def usable(name: str) -> bool:
        return trace is None or _layer_problem(trace.records.get(name)) is None

    suggested = _suggested_layers(module, usable)
    layers = []
    for position, (name, sub) in enumerate(modules):
        rec = trace.records.get(name) if trace else None
        problem = _layer_problem(rec) if trace else None
        layers.append(
            {
                "name": name,
                "className": type(sub).__name__,
                "outputShape": rec.shape if rec else None,
                "hasWeights": _params(sub, recurse=False) > 0,
                "params": _params(sub, recurse=True),
                "supported": problem is None,
                "problem": problem,
                "container": _is_container(sub),
                "suggested": name in suggested,
                "index": rec.order if rec and rec.order >= 0 else len(modules) + position,
            }
        )
    layers.sort(key=lambda layer: layer["index"])
    output = info.get("outputLayer")
    if output is not None and all(layer["name"] != output for layer in layers):
        layers.append(
            {
                "name": output,
                "className": type(module).__name__,
                "outputShape": [int(info["classes"])],
                "hasWeights": False,
                "params": 0,
                "supported": True,
                "problem": None,
                "container": False,
                "suggested": True,
                "index": len(modules) * 2,
            }
        )
    info["layers"] = layers
    return info


class _CaptureHooks:
    """Forward hooks writing the chosen submodules' outputs (and the logits) into a dict.

    Outputs are cloned: a later in-place op (ReLU(inplace=True)) must not change what was
    captured, in eager mode and in the traced graph alike.
    """

    def __init__(self, module: Any, taps: list[str], logits: _Logits):
        self.captured: dict[str, Any] = {}
        modules = dict(module.named_modules())
        self._handles = [modules[name].register_forward_hook(self._tap(name)) for name in taps]
        if logits.probability_module is not None:
            self._handles.append(
                modules[logits.probability_module].register_forward_hook(self._logits_hook)
            )

    def _tap(self, name: str) -> Any:
        def hook(mod: Any, inputs: tuple, output: Any) -> None:
            self.captured[TAP_PREFIX + name] = _select_output(output).clone()

        return hook

    def _logits_hook(self, mod: Any, inputs: tuple, output: Any) -> None:
        self.captured[LOGITS_NAME] = inputs[0]

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


def _wrapper(module: Any, hooks: _CaptureHooks, taps: list[str], from_input: bool) -> Any:
    torch = _torch()

    class LayerwiseTaps(torch.nn.Module):
        """Returns (logits, *tapped outputs) of the wrapped model."""

        def __init__(self) -> None:
            super().__init__()
            self.model = module

        def forward(self, x: Any) -> tuple:
            hooks.captured.clear()
            out = self.model(x)
            logits = hooks.captured[LOGITS_NAME] if from_input else _select_output(out)
            return (logits, *(hooks.captured[TAP_PREFIX + name] for name in taps))

    return LayerwiseTaps()


def _scope_of(wrapper: Any, x: Any, op: str) -> str | None:
    """The submodule whose traced graph holds the first node of kind `op`."""
    torch = _torch()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = torch.jit.trace(wrapper, (x,), check_trace=False).inlined_graph
    except Exception:
        return None

    def nodes(block: Any) -> Iterator[Any]:
        for node in block.nodes():
            yield node
            for inner in node.blocks():
                yield from nodes(inner)

    for node in nodes(graph):
        if node.kind() == op:
            scopes = re.findall(r"__module\.model\.([\w.]+)", node.scopeName())
            return scopes[-1] if scopes else ""
    return None


def _export_failed(err: Exception, wrapper: Any, x: Any, module: Any) -> KernelPluginError:
    text = " ".join(str(err).split()) or type(err).__name__
    match = re.search(r"\b(aten::\w+|prim::PythonOp|prim::\w+)", text)
    op = match.group(1) if match else None
    if op is None and "Python operator" in text:
        op = "prim::PythonOp"
    where = ""
    if op is not None:
        scope = _scope_of(wrapper, x, op)
        if scope:
            cls = type(dict(module.named_modules())[scope]).__name__
            where = f" in submodule `{scope}` ({cls})"
        elif scope == "":
            where = " in the model's own forward()"
    what = f"operation `{op}`" if op else "the model"
    return KernelPluginError(
        "unsupported-layer",
        f"ONNX export (opset {OPSET}) failed at {what}{where}: {text[:400]}",
        "Rewrite that step with operations ONNX supports, or analyse a model without it.",
    )


def _user_tracer_warnings(caught: list) -> list[str]:
    """The tracer's warnings raised by the user's code: those from torch's own modules are its
    internal checks (shapes, masks), which the exporter handles."""
    torch = _torch()
    inside_torch = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
    found = {
        f"{w.message} ({os.path.basename(w.filename)}:{w.lineno})"
        for w in caught
        if issubclass(w.category, torch.jit.TracerWarning)
        and not os.path.abspath(w.filename).startswith(inside_torch)
    }
    return sorted(found)


def _output_layer(logits: _Logits, known: dict[str, Any]) -> str:
    """The output layer's name: the submodule returning the logits, or when none does (the
    logits come from forward() itself) a name no submodule has."""
    return logits.layer or (OUTPUT_LAYER if OUTPUT_LAYER not in known else LOGITS_NAME)


def _select_taps(
    trace: _Trace, module: Any, layer_names: list[str], logits: _Logits
) -> tuple[list[str], str]:
    """The submodules to add as outputs, and the output layer's name."""
    known = dict(module.named_modules())
    taps: list[str] = []
    output_layer = _output_layer(logits, known)
    for name in dict.fromkeys(layer_names):
        if name == output_layer:
            continue
        if not name or name not in known:
            sample = ", ".join(n for n in list(known)[1:6])
            raise KernelPluginError(
                "bad-request",
                f"The model has no submodule named `{name}` (its submodules are named like "
                f"{sample}).",
            )
        problem = _layer_problem(trace.records.get(name))
        if problem:
            raise KernelPluginError(
                "unsupported-layer",
                f"Submodule `{name}` ({type(known[name]).__name__}) {problem}; "
                "it cannot be tapped.",
                "Choose another layer, e.g. the block around it.",
            )
        taps.append(name)
    return taps, output_layer


def export_onnx(
    module: Any, sample: Any, layer_names: list[str], classes: int | None = None
) -> bytes:
    """An ONNX model (bytes) of `module` whose outputs are `logits` and one per tapped layer.

    `sample`: [rows, ...] of the data the model takes (float -> float32 input, integers ->
    int64 ids); the model is traced on its first TRACE_ROWS rows. `layer_names`: named
    submodules (`features.3`, `layer2.1`) whose outputs become the graph outputs
    `tap:<name>`; the submodule whose output is the logits is the output layer instead.
    `classes`, if given, is checked against the output width. The model's own state (training
    mode, weights) is unchanged. Raises KernelPluginError naming the submodule or operation
    that fails.
    """
    torch = _torch()
    onnx = _onnx()
    _check_dtypes(module)
    x = _sample_tensor(module, sample)
    trace = _trace(module, x)
    logits = _logits(trace, module)
    class_count = _check_logits(logits, classes)
    taps, output_layer = _select_taps(trace, module, layer_names, logits)

    hooks = _CaptureHooks(module, taps, logits)
    wrapper = _wrapper(module, hooks, taps, logits.source == "pre-activation")
    names = [LOGITS_NAME, *(TAP_PREFIX + t for t in taps)]
    buffer = io.BytesIO()
    tracer_warnings: list[str] = []
    try:
        with (
            _inference(module),
            _quiet_exporter_log(),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            try:
                torch.onnx.export(
                    wrapper,
                    (x,),
                    buffer,
                    dynamo=False,
                    opset_version=OPSET,
                    input_names=[INPUT_NAME],
                    output_names=names,
                    dynamic_axes={n: {0: BATCH_AXIS} for n in (INPUT_NAME, *names)},
                    do_constant_folding=True,
                )
            except Exception as err:
                raise _export_failed(err, wrapper, x, module) from None
            tracer_warnings = _user_tracer_warnings(caught)
    finally:
        hooks.remove()

    model = onnx.load_model_from_string(buffer.getvalue())
    graph_outputs = [o.name for o in model.graph.output]
    if graph_outputs != names:
        raise KernelPluginError(
            "internal",
            f"The exported graph's outputs are {graph_outputs}, expected {names}.",
        )
    records = trace.records
    modules = dict(module.named_modules())

    def layer_entry(name: str, output: str, shape: list[int]) -> dict:
        sub = modules.get(name)
        return {
            "name": name,
            "output": output,
            "className": type(sub).__name__ if sub is not None else type(module).__name__,
            "index": records[name].order if name in records else len(records),
            "hasWeights": sub is not None and _params(sub, recurse=False) > 0,
            "outputShape": shape,
        }

    layers = [layer_entry(t, TAP_PREFIX + t, records[t].shape or []) for t in taps]
    layers.append(layer_entry(output_layer, LOGITS_NAME, [int(d) for d in logits.tensor.shape[1:]]))
    metadata = {
        "formatVersion": FORMAT_VERSION,
        "framework": "torch",
        "torchVersion": torch.__version__.split("+")[0],
        "exporter": "torchscript",
        "opset": OPSET,
        "modelClass": type(module).__name__,
        "input": {
            "name": INPUT_NAME,
            "dtype": str(x.dtype).replace("torch.", ""),
            "shape": [int(d) for d in x.shape[1:]],
        },
        "logits": {"output": LOGITS_NAME, "source": logits.source, "classes": class_count},
        "layers": layers,
        "warnings": _output_warnings(logits) + tracer_warnings,
    }
    entry = model.metadata_props.add()
    entry.key = METADATA_KEY
    entry.value = json.dumps(metadata)
    try:
        onnx.checker.check_model(model)
    except Exception as err:
        raise KernelPluginError(
            "internal", f"The exported ONNX graph is invalid: {' '.join(str(err).split())[:400]}"
        ) from None
    return model.SerializeToString()


def read_metadata(onnx_bytes: bytes) -> dict:
    """The `layerwise` metadata of an exported model."""
    model = _onnx().load_model_from_string(onnx_bytes)
    for entry in model.metadata_props:
        if entry.key == METADATA_KEY:
            return json.loads(entry.value)
    raise KernelPluginError("bad-model-file", "The ONNX model has no layerwise metadata.")

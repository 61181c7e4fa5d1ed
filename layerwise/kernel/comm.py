"""The `layerwise` comm: validates requests, answers them, streams exports in chunks.

The message shapes are those of src/protocol/kernelMessages.ts; keep the two in step.
"""

from __future__ import annotations

import logging
import math
import sys
from typing import Any

from .arrays import ROLES
from .discovery import inspect_cell
from .errors import KernelPluginError
from .export import Part, build_parts

TARGET = "layerwise"
PROTOCOL_VERSION = 1
MIN_CHUNK_BYTES = 64 * 1024
MAX_CHUNK_BYTES = 16 * 1024 * 1024

log = logging.getLogger("layerwise.kernel")


def _plugin_version() -> str:
    from layerwise import __version__

    return __version__


def _framework_version(module: str) -> str | None:
    found = sys.modules.get(module)
    return None if found is None else str(getattr(found, "__version__", "unknown"))


def hello() -> dict:
    return {
        "type": "hello",
        "protocolVersion": PROTOCOL_VERSION,
        "pluginVersion": _plugin_version(),
        "frameworks": {
            "keras": _framework_version("keras"),
            "tensorflow": _framework_version("tensorflow"),
            "torch": _framework_version("torch"),
        },
    }


# ------------------------------------------------------------------------- validation


def _bad(message: str) -> KernelPluginError:
    return KernelPluginError("bad-request", message)


def _int(value: Any, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad(f"`{key}` must be an integer >= {minimum}.")
    return value


def validate(data: Any) -> dict:
    """The request as FrontendToKernel describes it (defaults filled in), or bad-request."""
    if not isinstance(data, dict):
        raise _bad("A request must be a JSON object.")
    kind = data.get("type")
    request_id = data.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        raise _bad("`requestId` must be a non-empty string.")
    if kind == "inspect":
        if not isinstance(data.get("cellSource"), str):
            raise _bad("`cellSource` must be a string.")
        return {"type": kind, "requestId": request_id, "cellSource": data["cellSource"]}
    if kind != "export":
        raise _bad(f"Unknown request type {kind!r}; expected 'inspect' or 'export'.")
    model = data.get("model")
    if model is not None and (not isinstance(model, str) or not model):
        raise _bad("`model` must be a variable name or null.")
    wanted = data.get("arrays") or {}
    if not isinstance(wanted, dict):
        raise _bad("`arrays` must map roles to {name, start?, count?}.")
    selections = {}
    for role, selection in wanted.items():
        if role not in ROLES:
            raise _bad(f"Unknown array role {role!r}; expected one of {', '.join(ROLES)}.")
        if not isinstance(selection, dict) or not isinstance(selection.get("name"), str):
            raise _bad(f"`arrays.{role}` must be {{name, start?, count?}}.")
        clean = {"name": selection["name"]}
        if selection.get("start") is not None:
            clean["start"] = _int(selection["start"], f"arrays.{role}.start", 0)
        if selection.get("count") is not None:
            clean["count"] = _int(selection["count"], f"arrays.{role}.count", 1)
        selections[role] = clean
    layers = data.get("layers") or []
    if not isinstance(layers, list) or not all(isinstance(n, str) and n for n in layers):
        raise _bad("`layers` must be a list of layer names.")
    max_rows = data.get("maxTrainRows")
    chunk = _int(data.get("chunkBytes", 4 * 1024 * 1024), "chunkBytes", 1)
    return {
        "type": kind,
        "requestId": request_id,
        "model": model,
        "arrays": selections,
        "layers": layers,
        "maxTrainRows": None if max_rows is None else _int(max_rows, "maxTrainRows", 1),
        "seed": _int(data.get("seed", 0), "seed", 0),
        "chunkBytes": min(max(chunk, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES),
    }


# ------------------------------------------------------------------------- handling


class LayerwiseComm:
    """One open comm; `user_ns` is looked up per request (the namespace can be replaced)."""

    def __init__(self, comm: Any, get_user_ns: Any):
        self.comm = comm
        self.get_user_ns = get_user_ns
        comm.on_msg(self.on_msg)

    def on_msg(self, msg: dict) -> None:
        data = msg.get("content", {}).get("data")
        request_id = data.get("requestId") if isinstance(data, dict) else None
        if not isinstance(request_id, str):
            request_id = None
        try:
            request = validate(data)
            if request["type"] == "inspect":
                found = inspect_cell(request["cellSource"], self.get_user_ns())
                self.comm.send({"type": "inspection", "requestId": request_id, **found})
            else:
                self.export(request)
        except KernelPluginError as err:
            self.send_error(request_id, err.code, err.message, err.hint)
        except Exception as err:
            log.exception("layerwise: request %s failed", request_id)
            self.send_error(request_id, "internal", f"{type(err).__name__}: {err}", None)

    def export(self, request: dict) -> None:
        parts, warnings = build_parts(request, self.get_user_ns())
        summary = [self.send_part(request["requestId"], p, request["chunkBytes"]) for p in parts]
        self.comm.send(
            {
                "type": "exported",
                "requestId": request["requestId"],
                "parts": summary,
                "warnings": warnings,
            }
        )

    def send_part(self, request_id: str, part: Part, chunk_bytes: int) -> dict:
        total = part.data.nbytes
        count = max(1, math.ceil(total / chunk_bytes))
        extra = {} if part.dtype is None else {"dtype": part.dtype, "shape": part.shape}
        for index in range(count):
            offset = index * chunk_bytes
            header = {
                "type": "chunk",
                "requestId": request_id,
                "part": part.part,
                "index": index,
                "offset": offset,
                "totalBytes": total,
                "final": index == count - 1,
                **extra,
            }
            self.comm.send(header, buffers=[part.data[offset : offset + chunk_bytes]])
        return {"part": part.part, "bytes": total, "chunks": count, "source": part.source, **extra}

    def send_error(self, request_id: str | None, code: str, message: str, hint: str | None):
        self.comm.send(
            {
                "type": "error",
                "requestId": request_id,
                "code": code,
                "message": message,
                "hint": hint,
            }
        )

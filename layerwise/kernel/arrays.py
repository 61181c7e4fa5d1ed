"""Array-like notebook variables: which ones qualify, how to describe them, their bytes.

numpy arrays, TensorFlow tensors/variables, torch tensors and pandas frames/series count. Only
frameworks the user already imported are looked at: nothing here imports TensorFlow, torch or
pandas, so inspecting a plain numpy kernel stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .errors import KernelPluginError

# The element types the backend accepts (api.ts ArrayDType).
WIRE_DTYPES = frozenset(
    {
        "float32",
        "float64",
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "bool",
    }
)
INPUT_ROLES = ("samples", "trainInputs")
LABEL_ROLES = ("sampleLabels", "trainLabels")
ROLES = ("samples", "sampleLabels", "trainInputs", "trainLabels")


def _module(name: str) -> Any:
    return sys.modules.get(name)


def array_kind(value: Any) -> str | None:
    """numpy / tensorflow / torch / pandas for a numeric array with at least one axis."""
    if isinstance(value, np.ndarray):
        return "numpy" if value.ndim >= 1 and _numeric(value.dtype) else None
    tf = _module("tensorflow")
    if tf is not None and isinstance(value, (tf.Tensor, tf.Variable)):
        try:
            ok = value.shape.rank is not None and value.shape.rank >= 1
            return "tensorflow" if ok and value.dtype.is_numpy_compatible else None
        except (AttributeError, TypeError):
            return None
    torch = _module("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        numeric = value.dtype.is_floating_point or value.dtype in _torch_int_types(torch)
        return "torch" if value.dim() >= 1 and numeric else None
    pd = _module("pandas")
    if pd is not None and isinstance(value, (pd.DataFrame, pd.Series)):
        ok = len(value) > 0 and all(_numeric(d) for d in _pandas_dtypes(value))
        return "pandas" if ok else None
    return None


def describe_array(name: str, value: Any, in_cell: bool) -> dict | None:
    """kernelMessages.ts ArrayInfo, from metadata only (never copies the data)."""
    kind = array_kind(value)
    if kind is None:
        return None
    feature_names = None
    if kind == "numpy":
        shape, dtype = list(value.shape), value.dtype.name
    elif kind == "tensorflow":
        shape, dtype = [int(d) for d in value.shape], np.dtype(value.dtype.as_numpy_dtype).name
    elif kind == "torch":
        shape, dtype = list(value.shape), str(value.dtype).removeprefix("torch.")
    else:
        shape = list(value.shape)
        dtype = np.result_type(*_pandas_dtypes(value)).name
        if hasattr(value, "columns"):
            feature_names = [str(c) for c in value.columns]
    return {
        "name": name,
        "kind": kind,
        "shape": [int(d) for d in shape],
        "dtype": dtype,
        "inCell": in_cell,
        "featureNames": feature_names,
    }


def rows(value: Any, start: int | None, count: int | None, name: str) -> np.ndarray:
    """Rows start .. start+count-1 as numpy; slicing first keeps big tensors from being copied."""
    length = int(value.shape[0])
    first = start or 0
    last = length if count is None else first + count
    if first >= length or last > length:
        raise KernelPluginError(
            "bad-array",
            f"`{name}` has {length} rows; rows {first} to {last - 1} were asked for.",
        )
    if (first, last) == (0, length):
        return to_numpy(value)
    if array_kind(value) == "pandas":  # [a:b] on a frame means labels, not positions
        return to_numpy(value)[first:last]
    return to_numpy(value[first:last])


def to_numpy(value: Any) -> np.ndarray:
    kind = array_kind(value)
    if kind == "numpy":
        return value
    if kind == "tensorflow":
        return value.numpy()
    if kind == "torch":
        tensor = value.detach().cpu()
        torch = _module("torch")
        if tensor.dtype in (torch.float16, torch.bfloat16):
            tensor = tensor.float()
        return tensor.numpy()
    if kind == "pandas":
        return value.to_numpy()
    raise KernelPluginError("bad-array", "Not a numeric array.")


def as_inputs(arr: np.ndarray, name: str) -> np.ndarray:
    """Model inputs travel as float32, the only float type TF.js layers compute in."""
    if not _numeric(arr.dtype):
        raise KernelPluginError("bad-array", f"`{name}` is not numeric (dtype {arr.dtype}).")
    return arr.astype(np.float32, copy=False)


def as_labels(arr: np.ndarray, name: str, warnings: list[str]) -> np.ndarray:
    """Class indices as int32: integer labels, integral floats, or one-hot/probability rows."""
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2 and arr.shape[1] > 1 and _numeric(arr.dtype):
        warnings.append(f"`{name}` has {arr.shape[1]} columns: took the argmax of each row.")
        return np.argmax(arr, axis=1).astype(np.int32)
    if arr.ndim != 1:
        raise KernelPluginError(
            "bad-array",
            f"Labels must be one class index per row; `{name}` has shape {list(arr.shape)}.",
        )
    if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer):
        if arr.size and (arr.min() < 0 or arr.max() > np.iinfo(np.int32).max):
            raise KernelPluginError("bad-array", f"`{name}` has negative or huge class indices.")
        return arr.astype(np.int32)
    if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)):
        rounded = np.rint(arr)
        if np.all(rounded == arr) and (arr.size == 0 or arr.min() >= 0):
            return rounded.astype(np.int32)
    raise KernelPluginError(
        "bad-array",
        f"`{name}` does not hold class indices (dtype {arr.dtype}).",
        "Labels must be non-negative integers, or one-hot rows.",
    )


def train_subset(n: int, max_rows: int | None, seed: int) -> np.ndarray | None:
    """A seeded random subset of row indices in ascending order; None keeps every row."""
    if max_rows is None or n <= max_rows:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=max_rows, replace=False))


def to_wire(arr: np.ndarray) -> tuple[memoryview, str, list[int]]:
    """Little-endian row-major bytes, the dtype name the backend knows, and the shape."""
    if arr.dtype.name not in WIRE_DTYPES:
        arr = arr.astype(np.float32 if np.issubdtype(arr.dtype, np.floating) else np.int64)
    arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
    return memoryview(arr.reshape(-1).view(np.uint8)), arr.dtype.name, list(arr.shape)


def fits_input_shape(shape: list[int], input_shape: list[int | None] | None) -> bool:
    """Whether rows of `shape` (batch axis first) fit a model input (None: any size)."""
    if input_shape is None or len(shape) != len(input_shape) + 1:
        return False
    return all(want in (None, got) for want, got in zip(input_shape, shape[1:], strict=True))


def _numeric(dtype: np.dtype) -> bool:
    return dtype == np.bool_ or (np.issubdtype(dtype, np.number) and dtype.kind != "c")


def _pandas_dtypes(value: Any) -> list[np.dtype]:
    """Column dtypes of a DataFrame (the dtype of a Series); extension dtypes (nullable ints,
    categoricals) have no fixed numpy layout and count as object."""
    dtypes = list(value.dtypes) if hasattr(value, "columns") else [value.dtype]
    return [d if isinstance(d, np.dtype) else np.dtype(object) for d in dtypes]


def _torch_int_types(torch: Any) -> tuple:
    return (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)

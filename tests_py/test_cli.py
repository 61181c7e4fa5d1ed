"""The wheel's ``layerwise`` command: Node runs in its place, so signals and exit codes are
Node's own (a launcher that ran Node as a child left workers running after a SIGTERM)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Runs layerwise.cli.main with the package directory moved to a folder holding a stand-in
# backend, so the test needs no built wheel.
LAUNCH = """
import sys
from pathlib import Path
from layerwise import cli
cli.PACKAGE_DIR = Path(sys.argv[1])
sys.exit(cli.main())
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH")


def stand_in_backend(folder: Path, script: str) -> None:
    bin_dir = folder / "backend" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "layerwise.js").write_text(script)


def launch(folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(folder)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LAYERWISE_NODE": shutil.which("node")},
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_to_the_command_stops_node(tmp_path):
    # the stand-in records its pid and then idles, as a worker waiting for tasks does
    stand_in_backend(
        tmp_path,
        "require('fs').writeFileSync(process.argv[2] + '/pid', String(process.pid));\n"
        "setInterval(() => {}, 1000);\n",
    )
    command = launch(tmp_path)
    pid_file = tmp_path / "pid"
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    node_pid = int(pid_file.read_text())
    try:
        command.send_signal(signal.SIGTERM)
        command.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(node_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(node_pid), "Node outlived the layerwise command it was started by"
        assert command.returncode == -signal.SIGTERM
        assert "layerwise: Node.js v" in command.stderr.read()
    finally:
        if alive(node_pid):
            os.kill(node_pid, signal.SIGKILL)


def test_the_command_exits_with_nodes_code(tmp_path):
    stand_in_backend(tmp_path, "process.exit(3);\n")
    command = launch(tmp_path)
    assert command.wait(timeout=30) == 3


def test_a_missing_backend_is_named(tmp_path):
    command = launch(tmp_path)
    assert command.wait(timeout=30) == 1
    assert "the Layerwise backend is missing from" in command.stderr.read()

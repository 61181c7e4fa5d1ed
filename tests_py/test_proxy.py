"""The backend behind a real Jupyter server, through the jupyter-server-proxy entry point.

A request to /layerwise/... with Jupyter's token reaches the backend (HTTP and WebSocket);
without it Jupyter refuses; and the backend itself refuses anything that does not carry the
token the proxy adds (direct, or through the generic /proxy/PORT route).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_TOKEN = "jupyter-test-token-123"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not Path("/proc").is_dir(),
    reason="needs Node.js and Linux /proc",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def entry_point_shim(folder: Path) -> None:
    """Declares the entry point as an installed package would, when layerwise is not installed."""
    info = folder / "layerwise_proxy_shim-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: layerwise-proxy-shim\nVersion: 0\n"
    )
    (info / "entry_points.txt").write_text(
        "[jupyter_serverproxy_servers]\nlayerwise = layerwise.proxy:setup_backend\n"
    )


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None):
    """(status, body) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with opener.open(request, timeout=90) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def backend_port(parent: int) -> int:
    """The --port of the backend process that the Jupyter server started."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{parent}$", text, re.M) and b"--port" in cmdline:
            return int(cmdline[cmdline.index(b"--port") + 1])
    raise AssertionError("the backend process was not found")


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyter")
    env = dict(os.environ)
    paths = [str(ROOT)]
    names = [ep.name for ep in entry_points(group="jupyter_serverproxy_servers")]
    if "layerwise" not in names:
        entry_point_shim(tmp / "shim")
        paths.insert(0, str(tmp / "shim"))
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(tmp / name.lower())
    env["LAYERWISE_DATA_DIR"] = str(tmp / "layerwise-data")
    # Only the proxy: the other extensions of the venv just slow the start.
    others = ("jupyterlab", "jupyter_lsp", "notebook_shim", "jupyter_server_terminals")
    extensions = {"jupyter_server_proxy": True, **dict.fromkeys(others, False)}
    config = {"ServerApp": {"jpserver_extensions": extensions}}
    (tmp / "jupyter_config_dir").mkdir()
    (tmp / "jupyter_config_dir" / "jupyter_server_config.json").write_text(json.dumps(config))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={tmp}",
            f"--IdentityProvider.token={JUPYTER_TOKEN}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "jupyter.log", "w"),  # noqa: SIM115 - lives as long as the server
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        assert process.poll() is None, (tmp / "jupyter.log").read_text()
        assert time.time() < deadline, "jupyter server did not start"
        try:
            if get(f"{base}/api/status", {"Authorization": f"token {JUPYTER_TOKEN}"})[0] == 200:
                break
        except urllib.error.URLError:
            pass
        time.sleep(0.3)
    yield base, process.pid
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


AUTH = {"Authorization": f"token {JUPYTER_TOKEN}"}


def test_request_with_jupyter_token_reaches_backend(jupyter):
    base, _ = jupyter
    status, body = get(f"{base}/layerwise/api/health", AUTH)
    assert status == 200, body
    health = json.loads(body)
    assert health["name"] == "layerwise" and health["ok"] is True

    # A binary upload passes through the proxy untouched.
    data = bytes(range(8)) * 2
    status, body = get(
        f"{base}/layerwise/api/uploads/array?dtype=float32&shape=2,2",
        {**AUTH, "Content-Type": "application/octet-stream"},
        data=data,
    )
    assert status == 201, body
    assert json.loads(body)["bytes"] == 16


def test_request_without_jupyter_token_is_refused(jupyter):
    base, _ = jupyter
    for headers in ({}, {"Authorization": "token wrong"}):
        status, body = get(f"{base}/layerwise/api/health", headers)
        assert status in (302, 401, 403), (status, body)
        assert '"layerwise"' not in body


def test_backend_refuses_requests_without_its_token(jupyter):
    base, pid = jupyter
    assert get(f"{base}/layerwise/api/health", AUTH)[0] == 200
    port = backend_port(pid)
    status, body = get(f"http://127.0.0.1:{port}/api/health")
    assert status == 401 and "token" in json.loads(body)["error"]["message"]
    # Jupyter's generic proxy passes Jupyter's auth but does not add the backend's token.
    status, body = get(f"{base}/proxy/{port}/api/health", AUTH)
    assert status == 401, body


def test_websocket_events_through_the_proxy(jupyter):
    from tornado.httpclient import HTTPRequest
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    base, _ = jupyter
    url = base.replace("http", "ws", 1) + "/layerwise/api/events"

    async def first_message() -> str:
        connection = await websocket_connect(HTTPRequest(url, headers=AUTH))
        message = await connection.read_message()
        connection.close()
        return message

    event = json.loads(IOLoop.current().run_sync(first_message, timeout=60))
    assert event["type"] == "snapshot" and isinstance(event["jobs"], list)


def test_backend_command_finds_the_install(tmp_path, monkeypatch):
    from layerwise import proxy

    root = tmp_path / "checkout"
    monkeypatch.setattr(proxy, "PACKAGE_DIR", root / "layerwise")
    monkeypatch.delenv("LAYERWISE_BACKEND_JS", raising=False)

    def touch(relative: str) -> Path:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        return path

    with pytest.raises(proxy.BackendUnavailable, match="reinstall layerwise"):
        proxy.backend_command("node")
    serve_ts = touch("src/backend/server/serve.ts")
    with pytest.raises(proxy.BackendUnavailable, match="npm run build"):
        proxy.backend_command("node")
    loader = touch("node_modules/tsx/dist/loader.mjs")
    assert proxy.backend_command("node") == ["node", "--import", loader.as_uri(), str(serve_ts)]
    cli = touch("bin/layerwise.js")
    touch("build/backend/server/serve.js")
    assert proxy.backend_command("node") == ["node", str(cli), "serve"]
    bundled = touch("layerwise/backend/bin/layerwise.js")
    assert proxy.backend_command("node") == ["node", str(bundled), "serve"]


def test_missing_node_gets_a_clear_503(tmp_path, monkeypatch):
    from layerwise import proxy

    monkeypatch.setenv("LAYERWISE_NODE", str(tmp_path / "no-node-here"))
    config = proxy.setup_backend()
    command = config["command"]()
    assert command[1:4] == ["-m", "layerwise.proxy", "--unavailable"]
    message = config["environment"]()["LAYERWISE_UNAVAILABLE"]
    assert "no-node-here" in message

    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAYERWISE_UNAVAILABLE": message}
    placeholder = subprocess.Popen(argv, env=env)
    try:
        deadline = time.time() + 20
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/api/health")
                break
            except urllib.error.URLError:
                assert time.time() < deadline, "the placeholder did not start"
                time.sleep(0.1)
        assert status == 503
        error = json.loads(body)["error"]
        assert error["code"] == "backend-unavailable" and "no-node-here" in error["message"]
    finally:
        placeholder.terminate()
        placeholder.wait(timeout=10)

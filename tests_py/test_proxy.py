"""The backend behind a real Jupyter server, through the jupyter-server-proxy entry point.

A request to /layerwise/... with Jupyter's token reaches the backend (HTTP and WebSocket);
without it Jupyter refuses; and the backend itself refuses anything that does not carry the
token the proxy adds (direct, or through the generic /proxy/PORT route). The proxy adds that
token to every request that passed Jupyter's auth, including one a page of another site sends
with the user's cookie: the backend refuses those itself (Origin, X-Layerwise-Request), and a
WebSocket upgrade whose target is not a URL does not take it down.
"""

from __future__ import annotations

import http.cookiejar
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


def backend_process(parent: int) -> tuple[int, list[bytes]]:
    """The pid and command line of the backend process that the Jupyter server started."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{parent}$", text, re.M) and b"--port" in cmdline:
            return int(status.parent.name), cmdline
    raise AssertionError("the backend process was not found")


def backend_port(parent: int) -> int:
    """The --port of the backend process that the Jupyter server started."""
    _, cmdline = backend_process(parent)
    return int(cmdline[cmdline.index(b"--port") + 1])


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
# What the lab client sends with every request, and the backend requires of state changes.
PANEL = {"X-Layerwise-Request": "1"}


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
        {**AUTH, **PANEL, "Content-Type": "application/octet-stream"},
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


def test_backend_gets_its_token_from_the_environment(jupyter):
    base, pid = jupyter
    assert get(f"{base}/layerwise/api/health", AUTH)[0] == 200
    backend, cmdline = backend_process(pid)
    assert not any(b"token" in part.lower() for part in cmdline), cmdline
    environment = Path(f"/proc/{backend}/environ").read_bytes().split(b"\0")
    token = next(v for v in environment if v.startswith(b"LAYERWISE_TOKEN="))
    assert len(token.split(b"=", 1)[1]) >= 32
    # An empty working directory of its own, not Jupyter's.
    cwd = Path(os.readlink(f"/proc/{backend}/cwd"))
    assert cwd.name.startswith("layerwise-cwd-") and list(cwd.iterdir()) == []


def cookie_opener(base: str) -> urllib.request.OpenerDirector:
    """A browser's session: the login cookie Jupyter sets after a token login, and no token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), urllib.request.ProxyHandler({})
    )
    opener.open(f"{base}/api/status?token={JUPYTER_TOKEN}", timeout=60).read()
    assert any(cookie.name.startswith("username-") for cookie in jar), list(jar)
    return opener


def post_with_cookie(opener, url: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=bytes(4), headers=headers, method="POST")
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_cross_site_post_with_the_session_cookie_is_refused(jupyter):
    base, _ = jupyter
    opener = cookie_opener(base)
    url = f"{base}/layerwise/api/uploads/array?dtype=float32&shape=1"
    # What a page of another site can make the browser send: the cookie, no _xsrf.
    forged = {"Origin": "http://evil.example", "Content-Type": "application/octet-stream"}
    status, body = post_with_cookie(opener, url, forged)
    assert status == 403, body
    assert json.loads(body)["error"]["code"] == "cross-origin"
    status, body = post_with_cookie(opener, url, {**forged, **PANEL})
    assert status == 403, body
    status, body = post_with_cookie(opener, url, {"Sec-Fetch-Site": "cross-site", **PANEL})
    assert status == 403, body
    # A simple form POST from anywhere carries no custom header.
    status, body = post_with_cookie(opener, url, {"Content-Type": "text/plain"})
    assert status == 403, body
    assert json.loads(body)["error"]["code"] == "missing-request-header"
    # The panel: same origin (Jupyter's, which is the Host the backend sees) and the header.
    own = {"Origin": base, "Sec-Fetch-Site": "same-origin", **PANEL}
    status, body = post_with_cookie(opener, url, own)
    assert status == 201, body


def test_websocket_from_another_origin_is_refused(jupyter):
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    base, _ = jupyter
    url = base.replace("http", "ws", 1) + "/layerwise/api/events"

    async def first_message(origin: str) -> str | None:
        """The backend's first event, or None when the socket is refused or closed."""
        request = HTTPRequest(url, headers={**AUTH, "Origin": origin})
        try:
            # Token-authenticated, Jupyter skips its own origin check and relays the upgrade.
            connection = await websocket_connect(request)
        except HTTPClientError:
            return None
        message = await connection.read_message()
        connection.close()
        return message

    def run(origin: str) -> str | None:
        return IOLoop.current().run_sync(lambda: first_message(origin), timeout=60)

    assert run("http://evil.example") is None
    assert json.loads(run(base) or "{}").get("type") == "snapshot"


def test_upgrade_to_a_target_that_is_not_a_url_keeps_the_backend(jupyter):
    base, pid = jupyter
    assert get(f"{base}/layerwise/api/health", AUTH)[0] == 200
    before, _ = backend_process(pid)
    host, port = base.removeprefix("http://").split(":")
    # The proxy passes what follows /layerwise/ on: the backend sees //x:99999/api/events.
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(
            (
                f"GET /layerwise///x:99999/api/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: token {JUPYTER_TOKEN}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            ).encode()
        )
        # Jupyter accepts the upgrade, then opens its own to the backend.
        sock.recv(4096)
        time.sleep(1)
    assert Path(f"/proc/{before}").exists(), "the backend process died"
    assert backend_process(pid)[0] == before
    assert get(f"{base}/layerwise/api/health", AUTH)[0] == 200


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
    bundled = touch("layerwise/backend/bin/layerwise.js")
    assert proxy.backend_command("node") == ["node", str(bundled), "serve"]
    # a checkout's own build wins over a bundle left there by an earlier wheel build
    cli = touch("bin/layerwise.js")
    touch("build/backend/server/serve.js")
    assert proxy.backend_command("node") == ["node", str(cli), "serve"]


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

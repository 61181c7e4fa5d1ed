"""The jupyter-server-proxy entry point: runs the Layerwise backend behind Jupyter's auth.

Jupyter starts ``layerwise serve`` on a free loopback port the first time ``/layerwise/`` is
requested. A random token goes to the backend in its environment (never on its command line,
which every user of the machine can read) and the proxy adds it to every request it forwards
(``request_headers_override``), so the backend refuses anything that did not pass Jupyter's
own authentication. Since the proxy adds it to whatever carries the user's Jupyter cookie, the
backend also checks each request's Origin and the X-Layerwise-Request header the panel sends.
The backend moves to an empty working directory of its own at start (jupyter-server-proxy has
no setting for it), so nothing below Jupyter's folder is within reach of a relative path.

When Node.js or the built backend cannot be found, a small placeholder server answers every
request with 503 and a message saying what to install (the panel shows the message), instead
of a bare proxy error. Which Node runs is layerwise/node.py's choice, logged at start.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .node import BackendUnavailable, find_node

TOKEN_HEADER = "X-Layerwise-Token"
PACKAGE_DIR = Path(__file__).resolve().parent
log = logging.getLogger("layerwise.proxy")


def _escape(text: str) -> str:
    """jupyter-server-proxy formats every string with {port} etc.; keep braces literal."""
    return text.replace("{", "{{").replace("}", "}}")


def backend_command(node: str) -> list[str]:
    """The command that runs ``layerwise serve`` from this install, without its options.

    Looked up in order: $LAYERWISE_BACKEND_JS (a layerwise.js), the built source tree (an
    editable install; before the bundle, which `npm run build:wheel` leaves in a checkout and
    which goes stale as the sources change), the backend bundled inside the package (a wheel),
    and the TypeScript sources through tsx (an editable install that was never built).
    """
    override = os.environ.get("LAYERWISE_BACKEND_JS")
    if override:
        if not Path(override).is_file():
            raise BackendUnavailable(f"LAYERWISE_BACKEND_JS={override} is not a file")
        return [node, override, "serve"]
    root = PACKAGE_DIR.parent
    built = root / "bin" / "layerwise.js"
    if built.is_file() and (root / "build" / "backend" / "server" / "serve.js").is_file():
        return [node, str(built), "serve"]
    bundled = PACKAGE_DIR / "backend" / "bin" / "layerwise.js"
    if bundled.is_file():
        return [node, str(bundled), "serve"]
    sources = root / "src" / "backend" / "server" / "serve.ts"
    tsx = root / "node_modules" / "tsx" / "dist" / "loader.mjs"
    if sources.is_file() and tsx.is_file():
        return [node, "--import", tsx.as_uri(), str(sources)]
    if sources.is_file():
        raise BackendUnavailable(
            f"the Layerwise backend in {root} is not built: run 'npm ci && npm run build' "
            "there, then restart Jupyter"
        )
    raise BackendUnavailable(
        f"the Layerwise backend's JavaScript is missing from {PACKAGE_DIR}: reinstall layerwise"
    )


def setup_backend() -> dict:
    """The server process jupyter-server-proxy mounts at ``/layerwise/``."""
    token = secrets.token_hex(24)
    environment = {"LAYERWISE_TOKEN": token}

    def command() -> list[str]:
        try:
            node = find_node()
            cmd = backend_command(node.path)
        except BackendUnavailable as problem:
            log.error("Layerwise backend unavailable: %s", problem)
            environment["LAYERWISE_UNAVAILABLE"] = _escape(str(problem))
            return [sys.executable, "-m", "layerwise.proxy", "--unavailable", "--port", "{port}"]
        environment.pop("LAYERWISE_UNAVAILABLE", None)
        # A warning, because Jupyter prints only warnings and up from loggers it does not own.
        log.warning("Layerwise backend runs on %s", node.describe())
        return [_escape(part) for part in cmd] + ["--host", "127.0.0.1", "--port", "{port}"]

    return {
        "command": command,
        "environment": lambda: environment,
        "request_headers_override": {TOKEN_HEADER: token},
        "absolute_url": False,
        # Node plus tsx on a cold start of an unbuilt checkout can take a few seconds.
        "timeout": 60,
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
    }


class _UnavailableHandler(BaseHTTPRequestHandler):
    message = "the Layerwise backend is unavailable"

    def _reply(self) -> None:
        body = json.dumps(
            {"error": {"code": "backend-unavailable", "message": self.message}}
        ).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _reply

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _serve_unavailable(port: int, message: str) -> None:
    _UnavailableHandler.message = message
    with ThreadingHTTPServer(("127.0.0.1", port), _UnavailableHandler) as server:
        server.serve_forever()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unavailable", action="store_true", required=True)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    _serve_unavailable(
        arguments.port,
        os.environ.get("LAYERWISE_UNAVAILABLE", "the Layerwise backend is unavailable"),
    )

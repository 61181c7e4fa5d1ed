"""The ``layerwise`` console command of the wheel: the bundled CLI (``npx layerwise`` in the
repository) on the Node.js that layerwise/node.py finds, with the same sub-commands and exit
codes. It says on stderr which Node runs, since that decides what the backend can use.
"""

from __future__ import annotations

import os
import sys

from .node import BackendUnavailable, find_node
from .proxy import PACKAGE_DIR


def main() -> int:
    launcher = PACKAGE_DIR / "backend" / "bin" / "layerwise.js"
    try:
        if not launcher.is_file():
            raise BackendUnavailable(
                f"the Layerwise backend is missing from {PACKAGE_DIR} (this install has no "
                "bundled backend; in the repository use npx layerwise)"
            )
        node = find_node()
    except BackendUnavailable as problem:
        print(f"layerwise: {problem}", file=sys.stderr)
        return 1
    print(f"layerwise: {node.describe()}", file=sys.stderr, flush=True)
    # Node takes this process's place rather than running as its child, so a signal sent to
    # `layerwise` (a service manager's SIGTERM to a worker, Ctrl-C) reaches Node itself. A
    # child would outlive its killed launcher and keep taking tasks from the queue.
    os.execvp(node.path, [node.path, str(launcher), *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())

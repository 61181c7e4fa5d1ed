"""Jupyter server for the Galata UI tests: Galata's test settings (no token, no XSRF check,
a temporary root directory) on the port playwright.config.js expects."""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 (c is the config object Jupyter passes in)

c.ServerApp.port = int(os.environ.get("LAYERWISE_UI_PORT", "8898"))  # noqa: F821
# CI containers often run as root.
c.ServerApp.allow_root = True  # noqa: F821
# The kernel and the backend start from this server: keep their logs quiet but visible.
c.ServerApp.log_level = "WARN"  # noqa: F821

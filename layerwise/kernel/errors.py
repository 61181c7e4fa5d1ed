"""The one exception type the plugin reports to the frontend as an `error` message."""

from __future__ import annotations


class KernelPluginError(Exception):
    """A failure the user can act on: `code` is one of kernelMessages.ts KernelErrorCode."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

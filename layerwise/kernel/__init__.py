"""The Layerwise kernel plugin: a `layerwise` comm target inside an IPython kernel.

The lab extension registers it with a silent execute request
(`__import__('layerwise.kernel').kernel.register()`), then opens a comm with target
`layerwise`; see src/protocol/kernelMessages.ts for the messages.
"""

from __future__ import annotations

from .comm import PROTOCOL_VERSION, TARGET, LayerwiseComm, hello

__all__ = ["PROTOCOL_VERSION", "TARGET", "register"]


def _on_open(comm, open_msg) -> None:
    from IPython import get_ipython

    shell = get_ipython()
    LayerwiseComm(comm, lambda: shell.user_ns)
    comm.send(hello())


def register() -> None:
    """Registers the comm target; calling it again (new session, reload) changes nothing."""
    from IPython import get_ipython

    if get_ipython() is None or getattr(get_ipython(), "kernel", None) is None:
        raise RuntimeError("layerwise.kernel.register() must run inside a Jupyter kernel.")
    import comm

    comm.get_comm_manager().register_target(TARGET, _on_open)

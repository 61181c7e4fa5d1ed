"""Hatch build hook of the wheel: stages the bundled backend (scripts/stage-backend.mjs) into
layerwise/backend/ and tags the wheel for the platform of its native parts.

ONNX Runtime's Linux x86-64 library inside needs glibc 2.28 (objdump -T), hence
manylinux_2_28_x86_64; the Python code is version-independent, hence py3-none. Editable
installs (the repository's set-up) run the backend from the checkout and stage nothing.
"""

from __future__ import annotations

import subprocess

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PLATFORM_TAG = "py3-none-manylinux_2_28_x86_64"


class WheelBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return
        subprocess.run(["node", "scripts/stage-backend.mjs"], cwd=self.root, check=True)
        build_data["pure_python"] = False
        build_data["tag"] = PLATFORM_TAG

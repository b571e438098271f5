"""Where axe-core (npm, a devDependency in theme/static_src) is: CI installs the npm
packages in a copy of the checkout and says where (``AXE_CORE_JS``, .ci/run)."""

from __future__ import annotations

import os
from pathlib import Path

AXE = Path(
    os.environ.get("AXE_CORE_JS")
    or Path(__file__).resolve().parent.parent
    / "theme" / "static_src" / "node_modules" / "axe-core" / "axe.min.js"
)

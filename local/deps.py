"""Print the project's pinned dependencies from pyproject.toml, one per line.

`make` feeds these to pip (so pyproject.toml stays the one list of pins), and `make layer-reqs`
writes the runtime part to layers/shared/requirements.txt for `sam build`.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pins(groups: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out: list[str] = []
    for group in groups:
        out += project["dependencies"] if group == "runtime" else project["optional-dependencies"][group]
    return out


if __name__ == "__main__":
    print("\n".join(pins(sys.argv[1:] or ["runtime", "dev"])))

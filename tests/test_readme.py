"""The README's sample output is what the commands really print (docs/readme_samples.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_samples_are_current() -> None:
    spec = importlib.util.spec_from_file_location("readme_samples", ROOT / "docs" / "readme_samples.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert mod.BLOCK.search(readme), "README.md has no sample block"
    assert mod.render(readme) == readme, "README.md sample output is stale: run `python docs/readme_samples.py`"

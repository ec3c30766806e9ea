"""The parsed-YAML cache (core/yamlio.py) is an optimisation only: same data with
and without it, an edited file is never served stale, a damaged or unwritable
cache is a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrans.core.errors import ConfigError
from retrans.core.yamlio import LineDict, load_yaml


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("RETRANS_CACHE_DIR", str(root))
    monkeypatch.delenv("RETRANS_RULE_CACHE", raising=False)
    return root


def _entries(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pickle"))


def test_cached_parse_keeps_lines(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "r.yaml"
    f.write_text("- code: RT1\n  name: a\n- code: RT2\n  name: b\n", encoding="utf-8")
    first = load_yaml(f)
    assert len(_entries(cache)) == 1
    second = load_yaml(f)
    assert second == first
    assert isinstance(second[1], LineDict) and second[1].line == 3 and second[1].key_line("name") == 4


def test_edited_file_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "r.yaml"
    f.write_text("- code: RT1\n", encoding="utf-8")
    assert load_yaml(f)[0]["code"] == "RT1"
    f.write_text("- code: RT9\n", encoding="utf-8")
    assert load_yaml(f)[0]["code"] == "RT9"


def test_damaged_entry_is_a_miss(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "r.yaml"
    f.write_text("a: 1\n", encoding="utf-8")
    load_yaml(f)
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a pickle")
    assert load_yaml(f) == {"a": 1}


def test_unwritable_cache_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("RETRANS_CACHE_DIR", str(blocker))
    f = tmp_path / "r.yaml"
    f.write_text("a: [1, 2]\n", encoding="utf-8")
    assert load_yaml(f) == {"a": [1, 2]}


def test_invalid_yaml_is_never_cached(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "r.yaml"
    f.write_text("a: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_yaml(f)
    assert "r.yaml" in str(err.value)
    assert _entries(cache) == []


def test_cache_off(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRANS_RULE_CACHE", "off")
    f = tmp_path / "r.yaml"
    f.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(f) == {"a": 1}
    assert not cache.exists()

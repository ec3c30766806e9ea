"""`phrase` entries with `pairwise: true`: each wrong form is offered only its own
repair (without it, every `right` is an alternative for every `wrong`), and lists of
different lengths are an error naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrans.core.errors import ConfigError
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.engine import run_rules
from retrans.detect.rules.loader import load_rules

RULE = """\
- code: RT999
  name: test.phrase_pairwise
  type: phrase
  message: test
  category: fluency/calque
  entries:
    - wrong: [Ministry of Finances, Minister of Finances]
      right: [Ministry of Finance, Minister of Finance]
{extra}
      examples:
        bad: ["The [[Minister of Finances]] spoke."]
        good: ["The Minister of Finance spoke."]
  examples:
    bad: ["The [[Minister of Finances]] spoke."]
    good: ["The Minister of Finance spoke."]
"""


def _suggestions(tmp_path: Path, extra: str, text: str) -> list[tuple[str, tuple[str, ...]]]:
    (tmp_path / "r.yaml").write_text(RULE.format(extra=extra), encoding="utf-8")
    ruleset = load_rules([tmp_path])
    found = run_rules(ruleset.rules, TextContext(text, ruleset.lexicon))
    return [(text[f.start : f.end], f.suggestions) for f in sorted(found, key=lambda f: f.start)]


def test_pairwise_offers_each_form_its_own_repair(tmp_path: Path) -> None:
    text = "The Minister of Finances said the Ministry of Finances agreed."
    assert _suggestions(tmp_path, "      pairwise: true", text) == [
        ("Minister of Finances", ("Minister of Finance",)),
        ("Ministry of Finances", ("Ministry of Finance",)),
    ]


def test_without_pairwise_every_right_is_an_alternative(tmp_path: Path) -> None:
    found = _suggestions(tmp_path, "", "The Minister of Finances spoke.")
    assert found == [("Minister of Finances", ("Ministry of Finance", "Minister of Finance"))]


def test_pairwise_with_lists_of_different_lengths_names_the_line(tmp_path: Path) -> None:
    body = RULE.format(extra="      pairwise: true").replace(
        "right: [Ministry of Finance, Minister of Finance]", "right: [Ministry of Finance]"
    )
    (tmp_path / "r.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules([tmp_path])
    assert "pairwise" in str(info.value) and "r.yaml:7" in str(info.value)

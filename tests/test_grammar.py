"""Grammar backends: Harper for real, LanguageTool's adapter and failure path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrans.app.api import Options, build_tooling, fix_text
from retrans.detect.grammar import GrammarUnavailable, HarperChecker, LanguageToolChecker

from .conftest import SEEDS

FIXTURES = Path(__file__).parent / "fixtures"
SEED = SEEDS / "000_f35722fa09ccbc01.txt"
RETRANS = str(Path(sys.executable).parent / "retrans")


@pytest.fixture(scope="module")
def harper() -> HarperChecker:
    return HarperChecker()


def test_harper_reports_a_earthy_on_the_seed(harper: HarperChecker) -> None:
    text = SEED.read_text(encoding="utf-8")
    found = {(text[f.start : f.end + 7], f.rule, f.suggestions) for f in harper.check(text)}
    assert ("a earthy", "HARPER/Miscellaneous", ("an",)) in found


def test_harper_default_kinds_give_no_spelling_noise_on_names(harper: HarperChecker) -> None:
    text = SEED.read_text(encoding="utf-8")
    flagged = [text[f.start : f.end] for f in harper.check(text)]
    for name in ("Sheinbaum", "Volpe", "Macdonald", "Manzanillo", "CUSMA", "Dade"):
        assert name not in flagged
    # ...while the same linter with every kind on does report them: the filter is what removes them.
    noisy = HarperChecker(kinds=frozenset({"Spelling", "Capitalization"}))
    assert "Sheinbaum" in [text[f.start : f.end] for f in noisy.check(text)]


@pytest.mark.parametrize(
    "text",
    [
        "He won the re-election in 2021.",  # Harper reads "the re" as "there"
        "He won the re -election in 2021.",  # the same, with a stray space (RT101's job)
        "The re-opening of the border was delayed.",
        "The Montreal Canadiens won 4-2 on Saturday.",  # en dash advice: news writes a hyphen
        "The province will present its plan.",  # "missing preposition" guess
        "Some 40,000 jobs were lost in manufacturing.",  # "some" before a number
        "The announcement came two days before a byelection.",  # CP style, not "by election"
        "Montreal outshot Toronto 15-4 in the third period.",  # a closed compound, not "out shot"
        "Fourteen people were hurt, three of whom lost fingers.",  # "whom" after a preposition
        "The minister, to whom the letter was sent, did not answer.",
        "The judges issued a unanimous ruling on Tuesday.",  # "a" before a "yoo" sound
        "The party won 40 of the 125 ridings in the last election.",  # electoral districts count
        "The starter allowed two hits in seven innings.",  # baseball counts innings
        "Businesses that can show they have no alternative source may apply.",  # clause subject
        "The cook poured hot syrup over all of it.",  # a partitive "of", not "overall"
        "The Producteurs et productrices acéricoles du Québec manage the reserve.",  # a French name
        "The first story ends here.\n\n---\n\nThe second story starts here.",  # a separator line
        "Two residents were treated for hepatitis A and released.",  # a letter as a label
        '"Will there be delays? Of course there will," the minister said.',  # inversion
        "Flights were delayed by the need to de-ice several aircraft.",  # a prefixed verb
        "The Conseil du patronat du Québec welcomed the budget.",  # a French word in a name
        "Published Dec. 3, 2025  •  Last updated 1 hour ago",  # a byline's spaced separator
        "He left at noon.  She stayed until the end.",  # two spaces after a full stop
        "A FRAPRU spokesperson said tenants need help now.",  # an acronym said as a word
        "Québec solidaire MNA Ruba Ghazal asked the question.",  # a title before a name
        "The European planemaker raised its delivery target.",  # a wire-style closed compound
        "By Friday the volunteers had had enough of the delays.",  # a past perfect of "have"
        "The mayor said that that was not the city's decision.",  # a conjunction, then "that"
        '"We had to say no to families every week," the director said.',  # the idiom "say no to"
        "First paragraph.\nAdvertisement\nAdvertisement\nSecond paragraph.",  # one furniture line each
        "The province said its spending would rise.",  # a verbal noun after the possessive
        "Ottawa split its spending into two budgets.",
        "The morning clouds will give way to sunny breaks by noon.",  # the noun "way", not "way too"
        "The reform paved the way to cheaper generic drugs.",
        "Officials warned of a danger that the ice road would close early.",  # a noun in -er, not "than"
        "Welders and electricians are in demand across the north.",  # a predicate, not "in-demand"
        "Regulators want tighter rules for cryptoassets sold to retail buyers.",  # a combining form
        "The school hired a psychoeducator for its welcome classes.",  # Quebec English's closed form
        "The survey measured wellbeing among older workers.",  # a common closed spelling
        "The vote -- held late at night -- passed easily.",  # the typewriter dash of wire copy
        "The premier praised the deal . . . then left without questions.",  # a spaced ellipsis
        "He went 5-3 with 71 strikeouts in 62 2/3 innings last season.",  # a plural English counts
        "Flood maps in Atlantic Canada are out of date, report warns",  # predicative, not "out-of-date"
        "Her views seem out of date now.",
        '"On a appris aujourd\'hui que personne n\'était responsable," the MP said in French.',  # French quoted
        "The markers that show where the ice used to be were already a long walk apart.",  # one "be" per clause
        "In the 1990s, she helped found a summer fiddle camp in New Brunswick.",  # "to found"
        "Water seeped from the tailings pond into the creek, the ministry said.",  # a mining plural noun
        "The goalie improved to 10-5-2 with a .912 save percentage.",  # a decimal without its zero
        "In a statement, an Élysée adviser said every level of government must help.",  # "an" before É
        "Adults $23.75, children 5 to 17 $12, under 5 free.",  # an age range, then a price
        "If the vote failed, its defeat would have toppled the cabinet.",  # a noun, then its verb
        "The union said its members were ready to return.",
        "Instead they waited until the shelves were empty.",  # CP omits the comma after the adverb
        "The utility had brought in tree-trimming contractors from across the province.",  # a plural head
        "The utility relied on tree contractors.",
        "The union tested ropeless traps that are called to the surface.",  # a stem and "-less"
        "Among the honours she received were the Order of Canada and a gala award.",  # inverted "were"
        "The notices analyzed were those that had been made public.",  # a reduced relative, then "were"
        "The issues voters raised most were what he called the cost of living.",  # "were" before "what"
        "He is survived by his partner, their two children, his parents and his sister.",  # "their two"
        "Their two sons work in Montreal.",
    ],
)
def test_harper_false_alarms_on_news_english_are_dropped(harper: HarperChecker, text: str) -> None:
    assert [(f.rule, f.message) for f in harper.check(text)] == []


def test_harper_where_typo_still_fires_before_a_subject_pronoun(harper: HarperChecker) -> None:
    assert [f.suggestions for f in harper.check("She asked were he had gone.")] == [("where",)]


def test_harper_theyre_still_fires_before_an_adjective_after_two(harper: HarperChecker) -> None:
    assert [f.rule for f in harper.check("I think their going to win.")] == ["HARPER/Grammar"]


def test_harper_repetition_still_fires_on_a_doubled_word_english_never_doubles(harper: HarperChecker) -> None:
    found = harper.check("The mayor of of Laval was absent, and the council had had no word.")
    assert [f.rule for f in found] == ["HARPER/Repetition"]


def test_harper_article_lint_still_fires_where_the_article_is_wrong(harper: HarperChecker) -> None:
    assert [f.suggestions for f in harper.check("They waited a hour for a earthy stew.")] == [("an",), ("an",)]


def test_harper_article_fix_after_a_sentence_opening_capital_is_an_not_all_caps(harper: HarperChecker) -> None:
    # Harper reads the lone capital "A" as all caps and suggests "AN".
    found = harper.check("The town approved it. A ethanol plant will open in May.")
    assert [f.suggestions for f in found] == [("An",)]


def test_harper_there_their_and_dash_lints_still_fire_in_sentences(harper: HarperChecker) -> None:
    rules = [f.rule for f in harper.check("They said there house was sold --- last week.")]
    assert {"HARPER/Grammar", "HARPER/Formatting"} <= set(rules)
    assert [f.rule for f in harper.check("The minister  said no.")] == ["HARPER/Formatting"]


def test_harper_repetition_still_fires_within_a_line(harper: HarperChecker) -> None:
    assert "HARPER/Repetition" in [f.rule for f in harper.check("The minister said the the deal was done.")]


def test_harper_space_before_a_full_stop_still_fires_before_a_word(harper: HarperChecker) -> None:
    assert "HARPER/Formatting" in [f.rule for f in harper.check("The goalie made 31 saves . He was named first star.")]


def test_harper_currency_position_still_fires_on_a_french_amount(harper: HarperChecker) -> None:
    assert "HARPER/Formatting" in [f.rule for f in harper.check("The ticket costs 17 $ at the door.")]


def test_harper_its_lint_still_fires_before_other_words(harper: HarperChecker) -> None:
    assert "HARPER/Punctuation" in [f.rule for f in harper.check("Its a shame the deal failed.")]


def test_harper_object_pronoun_lint_still_fires_where_the_case_is_wrong(harper: HarperChecker) -> None:
    assert [f.suggestions for f in harper.check("The minister gave the documents to they.")] == [("them",)]


def test_harper_closed_compound_and_french_words_still_fire_outside_those_cases(harper: HarperChecker) -> None:
    # Without the partitive "of", "over all" is still Harper's "overall"; a French
    # word that does not continue a capitalised French name is still a typo.
    assert [f.rule for f in harper.check("The mood was over all positive.")] == ["HARPER/Miscellaneous"]
    assert "HARPER/Typo" in [f.rule for f in harper.check("The union asked for productrices to be paid.")]


def test_harper_long_lint_does_not_hide_short_ones(harper: HarperChecker) -> None:
    long_sentence = " ".join(["The minister said that trade grew"] * 12) + " and a earthy tone followed."
    rules = {f.rule for f in HarperChecker(kinds=frozenset({"Readability", "Miscellaneous"})).check(long_sentence)}
    assert {"HARPER/Readability", "HARPER/Miscellaneous"} <= rules


def test_languagetool_adapter_maps_documented_response() -> None:
    import language_tool_python

    data = json.loads((FIXTURES / "languagetool_v2_check.json").read_text(encoding="utf-8"))
    text = data["_text"]
    matches = [language_tool_python.Match(dict(m), text) for m in data["matches"]]
    checker = LanguageToolChecker.__new__(LanguageToolChecker)
    checker.skip_categories = frozenset({"TYPOS"})
    findings = checker.from_matches(matches)
    assert [(f.rule, text[f.start : f.end], f.suggestions) for f in findings] == [
        ("LT/EN_A_VS_AN", "a", ("an",)),
        ("LT/THEIR_IS", "Their", ("There",)),
    ]


def test_languagetool_without_install_fails_fast_with_one_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LTP_JAR_DIR_PATH"}
    res = subprocess.run(
        [RETRANS, "check", "--grammar", "languagetool", str(SEED)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "LTP_JAR_DIR_PATH" in lines[0] and "--languagetool-url" in lines[0]


def test_languagetool_unreachable_server_fails_fast() -> None:
    with pytest.raises(GrammarUnavailable, match="did not answer"):
        LanguageToolChecker(url="http://127.0.0.1:9")


@pytest.mark.skipif(not os.environ.get("RETRANS_LANGUAGETOOL_URL"), reason="no LanguageTool server configured")
def test_languagetool_real_server() -> None:
    checker = LanguageToolChecker(url=os.environ["RETRANS_LANGUAGETOOL_URL"])
    assert any(f.rule.startswith("LT/") for f in checker.check("He met a earthy president."))


def test_fix_that_breaks_grammar_is_reverted(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text(
        """
- code: RT990
  name: test.breaks_grammar
  type: pattern
  pattern: "\\\\bthe (?=apple)"
  replace: ["a "]
  message: A deliberately bad rule.
  category: test
  fix: safe
  confidence: 0.99
  examples: {bad: ["eat [[the ]]apple"], good: [pear]}
- code: RT991
  name: test.harmless
  type: pattern
  pattern: "\\\\bcolour"
  replace: ["color"]
  message: A harmless rule.
  category: test
  fix: safe
  confidence: 0.99
  examples: {bad: ["[[colour]]"], good: [color]}
""",
        encoding="utf-8",
    )
    opts = Options(rule_dirs=(rules,), grammar="harper")
    result = fix_text("They eat the apple of a nice colour.", opts, build_tooling(opts))
    assert result.text == "They eat the apple of a nice color."
    assert [f.rule for f in result.reverted] == ["RT990"]
    unguarded = fix_text("They eat the apple.", Options(rule_dirs=(rules,), grammar="none"))
    assert unguarded.text == "They eat a apple."


def test_harper_chunks_long_texts_and_keeps_offsets() -> None:
    small = HarperChecker(chunk=40)
    text = "First line is fine.\nSecond line is fine too.\nThen a earthy tone.\n"
    found = [(f.rule, text[f.start : f.end]) for f in small.check(text)]
    assert ("HARPER/Miscellaneous", "a") in found
    assert [text[f.start : f.end + 7] for f in small.check(text) if f.rule == "HARPER/Miscellaneous"] == ["a earthy"]


def test_harper_comparison_hyphen_and_spacing_lints_still_fire_outside_those_cases(harper: HarperChecker) -> None:
    # A comparative with "that" for "than", an attributive "in demand" before its noun
    # and a lone space before a full stop are still reported.
    assert "HARPER/Typo" in [f.rule for f in harper.check("The new bridge is longer that the old one.")]
    assert "HARPER/Punctuation" in [f.rule for f in harper.check("Employers want in demand trades.")]
    assert "HARPER/Formatting" in [f.rule for f in harper.check("The minister left .")]


def test_harper_mass_noun_and_compound_adjective_lints_still_fire_where_they_are_right(harper: HarperChecker) -> None:
    # The plural of a mass noun that MT makes of a French count noun, and the open
    # compound right before its noun, are still reported.
    assert "HARPER/Grammar" in [f.rule for f in harper.check("He asked for more informations about the plan.")]
    assert "HARPER/Miscellaneous" in [f.rule for f in harper.check("They used an out of date map.")]
    assert "HARPER/Miscellaneous" in [f.rule for f in harper.check('"We waited a hour for the bus," she said.')]


def test_harper_repeated_verb_lint_still_fires_without_a_clause_ending_in_be(harper: HarperChecker) -> None:
    # "be" that closes a wh-clause ("where the ice used to be") is silenced; a doubled
    # finite verb is still reported.
    found = [f.message for f in harper.check("The new rules will be were announced on Monday.")]
    assert any("repeated verb form" in m for m in found)


def test_harper_base_form_lint_still_fires_on_a_past_form(harper: HarperChecker) -> None:
    found = [f.message for f in harper.check("She helped built the new school in Moncton.")]
    assert any("base form of the verb" in m for m in found)


def test_harper_determiner_lint_still_fires_before_a_singular_head(harper: HarperChecker) -> None:
    # A plural noun phrase needs no article; a singular head after the modifier still does.
    found = [f.message for f in harper.check("The city brought in tree-trimming contractor from Ontario.")]
    assert any("determiner" in m for m in found)


def test_harper_split_lint_still_fires_on_a_suffix_after_a_non_word() -> None:
    from retrans.detect.grammar.harper import _SUFFIX_DERIVATIVE

    # The "-less" guard needs an English stem: "ropeless" yes, a misspelt stem no.
    assert _SUFFIX_DERIVATIVE.fullmatch("ropeless")
    assert not _SUFFIX_DERIVATIVE.fullmatch("less")

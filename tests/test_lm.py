"""The language-model checker: its data file, its examples, the model offline, and
graceful degradation when the model is not installed. Not timed (see
benchmarks/bench_lm.py for costs)."""

from __future__ import annotations

import logging
import math
import os
import re

import pytest

from retrans.app.api import Options, build_tooling
from retrans.app.cli import _options, build_parser
from retrans.core.config import Config
from retrans.detect.lm import checker as lm_checker
from retrans.detect.lm.candidates import Confusions, confusion_candidates, load_confusions
from retrans.detect.lm.checker import LMChecker
from retrans.detect.lm.model import LMUnavailable, Window, model_installed
from retrans.detect.pipeline import Pipeline

MARK = re.compile(r"\[\[(.+?)\]\]")
needs_model = pytest.mark.skipif(not model_installed(), reason="the `lm` extra is not installed")


def _unmark(example: str) -> tuple[str, int, int]:
    m = MARK.search(example)
    assert m, f"bad example without [[span]]: {example}"
    text = example[: m.start()] + m.group(1) + example[m.end() :]
    return text, m.start(), m.start() + len(m.group(1))


@pytest.fixture(scope="module")
def data() -> Confusions:
    return load_confusions()


@pytest.fixture(scope="module")
def lm() -> LMChecker:
    return LMChecker()


def test_data_file_is_well_formed(data: Confusions) -> None:
    ids = [e.id for e in data.entries]
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    assert len(data.entries) >= 200
    for e in data.entries:
        assert e.bad and e.good, f"{e.id}: needs a bad and a good example"
        assert e.french, f"{e.id}: needs its French source"
        for form, alts in e.forms.items():
            assert alts, f"{e.id}: {form} has no alternative"
            assert form.lower() not in {a.lower() for a in alts}, f"{e.id}: {form} corrects to itself"


def test_bad_examples_give_a_candidate_at_the_marker(data: Confusions) -> None:
    """The cheap filters let every bad example through at its marked span."""
    for e in data.entries:
        if not e.enabled:
            continue  # kept visible with its examples, LanguageTool-style, but off
        only = Confusions(data.sources, (e,))
        for ex in e.bad:
            text, start, end = _unmark(ex)
            spans = {(c.start, c.end) for c in confusion_candidates(text, only)}
            assert (start, end) in spans, f"{e.id}: no candidate at the marker in {ex!r}"


def test_the_model_loads_and_scores_offline() -> None:
    if not model_installed():
        pytest.skip("the `lm` extra is not installed")
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # conftest sets it: no download can happen
    from retrans.detect.lm.model import shared_model

    model = shared_model()
    a, b = model.score([Window("The party's", " chief resigned."), Window("The party's", " leader resigned.")])
    assert math.isfinite(a) and math.isfinite(b) and a < 0 and b < 0
    assert b > a


@needs_model
def test_a_known_bad_sentence_gets_its_candidate(lm: LMChecker) -> None:
    text = "The two countries want to avoid a commercial war over softwood lumber."
    found = lm.check(text)
    assert [(text[f.start : f.end], f.rule, f.name) for f in found] == [("commercial war", "RT950", "lm.confusions")]
    assert found[0].suggestions[0] == "trade war"
    assert "margin" in found[0].message


@needs_model
def test_a_clean_sentence_gets_none(lm: LMChecker) -> None:
    text = "The chief of police said the formation of a new unit would take months, even if funding came quickly."
    assert lm.check(text) == []


@needs_model
def test_every_entry_example_with_the_model(data: Confusions, lm: LMChecker) -> None:
    """Each bad example fires at its marker with its correction among the
    suggestions; each good example draws nothing (LanguageTool's discipline)."""
    bad, good = [], []
    for e in data.entries:
        if e.enabled:
            bad.extend((e.id, ex, *_unmark(ex)) for ex in e.bad)
            good.extend((e.id, ex) for ex in e.good)
    # One document per call, as in real use: margins shift by a few tenths of a nat
    # with the batch's shape (bf16 kernels), so examples are not batched together.
    results = [lm.check(text) for text in [b[2] for b in bad] + [g[1] for g in good]]
    problems = []
    for (eid, ex, _, start, end), found in zip(bad, results[: len(bad)], strict=True):
        if (start, end) not in {(f.start, f.end) for f in found}:
            problems.append(f"{eid}: bad example not flagged: {ex}")
    for (eid, ex), found in zip(good, results[len(bad) :], strict=True):
        if found:
            problems.append(f"{eid}: good example flagged {[ex[f.start : f.end] for f in found]}: {ex}")
    assert problems == []


#: Correct English near misses (probe set of my own): the model must veto every candidate.
PROBES = (
    "Retailers say they will pass the tariffs on to shoppers through higher prices.",
    "The tariffs could push prices up by as much as 10 per cent, economists warned.",
    "Canadian farmers worry that the tariffs will depress prices for pork and canola.",
    "Steel prices in the United States have jumped since the tariffs took effect.",
    "The tariff rate on Canadian softwood lumber will rise to 14 per cent.",
    "At that rate, the tariffs will cost the economy $20 billion a year.",
    "The party's chief fundraiser resigned after the tariffs were announced.",
    "The deputies escorted the prisoner into the courthouse.",
    "She assured reporters that the deal would survive the tariffs.",
    "Officials estimate that the tariffs will affect $30 billion in trade.",
    "The minister declared the meeting a success.",
    "The premier stressed that the province would not back down.",
    "The bill will be studied in committee next week.",
    "The company reported benefits for its employees in the annual report.",
    "Even if the talks fail, the government has a backup plan.",
    "He underlined the key passages in the report before the hearing.",
    "The commission of inquiry will hold hearings in the fall.",
    "The project is still in progress, the city said.",
    "The team's trainer attended to the injured player on the ice.",
    "The coach and the athletic trainer spoke to reporters after practice.",
    "The actual number of victims may never be known.",
    "Her eventual successor will inherit a large deficit.",
    "The Crown said the accused had been liberated from any obligation to testify.",
    "The police agents from the FBI joined the investigation.",
    "The hospital's emergency department saw 300 patients on Monday.",
    "The personnel changes were announced on Friday.",
    "The occasion was marked by a ceremony at city hall.",
    "He had the occasion to meet the premier twice.",
    "It was an important decision for the province.",
    "The important thing is to keep schools open.",
    "The users of the new app can file complaints online.",
    "The engagement with voters has been weak.",
    "The company engaged a law firm to handle the case.",
    "The formation of ice on the roads made driving dangerous.",
    "The collaborators on the study came from four universities.",
    "The mandate of the inquiry is to examine the contracts.",
    "The process could take several months, the judge said.",
    "The trial of the former mayor began on Monday.",
    "The balance of the payment is due in June.",
    "Canadian companies are preparing for the commercial impact of the tariffs.",
    "The circulation of the newspaper has fallen by half.",
    "The envelope contained a cheque for $500.",
    "A recipe for success, the coach said after the win.",
    "Quebec's economy grew faster than expected in the second quarter.",
    "She won the riding by 3,000 votes.",
    "The goaltender made 40 saves, but the Leafs scored twice in the third period.",
    "The defenceman had a goal and an assist in the win.",
    "The forward was placed on injured reserve with a knee injury.",
    "The referee's decision sparked outrage among fans.",
    "The classification of the drug as a controlled substance was upheld.",
    "The hospital declared a code orange after the crash.",
    "Nurses say the staffing crisis in the emergency rooms is getting worse.",
    "The patient was discharged after two days in hospital.",
    "The deceased was identified as a 45-year-old man from Laval.",
    "The judge sentenced him to life in prison with no chance of parole for 25 years.",
    "The tribunal ordered the landlord to pay $5,000 to the tenant.",
    "The Administrative Housing Tribunal will hear the case in May.",
    "The court ruled that the evidence was inadmissible.",
    "Police agents from the border services agency seized the shipment.",
    "Municipal workers cleared the snow from the sidewalks.",
    "The bank's profits rose 8 per cent in the quarter, while revenue climbed 5 per cent.",
    "Investors welcomed the placement of new shares.",
    "The company plans to hire 500 workers at its new plant.",
    "The developer's promoter hosted a launch party.",
    "Transit users will pay $3.75 per ride starting in July.",
    "The circulation of counterfeit bills has increased, police said.",
    "Road works will close two lanes of the highway this weekend.",
    "The works of the artist are on display at the museum.",
    "The syndicate of investors bought the team for $1 billion.",
    "The strikers returned to work after a tentative agreement was reached.",
    "The interim leader will serve until a new chief is elected.",
    "The band council chief said the community had not been consulted.",
    "The minister evoked memories of the 1998 ice storm.",
    "The actual cost of the project was $2 billion more than planned.",
    "The economies of Quebec and Ontario are closely linked.",
    "The Conservative Party's deputy leader spoke first.",
    "Deputy Premier Geneviève Guilbault announced the funding.",
    "The commission on the status of women issued its report.",
    "The governor general declared the session open.",
    "The minister affirmed her commitment to the project.",
    "He engaged the services of a private investigator.",
    "The notably high turnout surprised observers.",
    "Quebec's francophone population is declining, notably in Montreal.",
    "The process to select a new leader will begin in the spring.",
    "The government envelope for housing was cut by half.",
)


@needs_model
def test_near_misses_in_correct_english_draw_nothing(lm: LMChecker) -> None:
    flagged = [(s, [s[f.start : f.end] for f in found]) for s in PROBES for found in [lm.check(s)] if found]
    assert flagged == []


def test_a_missing_model_degrades_with_one_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable() -> None:
        raise LMUnavailable("the `lm` extra is not installed")

    monkeypatch.setattr(lm_checker, "shared_model", unavailable)
    checker = LMChecker()
    text = "The two countries want to avoid a commercial war. The Prime Minister of Quebec spoke."
    with caplog.at_level(logging.WARNING, logger="retrans.detect.lm"):
        assert checker.check(text) == []
        assert checker.check(text) == []
    assert len([r for r in caplog.records if r.name == "retrans.detect.lm"]) == 1
    tooling = build_tooling(Options(grammar="none", embeddings=False, lm=False))
    assert isinstance(tooling.pipeline, Pipeline)
    rest = Pipeline([*tooling.pipeline.checkers, checker]).check(text)
    assert rest, "the other checkers still run"


def test_no_lm_flag_turns_the_checker_off() -> None:
    args = build_parser().parse_args(["check", "--no-lm", "x.txt"])
    assert _options(args, Config()).lm is False
    args = build_parser().parse_args(["check", "x.txt"])
    assert _options(args, Config()).lm is None
    tooling = build_tooling(Options(grammar="none", embeddings=False, lm=False))
    assert isinstance(tooling.pipeline, Pipeline)
    assert not any(isinstance(c, LMChecker) for c in tooling.pipeline.checkers)

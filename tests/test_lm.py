"""The language-model checker: its data file, its examples, the model offline, and
graceful degradation when the model is not installed. Not timed (see
benchmarks/bench_lm.py for costs)."""

from __future__ import annotations

import json
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


def test_the_literal_prefilter_keeps_every_candidate(data: Confusions, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries whose words a text lacks are not searched: the same candidates as
    searching every entry, on every example and the clean texts."""
    from pathlib import Path

    from retrans.detect.lm import candidates

    texts = [MARK.sub(r"\1", ex) for e in data.entries for ex in (*e.bad, *e.good)]
    texts.append("\n".join(texts))
    texts += [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parent / "data").glob("clean_news*.txt"))]
    gated = [list(confusion_candidates(t, data)) for t in texts]
    monkeypatch.setattr(candidates, "gate_for", lambda source: None)
    assert [list(confusion_candidates(t, data)) for t in texts] == gated
    assert sum(map(len, gated)) > len(data.entries)


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


def test_a_form_coordinated_with_its_own_alternative_is_no_candidate(data: Confusions) -> None:
    """A form such as "prices" in "blames prices and tariffs": the writer tells the two apart, so the form is not a
    rendering of the French word the alternative names; alone, it still is a candidate."""
    coordinated = [
        "The minister blames prices and tariffs for the deficit.",
        "Under the tariff order, tariffs and prices on Canadian goods take effect Tuesday.",
        "The tariff order sets new rates, tariffs and fees on Canadian goods.",
    ]
    for text in coordinated:
        found = {c.original for c in confusion_candidates(text, data) if c.original.lower() in ("prices", "rates")}
        assert not found, text
    alone = "The White House confirmed that the prices on Canadian goods take effect Tuesday, under the tariff order."
    assert any(c.original == "prices" for c in confusion_candidates(alone, data))


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


# ---- speed work: the shared-prefix scorer and the converted-weights cache ----------


def _example_windows(data: Confusions, lm: LMChecker) -> list[list[Window]]:
    """Each candidate's windows (original first) on the entries' own examples."""
    groups = []
    for e in data.entries:
        if not e.enabled:
            continue
        for ex in (*e.bad, *e.good):
            text = MARK.sub(r"\1", ex)
            bounds = lm_checker.sentence_bounds(text)
            groups.extend(lm_checker.windows_for(text, c, bounds) for c in lm.candidates(text))
    return groups


@needs_model
def test_shared_prefix_scoring_matches_full_sequences(data: Confusions, lm: LMChecker) -> None:
    """Running a candidate's left context once (its keys and values reused for every
    alternative) gives the margins of scoring each window whole, within bf16 noise,
    and the same best alternative where the choice is not a near tie."""
    from retrans.detect.lm.model import shared_model

    model = shared_model()
    groups = _example_windows(data, lm)[::3]  # a third of the examples keeps this under a minute
    flat = [w for g in groups for w in g]
    shared, full = model.score(flat), model.score_full(flat)
    i, worst = 0, 0.0
    for g in groups:
        a = [s - shared[i] for s in shared[i + 1 : i + len(g)]]
        b = [s - full[i] for s in full[i + 1 : i + len(g)]]
        worst = max([worst, *(abs(x - y) for x, y in zip(a, b, strict=True))])
        if len(a) > 1 and abs(sorted(b)[-1] - sorted(b)[-2]) > 1.0:
            assert a.index(max(a)) == b.index(max(b)), g
        i += len(g)
    assert worst < 1.0, worst  # measured: mean 0.13, max ~0.8 nats (bf16, batch shapes)


@needs_model
def test_the_torch_forward_is_transformers_forward() -> None:
    """The plain-torch Llama forward gives transformers' hidden states bit for bit
    (one sequence, no padding: the same kernels)."""
    import torch

    from retrans.detect.lm.model import _load_gguf, cache_folder, gguf_path, shared_model

    model = shared_model()
    tf = pytest.importorskip("transformers")
    folder = cache_folder()
    if not (folder / "model.safetensors").is_file():
        pytest.skip("no converted cache yet")
    config = tf.AutoConfig.from_pretrained(folder)
    hf = tf.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    from safetensors.torch import load_file

    weights = load_file(str(folder / "model.safetensors"))
    weights.setdefault("model.embed_tokens.weight", weights["lm_head.weight"])
    hf.load_state_dict(weights, strict=False)
    hf.eval()
    assert _load_gguf is not None and gguf_path() is not None
    seq, _ = model._encode(Window("The party's", " chief resigned on Monday after the vote."))
    ids = torch.tensor([seq])
    with torch.inference_mode():
        mine, _ = model.forward(ids, torch.arange(len(seq))[None])
        theirs = hf.model(input_ids=ids).last_hidden_state
    assert torch.equal(mine, theirs)


def test_cache_key_follows_the_gguf_file(tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrans.detect.lm import model as lm_model

    gguf = tmp_path / "a.gguf"  # type: ignore[operator]
    gguf.write_bytes(b"x" * 10)
    monkeypatch.setenv("RETRANS_CACHE_DIR", str(tmp_path))
    first = lm_model.cache_folder(gguf)
    assert first.parent == tmp_path / "lm"  # type: ignore[operator]
    gguf.write_bytes(b"x" * 11)  # a changed file gets a fresh folder
    assert lm_model.cache_folder(gguf) != first
    monkeypatch.delenv("RETRANS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # type: ignore[operator]
    assert str(lm_model.cache_folder(gguf)).startswith(str(tmp_path / "xdg" / "retrans" / "lm"))  # type: ignore[operator]


@needs_model
def test_cache_round_trip_and_unwritable_cache(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversion is written atomically and loads back with the same scores; an
    unwritable cache folder degrades to scoring from the conversion in memory; a
    broken cache is replaced. The GGUF conversion is stubbed with the loaded weights
    (a real one takes ~16 s; bench_lm.py times it)."""
    import torch

    from retrans.detect.lm import model as lm_model

    shared = lm_model.shared_model()

    class FakeConfig:
        def __init__(self, folder: object) -> None:
            self.data = json_config

        def save_pretrained(self, folder: object) -> None:
            (folder / "config.json").write_text(json.dumps(json_config))  # type: ignore[operator]

        def to_dict(self) -> dict[str, object]:
            return json_config

    class FakeModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = FakeConfig(None)
            self.w = {"lm_head.weight": shared.head, "model.norm.weight": shared.norm}
            names = {"ln1": "input_layernorm", "ln2": "post_attention_layernorm", "q": "self_attn.q_proj",
                     "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
                     "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}  # fmt: skip
            for i, layer in enumerate(shared.layers):
                for k, name in names.items():
                    self.w[f"model.layers.{i}.{name}.weight"] = layer[k]

        def state_dict(self, *args: object, **kwargs: object) -> dict[str, torch.Tensor]:  # type: ignore[override]
            return dict(self.w)

    class FakeTok:
        backend_tokenizer = shared.tokenizer

        def save_pretrained(self, folder: object) -> None:
            shared.tokenizer.save(str(folder / "tokenizer.json"))  # type: ignore[operator]

    src = lm_model.cache_folder()
    json_config = json.loads((src / "config.json").read_text()) if (src / "config.json").is_file() else None
    if json_config is None:
        pytest.skip("no converted cache yet")
    monkeypatch.setattr(lm_model, "_load_gguf", lambda gguf: (FakeModel(), FakeTok()))

    def save_model(model: FakeModel, path: str) -> None:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in model.w.items()}, path)

    monkeypatch.setattr("safetensors.torch.save_model", save_model)
    windows = [Window("The party's", " chief resigned."), Window("The party's", " leader resigned.")]
    expected = shared.score(windows)

    folder = tmp_path / "cache" / "lm" / "x"  # type: ignore[operator]
    loaded = lm_model.CausalLM.load(folder)
    assert (folder / "model.safetensors").is_file() and loaded.score(windows) == expected
    assert not list(folder.parent.glob("*.tmp*")), "no temporary folder left behind"
    assert lm_model.CausalLM.load(folder).score(windows) == expected  # from the cache

    (folder / "model.safetensors").write_bytes(b"broken")
    assert lm_model.CausalLM.load(folder).score(windows) == expected  # replaced
    assert (folder / "model.safetensors").stat().st_size > 1000

    # A cache root that cannot hold folders (a file; chmod would not stop root).
    blocked = tmp_path / "not-a-folder"  # type: ignore[operator]
    blocked.write_text("")
    in_memory = lm_model.CausalLM.load(blocked / "lm" / "x")
    assert in_memory.score(windows) == expected
    assert blocked.is_file()

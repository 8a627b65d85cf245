"""A tiny, deterministic GGUF model for tests against real llama.cpp (its server and llama-cpp-python).

Two llama layers of width 64 with weights from a fixed seed, a SentencePiece-style vocabulary of the
most frequent words of the corpus (plus every ASCII character and the 256 byte tokens, so any text
tokenizes), and a ChatML chat template (``<|im_start|>``/``<|im_end|>``, the end token). About 2 MB;
written in well under a second. It answers fluent nonsense in corpus words: what it proves is the
protocol (context, slots, finish reasons, errors, processes), never the quality of a summary.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

CHATML = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
N_EMBD, N_HEAD, N_FF, N_LAYER, N_CTX_TRAIN = 64, 4, 128, 2, 4096
SEED = 20240611
WORDS = 3000


def corpus_words(corpus: Path | None, limit: int = WORDS) -> list[str]:
    """The most frequent words of the corpus's texts (the summarization papers, then the README), sorted."""
    text = ""
    if corpus is not None:
        papers = corpus / "summarization" / "scisummnet_dev.jsonl"
        readme = corpus / "README.md"
        for path in (papers, readme):
            if path.is_file():
                with path.open(encoding="utf-8") as handle:
                    text += handle.read(2_000_000)
    if not text:  # the corpus is absent: the project's own README still gives a vocabulary
        text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    counts = Counter(w.lower() for w in re.findall(r"[A-Za-z]{2,}", text))
    return sorted(w for w, _ in counts.most_common(limit))


def write_tiny_model(path: Path, corpus: Path | None = None, *, name: str = "chapterwise-tiny") -> Path:
    """Write the model to ``path`` (same bytes for the same corpus) and return ``path``."""
    import gguf

    tokens: list[str] = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * 4
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    pieces = ["▁", *[chr(c) for c in range(33, 127)]]
    for word in corpus_words(corpus):
        pieces += ["▁" + word[: i + 1] for i in range(len(word))]
    seen = set(tokens)
    for piece in pieces:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
            types.append(gguf.TokenType.NORMAL)
    scores = [0.0] * 261 + [-float(i) / 1000.0 for i in range(len(tokens) - 261)]
    # Longer pieces score higher so the tokenizer prefers whole words.
    scores = [s if i < 261 else float(len(t)) + s for i, (t, s) in enumerate(zip(tokens, scores, strict=True))]
    n_vocab = len(tokens)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(name)
    writer.add_context_length(N_CTX_TRAIN)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(4)  # <|im_end|>: ChatML's end of turn
    writer.add_add_bos_token(False)
    writer.add_add_space_prefix(False)  # "assistant" after <|im_start|> stays one word, as the template writes it
    writer.add_chat_template(CHATML)

    rng = np.random.default_rng(SEED)

    def weights(*shape: int, scale: float = 0.08) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    writer.add_tensor("token_embd.weight", weights(n_vocab, N_EMBD, scale=0.5))
    for layer in range(N_LAYER):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(prefix + part + ".weight", weights(N_EMBD, N_EMBD))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", weights(N_FF, N_EMBD))
        writer.add_tensor(prefix + "ffn_up.weight", weights(N_FF, N_EMBD))
        writer.add_tensor(prefix + "ffn_down.weight", weights(N_EMBD, N_FF))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    writer.add_tensor("output.weight", weights(n_vocab, N_EMBD, scale=0.5))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path

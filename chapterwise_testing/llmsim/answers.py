"""Deterministic "model" answers of the LLM simulator, derived from the prompt.

A summary prompt is answered with the first sentences of the text between the prompt's
``-----BEGIN TEXT-----`` / ``-----END TEXT-----`` markers (as many as the prompt's "at most N
sentences" asks); a clause prompt (one that asks for JSON) is answered with the rule-based detector's
flags as valid JSON. Pure functions, thread-safe.
"""

from __future__ import annotations

import json
import re
from typing import Any

from desktop_app.engine.summarize.clauses import detect_clauses
from desktop_app.engine.summarize.extractive import split_sentences

_BEGIN = "-----BEGIN TEXT-----"
_END = "-----END TEXT-----"
_AT_MOST = re.compile(r"at most (\d+) sentences")
_TOKEN = re.compile(r"\S+\s*")


def user_text(messages: list[dict[str, Any]]) -> str:
    """The last user message's content."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def wants_json(messages: list[dict[str, Any]], json_format: bool) -> bool:
    joined = " ".join(str(m.get("content") or "") for m in messages)
    return json_format or "JSON" in joined


def prompt_messages(prompt: str) -> list[dict[str, Any]]:
    """A completion-mode prompt as the one user message the rest of this module reads.

    The document-style prompts (``Article: … Summary in N sentences:``, ``Contract text: … as JSON``)
    are rewritten into the chat prompt's shape, so both modes get the same deterministic answers.
    """
    if prompt.startswith("Contract text:\n"):
        text = prompt[len("Contract text:\n") :].rsplit("\n\nRisky clauses", 1)[0]
        return [{"role": "user", "content": f"JSON {_BEGIN}\n{text}\n{_END}"}]
    head, _, tail = prompt.rpartition("\n\nSummary")
    match = re.match(r" in (\d+|one) sentences?", tail)
    n = (1 if match.group(1) == "one" else int(match.group(1))) if match else 3
    if head.startswith("Article:\n"):
        body = head[len("Article:\n") :]
    elif head.startswith(("Article: ", "Document: ")) and "\n\n" in head:
        body = head.split("\n\n", 1)[1]
    else:
        body = head
    body = body.removeprefix("Summaries of its parts:\n")
    return [{"role": "user", "content": f"at most {n} sentences\n{_BEGIN}\n{body}\n{_END}"}]


def answer(messages: list[dict[str, Any]], *, json_format: bool = False, max_tokens: int | None = None) -> str:
    """The simulated model's full answer to a chat."""
    prompt = user_text(messages)
    text = prompt
    if _BEGIN in prompt:
        text = prompt.split(_BEGIN, 1)[1].split(_END, 1)[0]
    if wants_json(messages, json_format):
        flags = detect_clauses(text, force=True)
        return json.dumps(
            {"clauses": [{"category": f.category, "severity": f.severity, "text": f.text} for f in flags]}
        )
    match = _AT_MOST.search(prompt)
    n = int(match.group(1)) if match else 3
    sentences = split_sentences(text)
    summary = " ".join(sentences[:n]) if sentences else "There is nothing to summarize."
    if max_tokens is not None and max_tokens > 0:
        summary = "".join(tokens(summary)[:max_tokens]).rstrip()
    return summary


def tokens(text: str) -> list[str]:
    """The simulated tokenizer: one token per word with its trailing space."""
    return _TOKEN.findall(text)


def count_tokens(messages: list[dict[str, Any]]) -> int:
    return sum(len(tokens(str(m.get("content") or ""))) for m in messages)

"""Versioned prompts for the LLM backends, and robust parsing of their answers.

The prompt text is part of the cache key (through :data:`PROMPTS_VERSION`, folded into
``base.PROMPT_VERSION`` by the cache), so editing a prompt must bump the version here.

Two prompt styles: chat messages (the server applies the model's chat template) and, for base models
that were never tuned to follow instructions, a document-style completion prompt ("Article: … Summary
in N sentences:") with stop sequences. Clause requests carry :data:`CLAUSE_SCHEMA` for structured output.

Answers are parsed defensively: reasoning blocks (``<think>…</think>``), code fences and chatty
preambles are removed; clause JSON is searched for inside the text and validated field by field.
Anything unusable raises :class:`~.http.MalformedAnswerError`, which the backend retries and finally
reports; garbage is never returned as a summary. Pure functions, thread-safe.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .base import ClauseFlag, SummaryRequest, clause_quote
from .clauses import CATEGORIES, canonical_category
from .http import MalformedAnswerError

PROMPTS_VERSION = "llm-3"

BEGIN = "-----BEGIN TEXT-----"
END = "-----END TEXT-----"

SYSTEM_SUMMARY = (
    "You summarize documents for a reader who has not read them. You write plain, factual prose in the "
    "language of the text, with no headings, lists or commentary about the task."
)

SYSTEM_CLAUSES = "You review contracts for a reader who must know their risks. You answer with JSON only, no prose."


def chat_messages(request: SummaryRequest) -> list[dict[str, str]]:
    """Messages asking for a summary of a chapter (``kind="chapter"``) or a whole document."""
    n = max(1, request.max_sentences)
    focus = f"Pay particular attention to: {request.focus}.\n" if request.focus else ""
    if request.kind == "document":
        title = f' "{request.title}"' if request.title else ""
        task = (
            f"Below are summaries of the parts of the document{title}, in order. Write one summary of the "
            f"whole document in at most {n} sentences."
        )
    else:
        title = f' titled "{request.title}"' if request.title else ""
        task = f"Summarize the following chapter{title} in at most {n} sentences."
    user = (
        f"{task} The first sentence must state the main point on its own: it is shown alone as a one-line "
        f"preview. Answer with the summary only.\n{focus}\n{BEGIN}\n{request.text}\n{END}"
    )
    return [{"role": "system", "content": SYSTEM_SUMMARY}, {"role": "user", "content": user}]


def clause_messages(text: str) -> list[dict[str, str]]:
    """Messages asking for the high-risk clauses of a contract excerpt, as JSON."""
    lines = "\n".join(f"- {name}: {spec.description}" for name, spec in CATEGORIES.items())
    user = (
        "Find the clauses of this contract text that fall in these categories:\n"
        f"{lines}\n\n"
        'Answer with one JSON object: {"clauses": [{"category": "<one of the category names above>", '
        '"severity": "high" | "medium" | "low", "text": "<the clause, quoted exactly from the text>"}]}. '
        'Quote at most 400 characters per clause. If no clause matches, answer {"clauses": []}.\n\n'
        f"{BEGIN}\n{text}\n{END}"
    )
    return [{"role": "system", "content": SYSTEM_CLAUSES}, {"role": "user", "content": user}]


#: The clause answer's JSON schema, sent as ``response_format`` / Ollama ``format`` / llama.cpp grammar.
CLAUSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "clauses": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "category": {"type": "string", "enum": sorted(CATEGORIES)},
                    "severity": {"type": "string", "enum": ["high", "medium", "low"]},
                    "text": {"type": "string"},
                },
                "required": ["category", "severity", "text"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["clauses"],
    "additionalProperties": False,
}

#: Where a completion-mode answer ends: the model starting another document or field, or an end token. A blank
#: line is not one: base models often open their answer with it.
COMPLETION_STOP = ("\nArticle:", "\nSummary", "\nKeywords", "<|im_end|>", "<end_of_turn>", "<eos>", "</s>")


def complete_sentences(answer: str, limit: int) -> tuple[str, int]:
    """The first ``limit`` complete sentences of a completion-mode answer, and how many complete ones it has.

    A base model does not stop after the sentences it was asked for: it goes on writing the document. What
    it wrote after them is not the summary; a sentence without its end is never kept.
    """
    from .extractive import split_sentences

    # A sentence has its end mark and at least three words; a list's number ("2. …") is not the summary's.
    ends = (".", "!", "?", "。", '."', ".)")
    items = (_LIST_NUMBER.sub("", s) for s in split_sentences(answer))
    sentences = [s for s in items if s.rstrip().endswith(ends) and len(s.split()) >= 3]
    return " ".join(sentences[:limit]), len(sentences)


_LIST_NUMBER = re.compile(r"^\d{1,2}[.)]\s+")


def completion_prompt(request: SummaryRequest) -> str:
    """A document-style prompt a base model continues with a summary (no chat template involved)."""
    n = max(1, request.max_sentences)
    length = "one sentence" if n == 1 else f"{n} sentences"
    focus = f" (about {request.focus})" if request.focus else ""
    if request.kind == "document":
        head = f"Document: {request.title}\n\n" if request.title else ""
        return f"{head}Summaries of its parts:\n{request.text}\n\nSummary of the whole document in {length}{focus}:"
    head = f"Article: {request.title}\n\n" if request.title else "Article:\n"
    return f"{head}{request.text}\n\nSummary in {length}{focus}:"


def clause_completion_prompt(text: str) -> str:
    """The clause request as a document for base models; the server's grammar keeps the answer JSON."""
    names = ", ".join(CATEGORIES)
    return (
        f"Contract text:\n{text}\n\nRisky clauses of this text (categories: {names}), quoted exactly, "
        'as JSON {"clauses": [{"category": ..., "severity": "high"|"medium"|"low", "text": ...}]}:\n'
    )


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^```[\w-]*\s*|\s*```$")
_PREAMBLE = re.compile(
    r"^(?:sure[,!.]?\s*)?(?:here(?:'s| is) (?:a |the |your )?(?:concise |brief )?summary[^:\n]*:|summary:)\s*",
    re.IGNORECASE,
)


def clean_summary(answer: str) -> str:
    """The summary inside a model's answer; raises MalformedAnswerError when nothing usable is left."""
    text = _THINK.sub("", answer).strip()
    text = _FENCE.sub("", text).strip()
    text = _PREAMBLE.sub("", text).strip()
    text = text.replace(BEGIN, "").replace(END, "").strip()
    if len(text) < 2 or not any(ch.isalnum() for ch in text):
        raise MalformedAnswerError(f"empty summary: {answer[:80]!r}")
    return text


def parse_clauses(answer: str, source: str) -> list[ClauseFlag]:
    """Clause flags from a model's JSON answer; unknown categories and empty quotes are dropped."""
    data = _find_json(_THINK.sub("", answer))
    items: Any = data.get("clauses") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise MalformedAnswerError(f"no clause list in answer: {answer[:80]!r}")
    flags: list[ClauseFlag] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        category = canonical_category(str(item.get("category", "")))
        quote = " ".join(str(item.get("text", item.get("quote", ""))).split())
        if category is None or not quote or (category, quote) in seen:
            continue
        seen.add((category, quote))
        severity = str(item.get("severity", "")).lower()
        if severity not in ("high", "medium", "low"):
            severity = CATEGORIES[category].severity
        start = source.find(quote)
        flags.append(
            ClauseFlag(
                category=category,
                severity=severity,  # type: ignore[arg-type]
                text=clause_quote(quote),
                start=start if start >= 0 else None,
            )
        )
    return flags


def _find_json(text: str) -> Any:
    text = _FENCE.sub("", text.strip()).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                value, _ = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                continue
            return value
    raise MalformedAnswerError(f"no JSON in answer: {text[:80]!r}")

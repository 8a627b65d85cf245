"""What the model servers say about themselves, and what follows: slots, context budget, prompt mode.

Before its first request :class:`~.llm.LLMSummarizer` asks each endpoint once for its
:class:`~.protocol.ServerCapacity` (context size, parallel slots, model, chat template). The slots cap the
endpoint's requests (:meth:`~.routing.EndpointPool.set_learned_slots`); the smallest context lowers the
budget; a model without a chat template, or whose name says it is a base model, is asked in completion
mode. An endpoint that cannot be reached yet is listed with unknown values and asked again next time.

Called under the summarizer's learning lock, from whichever worker thread comes first.
"""

from __future__ import annotations

import logging
import re
from typing import Literal

from .base import SummarizerError
from .protocol import ChatProtocol, PromptMode, ServerCapacity
from .routing import EndpointPool

log = logging.getLogger(__name__)

#: ``auto`` asks in completion mode when the server says the model has no chat template or its name says
#: it is a base model; ``chat`` and ``completion`` force one mode.
PromptSetting = Literal["auto", "chat", "completion"]

#: Model names of base (pretrained, not instruction-tuned) checkpoints: "-pt", "base", "-raw".
_BASE_NAME = re.compile(r"(?:^|[-_./])(?:pt|base|raw|pretrain(?:ed)?)(?:$|[-_.])", re.IGNORECASE)
_TUNED_NAME = re.compile(r"(?:^|[-_./])(?:it|instruct|chat|sft|dpo|rlhf)(?:$|[-_.])", re.IGNORECASE)


def looks_like_base_model(name: str) -> bool:
    """Whether a model's name or file name says it is a base model (``gemma-3-270m-pt``, ``llama-base``)."""
    stem = name.rsplit("/", 1)[-1]
    return bool(_BASE_NAME.search(stem)) and not _TUNED_NAME.search(stem)


def initial_mode(setting: PromptSetting, model: str) -> PromptMode | None:
    """The prompt mode known before any server is asked (None: ``auto``, to be learned)."""
    if setting != "auto":
        return setting
    return "completion" if looks_like_base_model(model) else None


def learn(
    protocol: ChatProtocol, pool: EndpointPool, model: str, known: list[ServerCapacity], unreached: set[str]
) -> list[ServerCapacity]:
    """Each endpoint's capacity: kept from ``known`` where it was learned, asked for otherwise.

    ``unreached`` (updated in place) holds the endpoints that could not be asked; the learned slots go to
    the pool at once.
    """
    by_url = {c.url: c for c in known}
    learned: list[ServerCapacity] = []
    for endpoint in pool.endpoints:
        if endpoint.url in by_url and endpoint.url not in unreached:
            learned.append(by_url[endpoint.url])
            continue
        try:
            capacity = protocol.capacity(endpoint.client, endpoint=endpoint.url, model=model)
            unreached.discard(endpoint.url)
        except SummarizerError as err:
            log.info("Could not read the capacity of %s yet: %s", endpoint.url, err)
            capacity = ServerCapacity(url=endpoint.url)
            unreached.add(endpoint.url)
        learned.append(capacity)
        pool.set_learned_slots(endpoint, capacity.slots)
        endpoint.capacity = capacity
    for c in learned:
        log.info("Capacity of %s: context %s, slots %s, model %s", c.url, c.n_ctx, c.slots, c.model)
    return learned


def learned_mode(capacities: list[ServerCapacity]) -> PromptMode | None:
    """``completion`` when a server's model has no chat template or is named as a base model, else None."""
    for c in capacities:
        if c.chat_template is False:
            log.info("The model at %s has no chat template: asking in completion mode", c.url)
            return "completion"
    if any(c.model and looks_like_base_model(c.model) for c in capacities):
        return "completion"
    return None


__all__ = ["PromptSetting", "initial_mode", "learn", "learned_mode", "looks_like_base_model"]

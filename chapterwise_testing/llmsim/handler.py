"""HTTP request handler of the LLM simulator (one instance per request, on the connection's thread)."""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, ClassVar

from . import answers
from .server import RecordedRequest, completion_id, dumps, now_iso

if TYPE_CHECKING:
    from .server import LLMSimulator

log = logging.getLogger(__name__)


class SimHandler(BaseHTTPRequestHandler):
    """Routes to the Ollama and OpenAI dialects; see :mod:`.server` for behaviour."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections close after this
    disable_nagle_algorithm = True  # as Go's servers (Ollama) do: a stream's small last writes go out at once
    sim: ClassVar[LLMSimulator]
    _finish = "stop"  # why the current answer ends: "stop", or "length" when max_tokens cut it
    _completion = False  # the current request is a raw completion (/api/generate, /v1/completions)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("llmsim %s " + format, self.address_string(), *args)

    # --- routing

    def do_GET(self) -> None:
        self.sim.record(RecordedRequest("GET", self.path, self._headers(), None))
        if self.sim.loading and self.path != "/health":
            self._loading(openai=True)
        elif self.path == "/props":
            self._json(
                200,
                {
                    "default_generation_settings": {"n_ctx": self.sim.n_ctx},
                    "total_slots": self.sim.slots,
                    "model_path": f"/models/{self.sim.models[0]}.gguf",
                    # llama.cpp's stand-in for a model without a template: ChatML beside a non-ChatML end token
                    "chat_template": "<|im_start|>{{ messages }}<|im_end|>",
                    "eos_token": "<|im_end|>" if self.sim.chat_template else "<eos>",
                },
            )
        elif self.path == "/slots":
            self._json(200, [{"id": i, "n_ctx": self.sim.n_ctx, "is_processing": False} for i in range(self.sim.slots)])
        elif self.path == "/sim/stats":  # the simulator's own counters, for a parent in another process
            self._json(200, self.sim.stats())
        elif self.path == "/health":
            self._json(503 if self.sim.loading else 200, {"status": "loading model" if self.sim.loading else "ok"})
        elif self.path == "/api/tags":
            models = [
                {
                    "name": m,
                    "model": m,
                    "modified_at": now_iso(),
                    "size": 1000,
                    "digest": f"{i:064x}",
                    "details": {
                        "format": "gguf",
                        "family": "llama",
                        "families": None,
                        "parameter_size": "3B",
                        "quantization_level": "Q4_0",
                    },
                }
                for i, m in enumerate(self.sim.models)
            ]
            self._json(200, {"models": models})
        elif self.path == "/api/version":
            self._json(200, {"version": "0.6.0"})
        elif self.path == "/v1/models":
            if self._check_key():
                data = [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "library"} for m in self.sim.models
                ]
                self._json(200, {"object": "list", "data": data})
        else:
            self._json(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = None
        self.sim.record(RecordedRequest("POST", self.path, self._headers(), body))
        openai = self.path.startswith("/v1/")
        if not isinstance(body, dict):
            self._error(400, "invalid JSON body", openai)
            return
        if self.sim.loading:
            self._loading(openai)
        elif self.path == "/api/show":
            self._show(body)
        elif self.path in ("/api/chat", "/api/generate") or (
            openai and self.path in ("/v1/chat/completions", "/v1/completions")
        ):
            if openai and not self._check_key():
                return
            if "messages" not in body and "prompt" in body:
                body["messages"] = answers.prompt_messages(str(body.get("prompt") or ""))
                body["_completion"] = True
            self._chat(body, openai)
        else:
            self._error(404, f"no route {self.path}", openai)

    def _loading(self, openai: bool) -> None:
        # llama.cpp's server while it loads the model: 503 on every route but /health.
        body: dict[str, Any] = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
        self._json(503, body if openai else {"error": "Loading model"})

    def _show(self, body: dict[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        if not self.sim.has_model(model):
            self._json(404, {"error": f"model '{model}' not found"})
            return
        self._json(
            200,
            {
                "parameters": f'num_ctx {self.sim.n_ctx}\nstop "<|eot_id|>"',
                "template": "{{ .Prompt }}" if self.sim.chat_template else "",
                "details": {"format": "gguf", "family": "llama"},
                "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
            },
        )

    # --- chat

    def _chat(self, body: dict[str, Any], openai: bool) -> None:
        sim = self.sim
        model = str(body.get("model") or "")
        messages = body.get("messages") or []
        fault, retry_after = sim.next_fault(self.headers.get("X-Sim-Fault"))
        hint = f"{retry_after if retry_after is not None else sim.retry_after:g}"
        if fault == "404" or not sim.has_model(model):
            self._error(404, f"model '{model}' not found", openai, code="model_not_found")
            return
        if fault == "500":
            self._error(500, "the model failed to generate a response", openai)
            return
        if fault == "503":
            self._error(
                503,
                "server busy, please try again.  maximum pending requests exceeded",
                openai,
                headers={"Retry-After": hint},
            )
            return
        if fault == "429":
            self._error(
                429,
                "Rate limit reached, please slow down",
                openai,
                code="rate_limit_exceeded",
                headers={"Retry-After": hint},
            )
            return
        if fault == "timeout":
            sim.pause(sim.hang_seconds)
            self.close_connection = True
            return
        prompt_tokens = answers.count_tokens(messages)
        if prompt_tokens > sim.n_ctx:
            message = (
                f"request ({prompt_tokens} tokens) exceeds the available context size ({sim.n_ctx} tokens), "
                "try increasing it"
            )
            if openai:
                error = {
                    "code": 400,
                    "message": message,
                    "type": "exceed_context_size_error",
                    "n_prompt_tokens": prompt_tokens,
                    "n_ctx": sim.n_ctx,
                }
                self._json(400, {"error": error})
            else:
                self._json(400, {"error": message})
            return
        if not sim.enter_queue():
            self._error(
                503,
                "server busy, please try again.  maximum pending requests exceeded",
                openai,
                headers={"Retry-After": hint},
            )
            return
        try:
            started = time.perf_counter()
            reading = prompt_tokens / sim.prompt_tokens_per_second if sim.prompt_tokens_per_second > 0 else 0.0
            # With ``stream_over_latency`` the answer's tokens fill the latency, as a server generating streams them.
            self._stream_for = sim.latency if sim.stream_over_latency else 0.0
            self._stream_from = started + reading + sim.latency - self._stream_for
            sim.pause(self._stream_from - time.perf_counter())
            options = body.get("options") or {}
            max_tokens = body.get("max_tokens") or body.get("max_completion_tokens") or options.get("num_predict")
            json_format = bool(body.get("format") or body.get("response_format") or body.get("json_schema"))
            text = answers.answer(messages, json_format=json_format)
            override = sim.clause_answer if answers.wants_json(messages, json_format) else sim.summary_answer
            if override is not None:
                text = override
            limit = 3 if fault == "length" else int(max_tokens) if max_tokens else None
            finish = "stop"
            if limit is not None and len(answers.tokens(text)) > limit:
                text = "".join(answers.tokens(text)[:limit])
                finish = "length"
            self._finish = finish
            self._completion = bool(body.get("_completion"))
            stream = body.get("stream", not openai)
            if openai:
                self._openai(body, model, messages, text, stream=bool(stream), fault=fault)
            else:
                self._ollama(model, messages, text, stream=bool(stream), fault=fault, started=started)
        finally:
            sim.leave()

    def _tokens(self, text: str) -> list[str]:
        return answers.tokens(text) or [""]

    def _delay(self, i: int, n: int) -> None:
        """Wait until token ``i`` of ``n`` is due: each at its own time after the stream began, so the
        waits' small overruns do not add up over a long answer."""
        per_token = 1.0 / self.sim.tokens_per_second if self.sim.tokens_per_second > 0 else 0.0
        due = self._stream_from + self._stream_for * (i + 1) / max(n, 1) + per_token * (i + 1)
        self.sim.pause(due - time.perf_counter())

    def _generated(self) -> None:
        """Wait until the whole answer is due: one not streamed still takes the latency it would stream over."""
        self.sim.pause(self._stream_from + self._stream_for - time.perf_counter())

    def _ollama(
        self, model: str, messages: list[Any], text: str, *, stream: bool, fault: str | None, started: float
    ) -> None:
        tokens = self._tokens(text)
        elapsed = int((time.perf_counter() - started) * 1e9)
        per_token = 1e9 / (self.sim.tokens_per_second or 1e6)
        generating = int(len(tokens) * per_token + self._stream_for * 1e9)
        final = {
            "model": model,
            "created_at": now_iso(),
            "message": {"role": "assistant", "content": ""},
            "done_reason": self._finish,
            "done": True,
            "total_duration": elapsed + generating + 1000,
            "load_duration": 1000,
            "prompt_eval_count": answers.count_tokens(messages),
            "prompt_eval_duration": elapsed,
            "eval_count": len(tokens),
            "eval_duration": max(1, generating),
        }
        if self._completion:
            del final["message"]
            final["response"] = ""
        if not stream:
            self._generated()
            final["response" if self._completion else "message"] = (
                text if self._completion else {"role": "assistant", "content": text}
            )
            self._json(200, final)
            return
        self._start_stream("application/x-ndjson")
        for i, token in enumerate(tokens):
            if i == 2 and self._stream_fault(fault, openai=False):
                return
            self._delay(i, len(tokens))
            item: dict[str, Any] = {"model": model, "created_at": now_iso(), "done": False}
            if self._completion:
                item["response"] = token
            else:
                item["message"] = {"role": "assistant", "content": token}
            self._chunk(dumps(item) + b"\n")
        if len(tokens) <= 2 and self._stream_fault(fault, openai=False):
            return
        self._chunk(dumps(final) + b"\n")
        self._end_stream()

    def _openai(
        self, body: dict[str, Any], model: str, messages: list[Any], text: str, *, stream: bool, fault: str | None
    ) -> None:
        tokens = self._tokens(text)
        cid, created = completion_id(), int(time.time())
        usage = {
            "prompt_tokens": answers.count_tokens(messages),
            "completion_tokens": len(tokens),
            "total_tokens": answers.count_tokens(messages) + len(tokens),
        }
        if not stream:
            self._generated()
            self._json(
                200,
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_llmsim",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text, "refusal": None},
                            "logprobs": None,
                            "finish_reason": self._finish,
                        }
                    ],
                    "usage": usage,
                },
            )
            return

        def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
            obj = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_llmsim",
                "choices": [
                    {"index": 0, "text": delta.get("content", ""), "logprobs": None, "finish_reason": finish}
                    if self._completion
                    else {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            return b"data: " + dumps(obj) + b"\n\n"

        self._start_stream("text/event-stream")
        self._chunk(chunk({"role": "assistant", "content": ""}, None))
        for i, token in enumerate(tokens):
            if i == 2 and self._stream_fault(fault, openai=True):
                return
            self._delay(i, len(tokens))
            self._chunk(chunk({"content": token}, None))
        if len(tokens) <= 2 and self._stream_fault(fault, openai=True):
            return
        if fault != "nofinish":
            self._chunk(chunk({}, self._finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            obj = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_llmsim",
                "choices": [],
                "usage": usage,
            }
            self._chunk(b"data: " + dumps(obj) + b"\n\n")
        self._chunk(b"data: [DONE]\n\n")
        self._end_stream()

    def _stream_fault(self, fault: str | None, *, openai: bool) -> bool:
        """Apply a mid-stream fault; True when the stream is over."""
        if fault == "malformed":
            self._chunk(b'data: {"choices": [{"delta": {"content"\n\n' if openai else b'{"message": {"content"\n')
            self._end_stream()
            return True
        if fault == "midstream_error":
            error: dict[str, Any] = {"error": "an error was encountered while running the model"}
            if openai:
                error = {"error": {"message": error["error"], "type": "server_error", "param": None, "code": None}}
                self._chunk(b"data: " + dumps(error) + b"\n\n")
            else:
                self._chunk(dumps(error) + b"\n")
            self._end_stream()
            return True
        if fault == "cut":
            self.close_connection = True
            self.wfile.flush()
            return True
        return False

    # --- plumbing

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _check_key(self) -> bool:
        key = self.sim.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self._error(401, "Incorrect API key provided.", True, code="invalid_api_key")
        return False

    def _error(
        self, status: int, message: str, openai: bool, *, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        if openai:
            kind = "invalid_request_error" if status < 500 else "server_error"
            body: dict[str, Any] = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        else:
            body = {"error": message}
        self._json(status, body, headers)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

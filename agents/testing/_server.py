"""A fake LLM provider: a real HTTP server on 127.0.0.1 for tests and benchmarks.

It speaks enough of the OpenAI chat-completions API (``POST /v1/chat/completions``) and of the
Anthropic messages API (``POST /v1/messages``) for the real SDKs (through ``ChatOpenAI`` and
``ChatAnthropic``) to play full episodes against it, tool calls included. A pluggable responder
decides each answer; by default a scripted policy answers the conversation's observations through
the same move function as ``scripted:<policy>`` models (system prompt included). The server
cannot see the env seed, so its draws follow the conversation and its own ``seed`` only: a
policy that draws at random plays like a ``scripted:`` model made with that seed and no episode
seed, while deterministic policies (``oracle``) play identical episodes either way.

Faults are queued with :meth:`FakeProviderServer.inject` and consumed one per request.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import typing
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from agents._scripted import scripted_move
from agents.testing._wire import (
    FakeReply,
    FakeRequest,
    anthropic_observations,
    anthropic_response,
    error_body,
    openai_observations,
    openai_response,
    tool_names,
)
from envs import make_policies


class _Server(ThreadingHTTPServer):
    # The standard listen backlog (5) resets connections when many clients connect at once,
    # as a runner at concurrency 128 does.
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a call (a deadline, a cancelled episode) resets the
        # connection; that is the test's business, not a traceback on stderr.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


FaultKind = Literal[
    "rate_limit",
    "overloaded",
    "server_error",
    "timeout",
    "truncated",
    "bad_tool_args",
    "empty",
    "no_choices",
    "no_message",
    "drip",
    "huge",
    "disconnect",
]
FAULT_KINDS: tuple[str, ...] = typing.get_args(FaultKind)
Responder = Callable[[FakeRequest], FakeReply]


@dataclass(frozen=True)
class Fault:
    """One injected failure, consumed by the next request.

    Kinds: ``rate_limit`` (429), ``overloaded`` (503), ``server_error`` (500), ``timeout``
    (answers only after ``delay_s``, past the client's timeout), ``truncated`` (a 200 whose
    JSON body is cut in half), ``bad_tool_args`` (a tool call whose arguments are not valid:
    broken JSON for OpenAI, an unknown argument for Anthropic), ``empty`` (no text, no call).

    Malformed answers, each a 200: ``no_choices`` (OpenAI ``"choices": []``, Anthropic
    ``"content": []``) and ``no_message`` (an OpenAI choice without its ``message``, an
    Anthropic body without ``content``). Transport faults: ``drip`` (the headers at once, then
    the body one byte at a time over ``delay_s``), ``disconnect`` (the connection closed
    halfway through the body). ``huge``: the responder's reply padded with blanks to ``size``
    characters.
    """

    kind: FaultKind
    """Which failure."""
    retry_after: float | str | None = None
    """``Retry-After`` header of a 429/503: seconds, or an HTTP date string."""
    delay_s: float = 1.0
    """How long a ``timeout`` fault sleeps before answering (a ``drip``: how long the body
    takes)."""
    size: int = 1_000_000
    """Characters of a ``huge`` reply."""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; faults: {', '.join(FAULT_KINDS)}")


def _system_text(body: dict[str, Any]) -> str | None:
    """The system prompt of an OpenAI or Anthropic request body, if any."""
    system = body.get("system")
    if system is None:
        system = [m.get("content") for m in body.get("messages", []) if m.get("role") == "system"]
    if isinstance(system, list):
        parts = [p.get("text", "") if isinstance(p, dict) else str(p or "") for p in system]
        system = "\n\n".join(p for p in parts if p)
    return str(system) or None


class PolicyResponder:
    """Answers with a registered scripted policy (what ``scripted:<policy>`` would say)."""

    def __init__(self, policy: str = "oracle", *, seed: int = 0, **params: Any) -> None:
        self.policy = policy
        self.seed = seed
        self._policies = make_policies(policy, **params)

    def __call__(self, request: FakeRequest) -> FakeReply:
        move = scripted_move(
            self._policies, request.observations, self.seed, _system_text(request.body)
        )
        if request.tools:
            return FakeReply(tool_calls=((move.name, dict(move.args)),))
        return FakeReply(text=move.text)


class FakeProviderServer:
    """The fake provider (see the module docstring). Use it as a context manager.

    Args:
        responder: Decides each answer; default ``PolicyResponder(policy, seed=seed)``.
        policy: Scripted policy of the default responder.
        seed: Seed of the default responder.
        latency_s: Fixed delay added to every call (for benchmarks).
        keep_bodies: Keep every request body in :attr:`bodies` (and its headers in
            :attr:`headers`).
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        policy: str = "oracle",
        seed: int = 0,
        latency_s: float = 0.0,
        keep_bodies: bool = True,
    ) -> None:
        self._responder = responder
        self._policy = policy
        self._seed = seed
        self.latency_s = latency_s
        self.keep_bodies = keep_bodies
        self.requests = 0
        """Requests received (faulty ones included)."""
        self.bodies: list[dict[str, Any]] = []
        """Request bodies received, in order (when ``keep_bodies``)."""
        self.headers: list[list[tuple[str, str]]] = []
        """Request headers received (name and value pairs as sent, in order), one list per
        request, in order (when ``keep_bodies``)."""
        self.faults_served: list[str] = []
        """Kinds of the faults served so far."""
        self.errors: list[str] = []
        """Responder exceptions (answered with a 500)."""
        self._faults: deque[Fault | None] = deque()
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> FakeProviderServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._httpd is not None:
            return
        if self._responder is None:
            self._responder = PolicyResponder(self._policy, seed=self._seed)
        handler = type("FakeHandler", (_Handler,), {"fake": self})
        httpd = _Server(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False  # a sleeping "timeout" fault must not delay stop()
        self._httpd = httpd
        # A short poll interval keeps stop() fast (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd = None

    @property
    def port(self) -> int:
        """The bound port."""
        if self._httpd is None:
            raise RuntimeError("the server is not running; use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``base_url`` for OpenAI clients (ends in ``/v1``)."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """``base_url`` for Anthropic clients."""
        return self.url

    # ------------------------------------------------------------------ faults
    def inject(self, *faults: Fault | str | None) -> None:
        """Queue faults; each of the next requests consumes one (``None``: answer normally)."""
        with self._lock:
            for fault in faults:
                self._faults.append(Fault(fault) if isinstance(fault, str) else fault)  # type: ignore[arg-type]

    @property
    def pending_faults(self) -> int:
        """Queued entries (faults and pass slots) not yet served."""
        with self._lock:
            return len(self._faults)

    def _next(
        self, body: dict[str, Any], headers: list[tuple[str, str]] | None = None
    ) -> tuple[int, Fault | None]:
        with self._lock:
            index = self.requests
            self.requests += 1
            if self.keep_bodies:
                self.bodies.append(body)
                self.headers.append(list(headers or []))
            fault = self._faults.popleft() if self._faults else None
            if fault is not None:
                self.faults_served.append(fault.kind)
            return index, fault

    def answer(self, api: str, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes, float]:
        """Status, headers, body bytes and delay for one request (the handler writes them)."""
        status, headers, data, delay, _fault = self._answer(api, body)
        return status, headers, data, delay

    def _answer(
        self, api: str, body: dict[str, Any], sent_headers: list[tuple[str, str]] | None = None
    ) -> tuple[int, dict[str, str], bytes, float, Fault | None]:
        index, fault = self._next(body, sent_headers)
        delay = self.latency_s
        if fault is not None and fault.kind in ("rate_limit", "overloaded", "server_error"):
            status = {"rate_limit": 429, "overloaded": 503, "server_error": 500}[fault.kind]
            headers = {} if fault.retry_after is None else {"retry-after": str(fault.retry_after)}
            payload = error_body(api, status, f"injected fault: {fault.kind}")
            return status, headers, json.dumps(payload).encode(), delay, fault
        observations = (openai_observations if api == "openai" else anthropic_observations)(body)
        request = FakeRequest(api, str(body.get("model", "")), observations, tool_names(body),
                              body, index)  # fmt: skip
        try:
            reply = self._responder(request) if self._responder else FakeReply()
        except Exception as exc:  # the responder's bug is the test's failure, not a crash
            self.errors.append(f"{type(exc).__name__}: {exc}")
            payload = error_body(api, 500, f"responder failed: {exc}")
            return 500, {}, json.dumps(payload).encode(), delay, fault
        if fault is not None and fault.kind == "empty":
            reply = FakeReply()
        elif fault is not None and fault.kind == "bad_tool_args":
            name = reply.tool_calls[0][0] if reply.tool_calls else "help"
            bad: Any = '{"block": ' if api == "openai" else {"no_such_argument": True}
            reply = FakeReply(tool_calls=((name, bad),))
        elif fault is not None and fault.kind == "huge":
            # the answer first, then blank padding: the same action once the reply is cut
            pad = " " * max(0, fault.size - len(reply.text))
            reply = FakeReply(reply.text + pad, reply.tool_calls, reply.reasoning)
        make = openai_response if api == "openai" else anthropic_response
        payload = make(body, reply, index)
        if fault is not None and fault.kind in ("no_choices", "no_message"):
            _break(api, payload, fault.kind)
        data = json.dumps(payload).encode()
        if fault is not None and fault.kind == "truncated":
            data = data[: len(data) // 2]
        if fault is not None and fault.kind == "timeout":
            delay += fault.delay_s
        return 200, {}, data, delay, fault


def _break(api: str, payload: dict[str, Any], kind: str) -> None:
    """Make a well-formed response body malformed in the way ``kind`` names."""
    if api == "openai":
        if kind == "no_choices":
            payload["choices"] = []
        else:
            payload["choices"][0].pop("message")
    elif kind == "no_choices":
        payload["content"] = []
    else:
        payload.pop("content")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProviderServer
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle delay: otherwise keep-alive clients wait ~40 ms for
    # a delayed ACK between the header and body segments.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        api = {"/v1/chat/completions": "openai", "/chat/completions": "openai",
               "/v1/messages": "anthropic"}.get(path)  # fmt: skip
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if api is None:
                self._send(404, {}, json.dumps(error_body("openai", 404, path)).encode())
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send(400, {}, json.dumps(error_body(api, 400, "bad JSON")).encode())
                return
            sent = list(self.headers.items())
            status, headers, data, delay, fault = self.fake._answer(api, body, sent)
            if delay > 0:
                time.sleep(delay)
            if fault is not None and fault.kind in ("drip", "disconnect"):
                self._send_faulty(status, data, fault)
                return
            self._send(status, headers, data)

    def _send_faulty(self, status: int, data: bytes, fault: Fault) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.flush()
        if fault.kind == "disconnect":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        pause = fault.delay_s / max(1, len(data))
        for i in range(len(data)):
            if self.fake._httpd is None:  # the server is stopping
                return
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(pause)

"""The fast path's own HTTP/1.1 connections send what the SDK sends and fail as it fails.

Calls made through telic's HTTP client (``agents._fastpath.async_http_client``) go out through
``agents._http1.Http1Pool`` rather than the HTTP library's client. Against the fake provider
(a real server on 127.0.0.1), the same call made with the fast path and through the SDK's
``create()`` must arrive with the same headers (auth and custom default headers included, in
the same order) and a JSON-equal body, and every failure (error statuses, timeouts, refused and
dropped connections, broken bodies) must raise the same exception with the same status and
body. A small scripted server covers the answers the fake provider does not give (chunked and
close-delimited bodies, content coding, cookies, redirects).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import ssl
import threading
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents import make_model
from agents._fastpath import ENV_SWITCH, ainvoke_direct
from agents._http1 import ConnectFailed, Http1Pool, TimedOut
from agents.testing import FakeProviderServer, FakeReply, Fault

_TOOL = {
    "type": "function",
    "function": {
        "name": "move",
        "description": "Move a block.",
        "parameters": {
            "type": "object",
            "properties": {"block": {"type": "string"}, "to": {"type": "string"}},
            "required": ["block", "to"],
        },
    },
}


def _model(base_url: str, monkeypatch: pytest.MonkeyPatch, *, fast: bool, **options: Any) -> Any:
    monkeypatch.setenv(ENV_SWITCH, "1" if fast else "0")
    return make_model("openai-compatible:fake", base_url=base_url, **options)


def _transport(model: Any) -> Any:
    """The HTTP library's transport of a model's async client (telic's sharded one)."""
    completions = model.chat.async_client
    resource = getattr(completions, "_resource", completions)
    return resource._client._client._transport


def _conversation(tools: bool) -> list[Any]:
    messages: list[Any] = [SystemMessage("Stack the blocks. «Ünïcode»"), HumanMessage("A, B")]
    if tools:
        call = {"name": "move", "args": {"block": "A", "to": "B"}, "id": "call_1"}
        messages += [AIMessage("", tool_calls=[call]), ToolMessage("moved", tool_call_id="call_1")]
    else:
        messages += [AIMessage("<action>move(A, B)</action>"), HumanMessage("moved")]
    return messages


@pytest.mark.parametrize("tools", [False, True], ids=["tags", "tools"])
def test_headers_and_body_on_the_wire_equal_create(
    tools: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    options = {"api_key": "sk-wire-key", "default_headers": {"X-Team": "telic", "X-Run": "7"},
               "temperature": 0.2, "timeout": 30}  # fmt: skip
    replies = []
    caplog.set_level("INFO", logger="httpx2")
    logged: list[list[str]] = []
    with FakeProviderServer(responder=lambda r: FakeReply(text="ok")) as server:
        for fast in (True, False):
            caplog.clear()
            model = _model(server.openai_base_url, monkeypatch, fast=fast, **options)

            async def two_calls(model: Any = model) -> list[Any]:
                # (one event loop: the SDK's client is bound to the loop it first ran on)
                schemas = [_TOOL] if tools else None
                return [(await model.acall(_conversation(tools), tools=schemas)).message
                        for _ in range(2)]  # fmt: skip

            replies += asyncio.run(two_calls())
            logged.append([r.getMessage() for r in caplog.records if r.name == "httpx2"])
            if fast:  # the calls did not go through the HTTP library's pools
                assert _transport(model)._shards == []
                assert _transport(model).raw is not None
            else:
                assert len(_transport(model)._shards) == 1
        ours, theirs = server.headers[0], server.headers[2]
        assert server.headers[1] == ours and server.headers[3] == theirs
        assert ours == theirs  # the same headers, values and order
        names = {name.lower(): value for name, value in ours}
        assert names["authorization"] == "Bearer sk-wire-key"
        assert names["x-team"] == "telic" and names["x-run"] == "7"
        assert server.bodies[0] == server.bodies[2]
    assert all(reply.content == "ok" for reply in replies)
    assert logged[0] == logged[1] and len(logged[0]) == 2  # the HTTP library's request lines


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


FAULTS = ["rate_limit", "server_error", "overloaded", "timeout", "disconnect", "truncated",
          "no_choices", "refused"]  # fmt: skip


@pytest.mark.parametrize("kind", FAULTS)
def test_failures_raise_what_the_sdk_raises(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each failure, once through the fast path's connections and once through the SDK's
    ``create()``: the same exception type, message, status and body."""
    caught: list[BaseException] = []
    with FakeProviderServer(responder=lambda r: FakeReply(text="ok")) as server:
        url = _closed_port_url() if kind == "refused" else server.openai_base_url
        for fast in (True, False):
            model = _model(url, monkeypatch, fast=fast, timeout=0.5)
            if kind != "refused":
                server.inject(Fault(kind, delay_s=2.0) if kind == "timeout" else kind)
            call = (
                ainvoke_direct(model.chat, [HumanMessage("hi")], {})
                if fast
                else model.chat.ainvoke([HumanMessage("hi")])
            )
            with pytest.raises(Exception) as raised:
                asyncio.run(call)
            caught.append(raised.value)
            if fast:
                assert _transport(model)._shards == []  # the fast path's own connections
    ours, theirs = caught
    assert type(ours) is type(theirs), (ours, theirs)
    assert str(ours) == str(theirs)
    assert getattr(ours, "status_code", None) == getattr(theirs, "status_code", None)
    assert getattr(ours, "body", None) == getattr(theirs, "body", None)
    if kind in ("rate_limit", "server_error", "overloaded"):
        import openai

        assert isinstance(ours, openai.APIStatusError)
    if kind == "timeout":
        import openai

        assert isinstance(ours, openai.APITimeoutError)
    if kind in ("refused", "disconnect"):
        import openai

        assert isinstance(ours, openai.APIConnectionError)


# ---------------------------------------------------------------------------------------------
# answers the fake provider does not give: a scripted raw server

_REPLY = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "fake",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "scripted «é»"}}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}  # fmt: skip


class _Scripted:
    """A server that answers each request with the next scripted raw answer.

    An answer is ``(head lines, body bytes, close)``; ``close`` closes the connection after it.
    Keeps each request's head and the number of connections accepted.
    """

    def __init__(
        self, answers: list[tuple[list[str], bytes, bool]], tls: ssl.SSLContext | None = None
    ) -> None:
        self.answers = list(answers)
        self.heads: list[str] = []
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        port = self._sock.getsockname()[1]
        if tls is not None:
            self._sock = tls.wrap_socket(self._sock, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except ssl.SSLError:  # a client that refused the certificate
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        with conn:
            while self.answers:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(data) < length:
                    data += conn.recv(65536)
                data = data[length:]
                self.heads.append(head.decode())
                lines, body, close = self.answers.pop(0)
                conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
                if close:
                    return

    def close(self) -> None:
        self._sock.close()


def _json_answer(body: bytes | None = None, *extra: str) -> tuple[list[str], bytes, bool]:
    data = json.dumps(_REPLY).encode() if body is None else body
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/json",
             f"Content-Length: {len(data)}", *extra]  # fmt: skip
    return lines, data, False


def _chunked(data: bytes) -> bytes:
    parts = [data[i : i + 7] for i in range(0, len(data), 7)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def _direct(server: _Scripted, monkeypatch: pytest.MonkeyPatch, calls: int) -> list[Any]:
    model = _model(f"{server.url}/v1", monkeypatch, fast=True, timeout=5)

    async def run() -> list[Any]:
        return [await ainvoke_direct(model.chat, [HumanMessage("hi")], {}) for _ in range(calls)]

    return asyncio.run(run())


def test_body_framings_and_keep_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Content-Length, chunked (with an extension and a trailer) and close-delimited bodies,
    an interim 100 answer; kept-alive connections are reused until the server closes one."""
    data = json.dumps(_REPLY).encode()
    chunked = ["HTTP/1.1 200 OK", "Content-Type: application/json",
               "Transfer-Encoding: chunked"]  # fmt: skip
    with_trailer = _chunked(data)[:-2] + b"X-Trailer: 1\r\n\r\n"
    answers = [
        _json_answer(),
        (chunked, _chunked(data), False),
        (chunked, with_trailer, False),
        (["HTTP/1.1 100 Continue", "", *_json_answer()[0]], data, False),
        (["HTTP/1.1 200 OK", "Content-Type: application/json", "Connection: close"], data, True),
        _json_answer(),
    ]
    server = _Scripted(answers)
    try:
        replies = _direct(server, monkeypatch, len(answers))
    finally:
        server.close()
    assert [r.content for r in replies] == ["scripted «é»"] * len(answers)
    assert server.connections == 2  # the close-delimited answer ended the first connection
    assert all(head.startswith("POST /v1/chat/completions HTTP/1.1") for head in server.heads)


_REDIRECT = ["HTTP/1.1 307 Temporary Redirect", "Location: /v2/chat/completions",
             "Content-Length: 0"]  # fmt: skip


def test_coded_bodies_cookies_and_redirects_take_the_libraries_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A gzip-coded body is decoded by the HTTP library; a cookie is kept and sent on the next
    call as the SDK sends it; a redirect is followed."""
    data = json.dumps(_REPLY).encode()
    coded = gzip.compress(data)
    answers = [
        _json_answer(coded, "Content-Encoding: gzip"),
        _json_answer(None, "Set-Cookie: session=abc; Path=/"),
        _json_answer(),  # this call carries the cookie
        (_REDIRECT, b"", False),
        _json_answer(),
    ]
    server = _Scripted(answers)
    try:
        replies = _direct(server, monkeypatch, 3)
        assert [r.content for r in replies] == ["scripted «é»"] * 3
        assert "cookie: session=abc" in server.heads[2].lower()
        # a fresh model (no cookies) for the redirect
        replies = _direct(server, monkeypatch, 1)
    finally:
        server.close()
    assert replies[0].content == "scripted «é»"
    assert server.heads[-1].startswith("POST /v2/chat/completions")


def test_an_error_status_keeps_the_body_and_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    import openai

    error = json.dumps({"error": {"message": "nope", "type": "invalid_request_error"}}).encode()
    lines = ["HTTP/1.1 400 Bad Request", "Content-Type: application/json",
             f"Content-Length: {len(error)}", "x-request-id: req_42"]  # fmt: skip
    server = _Scripted([(lines, error, False)])
    try:
        with pytest.raises(openai.BadRequestError) as raised:
            _direct(server, monkeypatch, 1)
    finally:
        server.close()
    assert raised.value.status_code == 400
    assert raised.value.request_id == "req_42"
    assert raised.value.response.reason_phrase == "Bad Request"
    assert raised.value.response.elapsed.total_seconds() >= 0
    assert raised.value.body == {"message": "nope", "type": "invalid_request_error"}


def test_malformed_answers_fail_as_lost_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    import openai

    server = _Scripted([(["SPDY/3 200 OK"], b"", False)])
    try:
        with pytest.raises(openai.APIConnectionError):
            _direct(server, monkeypatch, 1)
    finally:
        server.close()


# ---------------------------------------------------------------------------------------------
# the pool itself


def test_the_pool_waits_for_a_free_connection_and_times_out() -> None:
    data = json.dumps(_REPLY).encode()
    server = _Scripted([_json_answer()] * 4)
    host, port = server.url.removeprefix("http://").split(":")
    origin = ("http", host, int(port))
    request = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    timeouts: dict[str, float | None] = {"connect": 5.0, "read": 5.0, "pool": 5.0}

    async def run() -> None:
        pool = Http1Pool(None, max_connections=1)
        answers = await asyncio.gather(*(pool.send(origin, request, timeouts) for _ in range(3)))
        assert [a.status for a in answers] == [200] * 3 and answers[0].body == data
        assert server.connections == 1  # one connection, taken in turn
        pool.close()
        with pytest.raises(ConnectFailed):
            await pool.send(origin, request, timeouts)

    silent = socket.socket()  # accepts connections (the backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    quiet = ("http", "127.0.0.1", silent.getsockname()[1])

    async def pool_timeout() -> None:
        pool = Http1Pool(None, max_connections=1)
        blocked = asyncio.ensure_future(pool.send(quiet, request, {**timeouts, "read": 0.5}))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut):
            await pool.send(quiet, request, {**timeouts, "pool": 0.05})
        with pytest.raises(TimedOut):  # no answer comes: a read timeout
            await blocked
        pool.close()

    try:
        asyncio.run(run())
        asyncio.run(pool_timeout())
    finally:
        server.close()
        silent.close()


def _self_signed(tmp_path: Any) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "telic test")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_https_is_verified_as_the_http_library_verifies_it(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS: a client trusting the server's certificate gets the answer through the fast
    path's connections; the default client (the system's CAs) refuses the self-signed one with
    the error the SDK raises."""
    import openai

    from agents._fastpath import _sharded_client_class

    cert, key = _self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server = _Scripted([_json_answer(), _json_answer()], tls=server_context)
    url = f"{server.url}/v1"
    trusting = ssl.create_default_context(cafile=cert)
    caught = []
    try:
        client = _sharded_client_class()(verify=trusting)
        model = _model(url, monkeypatch, fast=True, timeout=5, http_async_client=client)
        reply = asyncio.run(ainvoke_direct(model.chat, [HumanMessage("hi")], {}))
        assert reply.content == "scripted «é»"
        assert _transport(model)._shards == []  # through the fast path's own connections
        for fast in (True, False):
            model = _model(url, monkeypatch, fast=fast, timeout=5)
            call = (
                ainvoke_direct(model.chat, [HumanMessage("hi")], {})
                if fast
                else model.chat.ainvoke([HumanMessage("hi")])
            )
            with pytest.raises(openai.APIConnectionError) as raised:
                asyncio.run(call)
            caught.append(raised.value)
    finally:
        server.close()
    assert type(caught[0]) is type(caught[1]) and str(caught[0]) == str(caught[1])
    causes, error = [], caught[0]
    while error is not None:
        causes.append(repr(error))
        error = error.__cause__
    assert any("CERTIFICATE_VERIFY_FAILED" in cause for cause in causes), causes


def test_a_proxy_from_the_environment_takes_the_libraries_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a proxy set in the environment the call goes to the proxy, as the SDK's would (here
    a closed port: the call fails to connect, where a direct one would have been answered)."""
    import openai

    with FakeProviderServer(responder=lambda r: FakeReply(text="ok")) as server:
        monkeypatch.setenv("HTTP_PROXY", _closed_port_url().removesuffix("/v1"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        model = _model(server.openai_base_url, monkeypatch, fast=True, timeout=5)
        with pytest.raises(openai.APIConnectionError):
            asyncio.run(ainvoke_direct(model.chat, [HumanMessage("hi")], {}))
        assert server.requests == 0
        monkeypatch.delenv("HTTP_PROXY")
        direct = _model(server.openai_base_url, monkeypatch, fast=True, timeout=5)
        reply = asyncio.run(ainvoke_direct(direct.chat, [HumanMessage("hi")], {}))
        assert reply.content == "ok" and server.requests == 1


def test_calls_that_start_together_share_one_template_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agents._fastpath import DirectSender

    builds: list[int] = []
    original = DirectSender._build

    async def counting(self: Any, *args: Any) -> Any:
        builds.append(1)
        return await original(self, *args)

    monkeypatch.setattr(DirectSender, "_build", counting)
    with FakeProviderServer(responder=lambda r: FakeReply(text="ok"), keep_bodies=False) as server:
        model = _model(server.openai_base_url, monkeypatch, fast=True)

        async def wave() -> list[Any]:
            calls = [ainvoke_direct(model.chat, [HumanMessage("hi")], {}) for _ in range(20)]
            return await asyncio.gather(*calls)

        replies = asyncio.run(wave())
        assert [r.content for r in replies] == ["ok"] * 20
        assert len(builds) == 1 and server.requests == 20
        asyncio.run(wave())  # a later loop: the template is kept
        assert len(builds) == 1


def test_a_closed_client_fails_as_the_sdks_does(monkeypatch: pytest.MonkeyPatch) -> None:
    caught: list[BaseException] = []
    with FakeProviderServer(responder=lambda r: FakeReply(text="ok")) as server:
        for fast in (True, False):
            model = _model(server.openai_base_url, monkeypatch, fast=fast)

            async def closed_then_call(model: Any = model, fast: bool = fast) -> Any:
                if fast:  # the template exists before the client closes
                    await ainvoke_direct(model.chat, [HumanMessage("hi")], {})
                resource = getattr(model.chat.async_client, "_resource", None)
                await (resource or model.chat.async_client)._client.close()
                if fast:
                    return await ainvoke_direct(model.chat, [HumanMessage("hi")], {})
                return await model.chat.ainvoke([HumanMessage("hi")])

            with pytest.raises(Exception) as raised:
                asyncio.run(closed_then_call())
            caught.append(raised.value)
    assert type(caught[0]) is type(caught[1]) and str(caught[0]) == str(caught[1])


@pytest.mark.parametrize("kind", ["drip", "huge", "empty", "bad_tool_args"])
def test_odd_answers_read_as_the_sdk_reads_them(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body dripped byte by byte (each byte within the read timeout), a megabyte-long one,
    an empty answer and broken tool arguments: the same message either way."""
    replies: list[Any] = []
    for fast in (True, False):  # a server each: its ids count its own requests
        with FakeProviderServer(responder=lambda r: FakeReply(text="ok «é»")) as server:
            model = _model(server.openai_base_url, monkeypatch, fast=fast, timeout=2)
            server.inject(Fault(kind, delay_s=0.3, size=1_000_000))
            messages = [HumanMessage("hi")]
            call = (
                ainvoke_direct(model.chat, messages, {}) if fast else model.chat.ainvoke(messages)
            )
            replies.append(asyncio.run(call))
    ours, theirs = replies
    assert ours.content == theirs.content and ours.tool_calls == theirs.tool_calls
    assert ours.invalid_tool_calls == theirs.invalid_tool_calls
    assert ours.usage_metadata == theirs.usage_metadata

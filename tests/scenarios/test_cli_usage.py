"""The command line's contract: usage errors, exit codes, bundled scenarios, provider options.

Every usage error is one line on stderr and exit 2 (no traceback); a run whose episodes failed
exits 1 with one ``error:`` line and the command that continues it.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import write_scenario

from scenarios.cli import run_cli


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside the checkout: bundled scenarios must still be found


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, err
    assert "Traceback" not in err
    return errors[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["runn"], "No such command 'runn'"),
        (["run"], "Missing argument 'SCENARIO'"),
        (["run", "--bogus", "x.yaml"], "No such option: --bogus"),
        (["show", "runs/x", "id", "extra"], "unexpected extra argument"),
        (["run", "quickstart", "--concurrency", "0"], "--concurrency"),
        (["run", "quickstart", "--max-error-rate", "2"], "--max-error-rate"),
        (["validate"], "Missing argument 'SCENARIO'"),
        (["compare"], "Missing argument"),
        (["report"], "Missing argument 'DIR"),
        (["show"], "Missing argument 'DIR'"),
        (["hypotheses", "infer"], "Missing argument 'USER_FILE'"),
        (["--bogus"], "No such option: --bogus"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2, (out, err)
    line = one_error_line(err)
    assert needle in line, line
    assert "--help" in line  # where the usage is


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from telic import __version__

    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"telic {__version__}"


def test_no_arguments_prints_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys)
    assert code == 0 and "Usage" in out and "run" in out


def test_bundled_scenarios_by_name_from_any_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "scenarios")
    assert code == 0
    for name in ("quickstart", "paper_gd", "motivation"):
        assert name in out
    code, out, err = cli(capsys, "validate", "quickstart")
    assert code == 0, err
    assert "scenario 'quickstart' is valid" in out
    # the docs' spelling works outside a checkout too
    assert not (tmp_path / "scenarios").exists()
    code, out, err = cli(capsys, "validate", "scenarios/quickstart.yaml")
    assert code == 0, err
    code, _, err = cli(capsys, "validate", "quickstrat")
    assert code == 2 and "Did you mean 'quickstart'" in one_error_line(err)


def test_a_local_file_wins_over_a_bundled_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml
    from conftest import scenario_data

    (tmp_path / "quickstart").write_text(yaml.safe_dump(scenario_data(name="mine")))
    code, out, err = cli(capsys, "validate", "quickstart")
    assert code == 0, err
    assert "scenario 'mine' is valid" in out
    assert "(1 model," in out  # not "1 models"


def test_sdk_options_that_clash_with_telic_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(
        tmp_path,
        models=[{"spec": "openai-compatible:toy", "options": {"base_url": "http://x/v1",
                                                               "max_retries": 0}}],
    )  # fmt: skip
    code, _, err = cli(capsys, "run", path)
    assert code == 2
    line = one_error_line(err)
    assert "'max_retries'" in line and "max_attempts" in line
    code, _, err = cli(capsys, "validate", write_scenario(tmp_path), "-M", "max_retries=2")
    assert code == 2 and "max_attempts" in one_error_line(err)


def test_malformed_model_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "validate", write_scenario(tmp_path), "-M", "temperature")
    assert code == 2 and "key=value" in one_error_line(err)


@pytest.fixture
def closed_url() -> Iterator[str]:
    """The address of a port where nothing listens, for the whole test.

    The port stays bound (never listening) until the test ends: a connection to it is refused,
    and neither another process nor one of the run's own outgoing connections can take it
    meanwhile (a port found free and released at once may be reused before the run connects;
    a client connecting to a free local port can even be handed it as its own source port and
    connect to itself).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def _toy_scenario(tmp_path: Path, seeds: int = 3) -> Path:
    return write_scenario(
        tmp_path,
        models=["openai-compatible:toy"],
        envs=["telic/MeasureHeight-v0"],
        seeds={"start": 10, "count": seeds},
    )


def test_a_run_against_a_closed_port_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closed_url: str
) -> None:
    url = closed_url
    path = _toy_scenario(tmp_path)
    code, out, err = cli(
        capsys, "run", path, "--base-url", url, "-M", "max_attempts=1", "--out", "r", "--no-report"
    )
    assert code == 1, (out, err)
    line = one_error_line(err)
    assert "3 of 3 episodes played ended in an error (3 connection)" in line, line
    assert "--max-error-rate" in line
    assert "--resume --retry-errors" in err and "--base-url" in err
    records = (tmp_path / "r" / "episodes.jsonl").read_text().splitlines()
    assert len(records) == 3  # the run went on: every failure is recorded


def test_fail_fast_stops_at_the_first_connection_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closed_url: str
) -> None:
    url = closed_url
    path = _toy_scenario(tmp_path, seeds=30)
    code, out, err = cli(
        capsys, "run", path, "--base-url", url, "-M", "max_attempts=1", "--out", "r",
        "--fail-fast", "--concurrency", "1",
    )  # fmt: skip
    assert code == 1, (out, err)
    line = one_error_line(err)
    assert "--fail-fast" in line and "connection error" in line
    played = (tmp_path / "r" / "episodes.jsonl").read_text().splitlines()
    assert 1 <= len(played) < 30
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["status"] == "stopped"


class _Unauthorized(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        # read the request first: closing a connection with unread bytes resets it, and the
        # client could then see a connection error instead of the 401
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": {"message": "Incorrect API key provided", "type": "x",
                                     "code": "invalid_api_key"}}).encode()  # fmt: skip
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A run stopped by --fail-fast closes its connections, possibly while this server is
        # still writing a reply. The server thread shares the test's stderr, so its traceback
        # would be mistaken for one printed by telic.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def unauthorized_server() -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_fail_fast_stops_at_an_authentication_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unauthorized_server: str
) -> None:
    path = _toy_scenario(tmp_path, seeds=30)
    code, out, err = cli(
        capsys, "run", path, "--base-url", unauthorized_server, "--out", "r", "--fail-fast",
        "--concurrency", "1",
    )  # fmt: skip
    assert code == 1, (out, err)
    assert "authentication error" in one_error_line(err)
    assert len((tmp_path / "r" / "episodes.jsonl").read_text().splitlines()) < 30


def test_max_error_rate_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closed_url: str
) -> None:
    url = closed_url
    path = _toy_scenario(tmp_path, seeds=2)
    # every episode failed, but the threshold allows it: the run "succeeds" with a note
    code, out, err = cli(
        capsys, "run", path, "--base-url", url, "-M", "max_attempts=1", "--out", "r",
        "--max-error-rate", "1", "--no-report",
    )  # fmt: skip
    assert code == 0, (out, err)
    assert "error: " not in err and "2 of 2 episodes played ended in an error" in err


def test_failures_of_an_ok_run_do_not_fail_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "run", write_scenario(tmp_path), "--out", "r", "--no-report",
                       "--max-error-rate", "0")  # fmt: skip
    assert code == 0, err

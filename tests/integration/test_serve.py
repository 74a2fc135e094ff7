"""`privfin serve` started from another folder: the privacy-safe options still hold, and signals stop it.

Each test starts the real CLI in a subprocess on a free loopback port, from a temp folder whose
own `.streamlit/config.toml` asks for the opposite of every privacy option.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.serve import streamlit_options
from tests.conftest import REPO_ROOT

START_TIMEOUT_S = 90
STOP_BOUND_S = 20  # generous: a forwarded signal stops Streamlit in about a second

HOSTILE_CONFIG = """
[browser]
gatherUsageStats = true
[server]
address = "0.0.0.0"
allowedHosts = ["*"]
enableCORS = false
enableXsrfProtection = false
enableStaticServing = true
[client]
showErrorDetails = "full"
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env |= {"PRIVFIN_DATA_DIR": str(data_dir), "PRIVFIN_OFFLINE": "true"}
    env["PRIVFIN_ENDPOINT_URL"] = "http://127.0.0.1:9/v1"  # nothing may leave loopback
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO_ROOT), env.get("PYTHONPATH"))))
    return env


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(part) for part in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int

    def handshake(self, host: str, origin: str | None = None) -> str:
        """The status line the WebSocket endpoint answers an upgrade with."""
        lines = [
            "GET /_stcore/stream HTTP/1.1",
            f"Host: {host}",
            "Connection: Upgrade",
            "Upgrade: websocket",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ]
        if origin:
            lines.append(f"Origin: {origin}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as conn:
            conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            return conn.recv(4096).decode("latin-1").split("\r\n", 1)[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path)


def _serve(tmp_path: Path, **extra_env: str) -> Iterator[Served]:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / ".streamlit").mkdir(parents=True)
    (elsewhere / ".streamlit" / "config.toml").write_text(HOSTILE_CONFIG)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=elsewhere,
        env=_env(tmp_path / "data") | extra_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = Served(process, port)
    started: list[int] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, f"privfin serve exited with {process.returncode}"
            assert time.monotonic() < deadline, "the dashboard never answered its health check"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        started = _children(process.pid)
        yield served
    finally:
        for pid in [*started, *_children(process.pid), process.pid]:  # an orphan child too
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def test_a_websocket_for_another_host_is_refused_from_any_working_directory(served: Served) -> None:
    port = served.port
    assert " 101 " in served.handshake(f"127.0.0.1:{port}")
    assert " 101 " in served.handshake(f"localhost:{port}", origin=f"http://localhost:{port}")
    for host in ("attacker.example", f"attacker.example:{port}"):  # a DNS-rebinding page's requests
        status = served.handshake(host, origin=f"http://{host}")
        assert " 101 " not in status and " 403 " in status, status
    cross_origin = served.handshake(f"127.0.0.1:{port}", origin="http://attacker.example")
    assert " 101 " not in cross_origin, cross_origin


def test_the_dashboard_listens_on_loopback_only(served: Served) -> None:
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = [line.split()[1] for line in listening if line.split()[3] == "0A"]  # LISTEN
    ours = [address for address in local if int(address.split(":")[1], 16) == served.port]
    assert ours == ["0100007F:" + f"{served.port:04X}"]  # 127.0.0.1 only, not 0.0.0.0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_both_privfin_and_the_dashboard(served: Served, signum: int) -> None:
    children = _children(served.process.pid)
    assert children, "privfin serve has no Streamlit child"
    started = time.monotonic()
    served.process.send_signal(signum)
    served.process.wait(timeout=STOP_BOUND_S)
    while any(_alive(pid) for pid in children):
        assert time.monotonic() - started < STOP_BOUND_S, "Streamlit kept serving"
        time.sleep(0.1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=2).close()


_STUBBORN_CHILD = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
_SUPERVISE_STUBBORN = f"""
import sys
from pathlib import Path
from app.cli import serve as cli
cli.SERVE_STOP_GRACE_S = 1.0
sys.exit(cli._serve_until_stopped([sys.executable, "-c", {_STUBBORN_CHILD!r}], cwd=Path.cwd(), env=dict(__import__("os").environ)))
"""


def test_a_dashboard_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _SUPERVISE_STUBBORN], cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"up"
        (child,) = _children(process.pid)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STOP_BOUND_S)
        assert not _alive(child)
    finally:
        for pid in [*_children(process.pid), process.pid]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def test_the_flags_carry_every_option_of_the_committed_config() -> None:
    committed = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    flags = streamlit_options(8501, 20)
    pairs = {(flags[i].removeprefix("--"), flags[i + 1]) for i in range(0, len(flags), 2)}
    for section, options in committed.items():
        if section == "theme":
            continue
        for name, value in options.items():
            values = value if isinstance(value, list) else [value]
            for one in values:
                text = str(one).lower() if isinstance(one, bool) else str(one)
                assert (f"{section}.{name}", text) in pairs, f"{section}.{name}={one} is not passed"


def test_the_dashboard_ends_when_privfin_serve_is_killed_outright(served: Served) -> None:
    # SIGKILL reaches no handler of ours: the child must be told by the kernel (PDEATHSIG).
    children = _children(served.process.pid)
    assert children, "privfin serve has no Streamlit child"
    started = time.monotonic()
    served.process.kill()
    served.process.wait(timeout=STOP_BOUND_S)
    while any(_alive(pid) for pid in children):
        assert time.monotonic() - started < STOP_BOUND_S, "Streamlit kept serving after privfin serve died"
        time.sleep(0.1)


@pytest.fixture
def outbound(tmp_path: Path) -> Iterator[tuple[Served, list[bytes]]]:
    """The dashboard with every HTTP(S) client it might use pointed at a loopback 'proxy' that
    records what would have left the machine (the requests library honours these variables)."""
    attempts: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def record() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    attempts.append(conn.recv(4096))

    recorder = threading.Thread(target=record, daemon=True)
    recorder.start()
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    proxies = {name: proxy for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    try:
        for served in _serve(tmp_path, NO_PROXY="", no_proxy="", **proxies):
            yield served, attempts
    finally:
        stop.set()
        recorder.join(timeout=5)
        listener.close()


def test_a_cross_origin_websocket_makes_no_request_off_the_machine(
    outbound: tuple[Served, list[bytes]],
) -> None:
    # Streamlit checks a foreign Origin against the machine's external IP, which it asks
    # checkip.amazonaws.com for: any web page the user visits could make the dashboard call out.
    served, attempts = outbound
    for origin in ("http://evil.example", "https://evil.example:8443", "http://192.0.2.7"):
        assert " 403 " in served.handshake(f"127.0.0.1:{served.port}", origin=origin) + " "
    time.sleep(1.5)  # the look-up would have started within its own 1 s timeout
    assert attempts == []

"""Start and stop the real dashboard (`streamlit run app/main.py` through components.launcher) on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = "app/main.py"
STARTUP_TIMEOUT_S = 60.0
START_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StreamlitServer:
    """A running dashboard; `log_path` holds its stdout and stderr for failure messages."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "<no log>"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except (urllib.error.URLError, OSError):
        return False


def _launch(env: Mapping[str, str], log_path: Path) -> StreamlitServer:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "components.launcher",  # what `privfin serve` runs: streamlit with its IP look-ups pinned
        "run",
        ENTRYPOINT,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
    ]
    # A file, not a PIPE: a chatty server must never block on a full pipe buffer.
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,  # so the committed .streamlit/config.toml applies
            env=dict(env),  # the caller decides the whole environment
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = StreamlitServer(process=process, port=port, log_path=log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _healthy(server.url):
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"streamlit did not become healthy on port {port}:\n{server.log_tail()}")


def start_streamlit(env: Mapping[str, str], log_path: Path) -> StreamlitServer:
    """Start the dashboard with exactly `env`, retrying on a fresh port (another process may grab the one we picked)."""
    errors: list[str] = []
    for _ in range(START_ATTEMPTS):
        try:
            return _launch(env, log_path)
        except RuntimeError as error:
            errors.append(str(error))
    raise RuntimeError("\n\n".join(errors))

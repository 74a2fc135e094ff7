"""`privfin serve [--port N]`: the dashboard on 127.0.0.1, with privacy-safe server flags, stopped
with its supervisor (SIGTERM/SIGINT forwarded, killed after a grace period, PDEATHSIG on Linux)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from app.datadir import ensure_private_dir

# How long Streamlit may take to stop after a forwarded SIGTERM or SIGINT before it is killed.
SERVE_STOP_GRACE_S = 10.0
_SERVE_POLL_S = 0.2
_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def streamlit_options(port: int, max_upload_mb: int) -> list[str]:
    """The dashboard's privacy-safe server options, as `streamlit run` flags.

    Flags beat every config.toml and STREAMLIT_* variable, so the dashboard is as private when
    started from any folder as from the repo root (whose .streamlit/config.toml says the same).
    """
    options = [
        ("server.address", "127.0.0.1"),  # loopback only (unset binds every interface)
        ("server.port", str(port)),
        ("server.headless", "true"),
        # Against DNS rebinding: a WebSocket whose Host is any other name is refused. Repeated,
        # since a JSON list given as one flag makes Streamlit refuse every host.
        ("server.allowedHosts", "localhost"),
        ("server.allowedHosts", "127.0.0.1"),
        ("server.enableCORS", "true"),
        ("server.enableXsrfProtection", "true"),
        ("server.enableStaticServing", "false"),
        ("server.enableAgentApi", "false"),
        ("server.showEmailPrompt", "false"),
        ("server.fileWatcherType", "none"),
        ("server.runOnSave", "false"),
        ("server.maxUploadSize", str(max_upload_mb)),
        ("browser.gatherUsageStats", "false"),
        ("client.showErrorDetails", "type"),  # a traceback may hold transaction text
        ("client.showErrorLinks", "false"),
        ("client.toolbarMode", "viewer"),
        ("runner.magicEnabled", "false"),
    ]
    return [part for name, value in options for part in (f"--{name}", value)]


def run_serve_command(args: argparse.Namespace) -> int:
    from app.settings import DATA_DIR_ENV, load_settings

    settings = load_settings()
    ensure_private_dir(settings.data_dir)
    entry = _PROJECT_ROOT / "app" / "main.py"
    # components.launcher is `streamlit` with its external-IP look-up pinned to loopback.
    command = [sys.executable, "-m", "components.launcher", "run", str(entry)]
    command += streamlit_options(args.port, settings.max_upload_mb)
    env = os.environ | {DATA_DIR_ENV: str(settings.data_dir)}  # absolute: the child runs elsewhere
    # Run from the project, so that no .streamlit/ of the folder privfin was started in applies.
    return _serve_until_stopped(command, cwd=_PROJECT_ROOT, env=env)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _end_with_parent(parent: int) -> None:
    """Linux, in the child before it runs Streamlit: SIGTERM it when `privfin serve` dies,
    even by SIGKILL, which no signal handler of ours sees. Elsewhere a no-op."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _serve_until_stopped(command: list[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Run the dashboard; pass SIGTERM and SIGINT on to it, and kill it if it does not stop in time."""
    child: subprocess.Popen[bytes] | None = None
    stop_by: list[float] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if not stop_by:
            stop_by.append(time.monotonic() + SERVE_STOP_GRACE_S)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    forwarded = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    try:
        parent = os.getpid()
        ends_with_parent = functools.partial(_end_with_parent, parent) if sys.platform == "linux" else None
        child = subprocess.Popen(command, cwd=cwd, env=env, preexec_fn=ends_with_parent)
        if stop_by:  # a signal came while it was starting
            child.terminate()
        while child.poll() is None:
            if stop_by and time.monotonic() > stop_by[0]:
                child.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=_SERVE_POLL_S)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child is not None and child.poll() is None:  # never leave the dashboard serving
            child.kill()
            child.wait()
    code = child.returncode
    return 128 - code if code < 0 else code

"""What the fake saw: one record per request, with the timings benchmarks need.

Times are `time.monotonic()` seconds (the clock asyncio uses), so a benchmark in the same
process can line them up with its own monotonic readings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CHAT_PATH = "/v1/chat/completions"


@dataclass
class RecordedRequest:
    seq: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    received_at: float  # monotonic, when the request reached the server
    received_wall: float  # time.time() at the same moment, for humans
    body: Any = None  # parsed JSON (a dict for well-formed chat requests), else None
    raw_body: bytes = b""
    scenario: str | None = None
    stream: bool = False
    service_start: float | None = None  # a capacity slot was granted
    service_end: float | None = None  # the slot was released (generation done or aborted)
    completed_at: float | None = None  # the handler finished (response sent or connection gone)
    status: int | None = None
    aborted: bool = False  # the client went away before the response was fully sent
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None

    @property
    def is_chat(self) -> bool:
        return self.path == CHAT_PATH

    @property
    def service_s(self) -> float | None:
        """Seconds this request held a capacity slot."""
        if self.service_start is None or self.service_end is None:
            return None
        return self.service_end - self.service_start

    @property
    def queued_s(self) -> float | None:
        """Seconds between arrival and getting a slot (includes simulated inbound latency)."""
        if self.service_start is None:
            return None
        return self.service_start - self.received_at

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["raw_body"] = self.raw_body.decode("utf-8", errors="replace")
        data["service_s"] = self.service_s
        data["queued_s"] = self.queued_s
        return data

"""Probing the user's model endpoint: can it be used now, what is it, how hard may it be pushed.

`probe_endpoint` answers with an `EndpointStatus`: reachability, Parallax cluster status and
capacity, API era, model, nodes, and a plain-language reason when the answer is no (the
Settings page's "Test connection"). The whole probe is bounded by `PROBE_TOTAL_S` and
`PROBE_MAX_BYTES`; redirects are never followed. The chat client is `app.categorize.llm`.

Secrets (the API key, credentials in the URL) never appear in a reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from app.categorize.exchange_bounds import ReplyRefused, bounded
from app.categorize.llm import PLACEHOLDER_MODEL, redirect_reason, root_url, safe_url
from app.lazy_import import LazyModule

if TYPE_CHECKING:
    import httpx2

    from app.categorize import bounded_http
    from app.settings import Settings
else:  # loaded when an endpoint is first contacted: an offline run never pays for them
    httpx2 = LazyModule("httpx2")
    bounded_http = LazyModule("app.categorize.bounded_http")

PROBE_TOTAL_S = 5.0
"""The whole probe (every request it makes, connect to last byte): status endpoints answer at
once, so a slow one is as good as down, and "Test connection" must never hang."""
PROBE_MAX_BYTES = 1 << 20

DEFAULT_PARALLAX_CAPACITY = 8  # --max-batch-size default: one pipeline
DEFAULT_OTHER_CAPACITY = 4  # llama.cpp / Ollama often serve a handful of slots

Era = Literal["e2", "legacy"]
ServerKind = Literal["parallax", "openai-compatible", "unknown"]


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    except ValueError:
        return "the endpoint"


@dataclass(frozen=True)
class NodeInfo:
    node_id: str
    status: str
    gpu_name: str | None
    gpu_num: int | None
    gpu_memory_gb: float | None


@dataclass(frozen=True)
class EndpointStatus:
    """What "Test connection" shows. `ready` means requests can be sent now."""

    url: str
    reachable: bool
    ready: bool
    kind: ServerKind = "unknown"
    era: Era | None = None
    model: str | None = None
    status: str | None = None
    nodes: tuple[NodeInfo, ...] = ()
    capacity: int | None = None
    need_more_nodes: bool = False
    reason: str | None = None
    offline: bool = False

    def summary(self) -> str:
        """One plain-language line."""
        if self.offline:
            return "offline mode: no requests are sent; built-in rules only"
        if not self.reachable or not self.ready:
            return f"{self.url}: {self.reason or 'not ready'}"
        what = "Parallax cluster" if self.kind == "parallax" else "OpenAI-compatible server"
        parts = [f"{what} at {self.url} is ready"]
        if self.era:
            parts.append(f"API {self.era}")
        if self.model:
            parts.append(f"model {self.model}")
        if self.nodes:
            parts.append(f"{len(self.nodes)} node(s)")
        if self.capacity:
            parts.append(f"capacity {self.capacity} concurrent requests")
        return ", ".join(parts)


def _describe_transport_error(exc: Exception, url: str, timeout_s: float) -> str:
    host = _host_of(url)
    text = str(exc).lower()
    if isinstance(exc, httpx2.TimeoutException):
        return f"no answer from {host} within {timeout_s:g} s (timeout)"
    if isinstance(exc, httpx2.ConnectError):
        if any(
            m in text for m in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")
        ):
            return f"cannot resolve the host name of {host} (DNS): check the address"
        if "refused" in text:
            return f"connection refused by {host}: is the server running on that port?"
        if "unreachable" in text:
            return f"network unreachable for {host}"
        return f"cannot connect to {host}"
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
        return "the endpoint URL is not valid (it should look like http://host:3001/v1)"
    if isinstance(exc, httpx2.RemoteProtocolError):
        return f"{host} closed the connection unexpectedly"
    return f"cannot talk to {host} ({type(exc).__name__})"


def _auth_headers(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}


def _parse_cluster_status(
    payload: Any,
) -> tuple[str | None, str | None, tuple[NodeInfo, ...], int | None, bool] | None:
    """(status, model, nodes, capacity, need_more_nodes) from a status object (docs/parallax-api.md §2a)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return None
    data = payload["data"]
    nodes = tuple(
        NodeInfo(
            node_id=str(node.get("node_id", "?")),
            status=str(node.get("status", "?")),
            gpu_name=node.get("gpu_name"),
            gpu_num=node.get("gpu_num") if isinstance(node.get("gpu_num"), int) else None,
            gpu_memory_gb=float(node["gpu_memory"])
            if isinstance(node.get("gpu_memory"), int | float)
            else None,
        )
        for node in data.get("node_list") or []
        if isinstance(node, dict)
    )
    capacity = data.get("max_running_request")
    return (
        data.get("status"),
        data.get("model_name"),
        nodes,
        capacity if isinstance(capacity, int) and capacity > 0 else None,
        bool(data.get("need_more_nodes")),
    )


def _waiting_reason(model: str | None, nodes: tuple[NodeInfo, ...], need_more_nodes: bool) -> str:
    if model is None:
        return "the cluster has no model selected yet (choose one in the Parallax web UI)"
    if need_more_nodes:
        return "the cluster needs more nodes: the joined ones lack the memory for the model"
    ready = sum(1 for n in nodes if n.status == "available")
    if not nodes:
        return "the cluster is waiting for nodes to join"
    return f"the cluster is waiting for nodes ({ready} of {len(nodes)} ready; still loading or rebalancing)"


def _read_first_status_line(client: httpx2.Client, url: str) -> Any:
    """The first object of the infinite NDJSON `/cluster/status` stream, then hang up."""
    with client.stream("GET", url) as response:
        if response.status_code != 200:
            return response.status_code
        for line in response.iter_lines():
            if line.strip():
                return json.loads(line)
    return None


def probe_endpoint(settings: Settings) -> EndpointStatus:
    """Is the endpoint there and ready, what is it, how many concurrent requests it takes.

    Parallax: `GET {root}/cluster/status_json`, else the first line of `/cluster/status`;
    the era from `GET /v1/models` (200 = e2, 404 = legacy). Other servers: `/v1/models`.
    """
    shown = safe_url(settings.endpoint_url)
    if settings.offline:
        return EndpointStatus(url=shown, reachable=False, ready=False, offline=True, reason="offline mode")
    base = settings.endpoint_url.rstrip("/")
    root = root_url(base)
    total = min(PROBE_TOTAL_S, settings.request_timeout_s)
    client = bounded_http.bounded_client(
        seconds=total, max_bytes=PROBE_MAX_BYTES, connect_timeout_s=settings.connect_timeout_s
    )
    try:
        with client, bounded(total, PROBE_MAX_BYTES):
            return _probe(client, settings, base, root, shown)
    except (httpx2.HTTPError, OSError) as exc:
        return EndpointStatus(
            url=shown,
            reachable=False,
            ready=False,
            reason=_describe_transport_error(exc, settings.endpoint_url, total),
        )
    except ReplyRefused as refused:
        return EndpointStatus(url=shown, reachable=True, ready=False, reason=refused.message)
    except (ValueError, RecursionError):
        return EndpointStatus(
            url=shown, reachable=True, ready=False, reason="the server sent an unreadable status"
        )


def _probe(client: httpx2.Client, settings: Settings, base: str, root: str, shown: str) -> EndpointStatus:
    status_response = client.get(f"{root}/cluster/status_json")
    cluster: Any = None
    if status_response.status_code == 200:
        cluster = status_response.json()
    elif status_response.status_code in (404, 405):
        try:
            cluster = _read_first_status_line(client, f"{root}/cluster/status")
        except httpx2.TimeoutException:
            cluster = None
        if isinstance(cluster, int):  # a status code: not Parallax
            cluster = None
    models_response = client.get(f"{base}/models", headers=_auth_headers(settings))
    models_status = models_response.status_code
    listed_model: str | None = None
    if models_status == 200:
        try:
            data = models_response.json().get("data") or []
            listed_model = str(data[0]["id"]) if data and isinstance(data[0], dict) else None
        except (ValueError, AttributeError, KeyError, TypeError):
            listed_model = None

    parsed = _parse_cluster_status(cluster) if cluster is not None else None
    if parsed is not None:
        cluster_state, model_name, nodes, capacity, need_more = parsed
        era: Era = "e2" if models_status == 200 else "legacy"
        ready = cluster_state == "available" and model_name is not None
        return EndpointStatus(
            url=shown,
            reachable=True,
            ready=ready,
            kind="parallax",
            era=era,
            model=model_name or listed_model,
            status=cluster_state,
            nodes=nodes,
            capacity=capacity,
            need_more_nodes=need_more,
            reason=None if ready else _waiting_reason(model_name, nodes, need_more),
        )
    if models_status == 200:
        return EndpointStatus(
            url=shown,
            reachable=True,
            ready=True,
            kind="openai-compatible",
            model=listed_model,
            status="ready",
        )
    if models_status in (401, 403):
        reason = f"the server rejected the API key (HTTP {models_status}): check it in Settings"
    elif 300 <= models_status < 400:
        reason = redirect_reason(models_status)
    elif models_status == 404:
        reason = "no OpenAI-compatible API at this URL (HTTP 404): it should end in /v1"
    else:
        reason = f"the server answered HTTP {models_status} to a model list request"
    return EndpointStatus(url=shown, reachable=True, ready=False, reason=reason)


def effective_concurrency(settings: Settings, status: EndpointStatus) -> int:
    """Keep the cluster busy but never flooded: its reported capacity, capped; settings override."""
    if settings.max_concurrency is not None:
        return settings.max_concurrency
    if status.capacity:
        capacity = status.capacity
    elif status.kind == "parallax":
        capacity = DEFAULT_PARALLAX_CAPACITY
    else:
        capacity = DEFAULT_OTHER_CAPACITY
    return max(1, min(capacity, settings.concurrency_cap))


def model_identity(settings: Settings, status: EndpointStatus | None) -> str:
    """The model a cached answer belongs to: the server's reported model, else settings.model."""
    if status is not None and status.model:
        return status.model
    return settings.model or PLACEHOLDER_MODEL

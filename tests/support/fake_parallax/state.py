"""Shared, thread-safe state: knobs, scenario queue, cluster condition and request log.

The server's event loop and the test thread both touch it, so every access goes through
one lock and returns snapshots (config is immutable; records are copied).
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tests.support.fake_parallax.config import DEFAULT_NODE, FakeConfig
from tests.support.fake_parallax.records import RecordedRequest
from tests.support.fake_parallax.scenarios import Scenario, parse_scenario


class FakeState:
    def __init__(self, initial: FakeConfig, scenario_queue: Iterable[str] = ()) -> None:
        self._lock = threading.RLock()
        self._initial = initial
        self._initial_queue = [str(parse_scenario(name)) for name in scenario_queue]
        self._config = initial
        self._queue: deque[Scenario] = deque()
        self._records: list[RecordedRequest] = []
        self._warming_polls = 0
        self._warming_until = 0.0
        self._dropped_nodes = 0
        self.on_capacity_change: Callable[[int], None] | None = None
        self.push(self._initial_queue)

    # ------------------------------------------------------------ knobs

    @property
    def config(self) -> FakeConfig:
        with self._lock:
            return self._config

    def configure(self, updates: Mapping[str, Any]) -> FakeConfig:
        knobs = dict(updates)
        queue = knobs.pop("scenario_queue", None)
        with self._lock:
            new = self._config.with_updates(knobs)
            if queue is not None:
                parsed = [parse_scenario(str(name)) for name in queue]
                self.clear_scenarios()
                self._push_parsed(parsed)
            old_capacity = self._config.max_running_request
            self._config = new
        if new.max_running_request != old_capacity and self.on_capacity_change is not None:
            self.on_capacity_change(new.max_running_request)
        return new

    def reset(self) -> None:
        """Back to the constructor's knobs and queue; forget requests and cluster actions."""
        with self._lock:
            old_capacity = self._config.max_running_request
            self._config = self._initial
            self._records.clear()
            self.clear_scenarios()
            self._warming_polls, self._warming_until, self._dropped_nodes = 0, 0.0, 0
            self.push(self._initial_queue)
        if self._initial.max_running_request != old_capacity and self.on_capacity_change is not None:
            self.on_capacity_change(self._initial.max_running_request)

    # ------------------------------------------------------------ scenarios

    def push(self, names: Iterable[str]) -> None:
        parsed = [parse_scenario(str(name)) for name in names]  # validate all before applying any
        self._push_parsed(parsed)

    def _push_parsed(self, scenarios: list[Scenario]) -> None:
        with self._lock:
            for scenario in scenarios:
                if scenario.is_cluster_action:
                    self.apply_cluster_action(scenario)
                else:
                    self._queue.append(scenario)

    def clear_scenarios(self) -> None:
        with self._lock:
            self._queue.clear()

    def queued_scenarios(self) -> list[str]:
        with self._lock:
            return [str(s) for s in self._queue]

    def take_scenario(self, header: str | None) -> Scenario | None:
        """The header wins (and leaves the queue alone); otherwise pop the queue's head."""
        if header and header.strip():
            scenario = parse_scenario(header)
            if scenario.is_cluster_action:
                self.apply_cluster_action(scenario)
            return scenario
        with self._lock:
            return self._queue.popleft() if self._queue else None

    # ------------------------------------------------------------ cluster condition

    def apply_cluster_action(self, scenario: Scenario) -> None:
        with self._lock:
            if scenario.name == "warming_up":
                arg = scenario.arg or "0"
                if arg.endswith("s"):
                    self._warming_until = time.monotonic() + float(arg[:-1])
                else:
                    self._warming_polls = int(arg)
            elif scenario.name == "drop_node":
                self._dropped_nodes += 1
            elif scenario.name == "restore_node":
                self._dropped_nodes = 0

    def _warming(self) -> bool:
        return self._warming_polls > 0 or time.monotonic() < self._warming_until

    def is_ready(self) -> bool:
        with self._lock:
            cfg = self._config
            return (
                cfg.cluster_status == "available"
                and cfg.model_name is not None
                and not self._warming()
                and self._dropped_nodes == 0
            )

    def poll_status(self) -> dict[str, Any]:
        """The status object of docs/parallax-api.md §2a as one status poll sees it (a poll uses up one warm-up step)."""
        with self._lock:
            cfg = self._config
            waiting = cfg.cluster_status != "available" or self._warming()
            status = "available" if self.is_ready() else "waiting"
            kept = cfg.nodes[: max(len(cfg.nodes) - self._dropped_nodes, 0)]
            node_list = [
                {
                    "node_id": node["node_id"],
                    "status": node.get("status", "waiting" if waiting else "available"),
                    "gpu_num": node.get("gpu_num", DEFAULT_NODE["gpu_num"]),
                    "gpu_name": node.get("gpu_name", DEFAULT_NODE["gpu_name"]),
                    "gpu_memory": node.get("gpu_memory", DEFAULT_NODE["gpu_memory"]),
                }
                for node in kept
            ]
            if self._warming_polls > 0:
                self._warming_polls -= 1
            data: dict[str, Any] = {
                "status": status,
                "model_name": cfg.model_name,
                "init_nodes_num": cfg.init_nodes_num,
                "node_join_command": {"command": "parallax join"},
                "node_list": node_list,
                "need_more_nodes": cfg.need_more_nodes,
            }
            if not cfg.is_legacy:
                data["max_running_request"] = cfg.max_running_request
            return {"type": "cluster_status", "data": data}

    def init_scheduler(self, model_name: str, init_nodes_num: int) -> None:
        """`POST /scheduler/init`: a new model is chosen; the cluster waits until told otherwise."""
        with self._lock:
            self._config = self._config.with_updates(
                {"model_name": model_name, "init_nodes_num": init_nodes_num, "cluster_status": "waiting"}
            )

    # ------------------------------------------------------------ request log

    def record(self, **fields: Any) -> RecordedRequest:
        with self._lock:
            record = RecordedRequest(seq=len(self._records) + 1, **fields)
            self._records.append(record)
            return record

    def update_record(self, record: RecordedRequest, **fields: Any) -> None:
        with self._lock:
            for name, value in fields.items():
                setattr(record, name, value)

    def records(self) -> list[RecordedRequest]:
        with self._lock:
            return [copy.copy(r) for r in self._records]

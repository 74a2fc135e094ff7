"""Stand-in Parallax scheduler for tests and benchmarks (docs/parallax-api.md §9).

    with FakeParallax(max_running_request=2) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="placeholder", max_retries=0)
        fake.push_scenarios("busy_429")
        ...
        assert fake.chat_requests()[0].body["temperature"] == 0

A real uvicorn server on 127.0.0.1 (free port). Knobs: the fields of `FakeConfig` plus
`scenario_queue`; change them with `configure()` or `POST /__fake__/config`. Scenarios
(`SCENARIOS`, `name` or `name:arg`) come from the `X-Fake-Scenario` header or the FIFO
queue, one per chat request; `warming_up`, `drop_node` and `restore_node` change the
cluster and apply as soon as they are pushed. Every non-control-plane request is recorded
(`requests()`, `chat_requests()`) with monotonic arrival / service start / service end
times for benchmarks. Hostile scenarios (`hang`, `drip_body`, `huge_body`, `pathological_json`,
`garbage_body`, `redirect`) ignore every convention; `WireFault` misbehaves below HTTP.
"""

from tests.support.fake_parallax.classifier import DEFAULT_CATEGORIES, classify
from tests.support.fake_parallax.config import FakeConfig
from tests.support.fake_parallax.records import RecordedRequest
from tests.support.fake_parallax.responder import Reply, Responder, default_responder
from tests.support.fake_parallax.scenarios import SCENARIOS, Scenario, parse_scenario
from tests.support.fake_parallax.server import FakeParallax
from tests.support.fake_parallax.wire import WireFault

__all__ = [
    "DEFAULT_CATEGORIES",
    "SCENARIOS",
    "FakeConfig",
    "FakeParallax",
    "RecordedRequest",
    "Reply",
    "Responder",
    "Scenario",
    "WireFault",
    "classify",
    "default_responder",
    "parse_scenario",
]

"""pytest fixtures for the stand-in Parallax server.

Register once in tests/conftest.py with `pytest_plugins = ["tests.support.fixtures"]`,
or import into a test module: `from tests.support.fixtures import fake_parallax  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.fake_parallax import FakeParallax


@pytest.fixture
def fake_parallax() -> Iterator[FakeParallax]:
    """A running fake with default knobs (profile e2, model available, 8 slots)."""
    with FakeParallax() as fake:
        yield fake


@pytest.fixture
def fake_parallax_factory() -> Iterator[Callable[..., FakeParallax]]:
    """Start fakes with custom knobs, e.g. `fake_parallax_factory(profile="legacy")`; all stop at teardown."""
    started: list[FakeParallax] = []

    def start(**knobs: Any) -> FakeParallax:
        fake = FakeParallax(**knobs).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()

"""The endpoint URL check agrees with the HTTP client: what it accepts, the client can request.

A URL that `urlsplit` accepts but httpx2 refuses (`http://256.256.256.256/v1`, 100,000
characters) used to be saved, and then every `privfin categorize` ended in a traceback.
"""

from __future__ import annotations

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.settings import Settings, SettingsError, endpoint_url_problem, save_settings

REFUSED_BY_THE_CLIENT = [
    "http://256.256.256.256/v1",
    "http://999.1.1.1:3001/v1",
    "http://[::zz]:3001/v1",
    "http://" + "a" * 100_000 + "/v1",
]


@pytest.mark.parametrize("url", REFUSED_BY_THE_CLIENT, ids=lambda u: u[:32])
def test_a_url_the_client_would_refuse_is_refused_when_typed(url: str) -> None:
    with pytest.raises(httpx2.InvalidURL):
        httpx2.URL(url)
    assert endpoint_url_problem(url) is not None


@pytest.mark.parametrize("url", REFUSED_BY_THE_CLIENT[:2], ids=lambda u: u[:32])
def test_such_a_url_is_not_saved(settings: Settings, url: str) -> None:
    with pytest.raises((SettingsError, ValueError)):
        save_settings(settings, {"endpoint_url": url})
    assert not settings.settings_path.exists() or url not in settings.settings_path.read_text()


_LABEL = st.text(alphabet="abcxyz019-_", min_size=1, max_size=8)
_HOSTS = st.one_of(
    st.lists(st.integers(0, 999), min_size=1, max_size=5).map(lambda ns: ".".join(map(str, ns))),
    st.lists(_LABEL, min_size=1, max_size=4).map(".".join),
    st.text(alphabet="0123456789abcdef:", min_size=2, max_size=20).map(lambda h: f"[{h}]"),
    st.sampled_from(["bücher.de", "localhost", "xn--bcher-kva.de", "例え.jp", "a..b"]),
)


@settings(max_examples=300, deadline=None)
@given(host=_HOSTS, port=st.one_of(st.none(), st.integers(0, 70_000)), path=st.sampled_from(["", "/v1"]))
def test_every_accepted_url_is_one_the_client_can_request(host: str, port: int | None, path: str) -> None:
    url = f"http://{host}{'' if port is None else f':{port}'}{path}"
    if endpoint_url_problem(url) is None:
        httpx2.URL(url)  # raises InvalidURL if the two disagree

"""Settings page: saving round-trips and masks the key, Test connection, categories, privacy, delete."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app.categorize.taxonomy import load_taxonomy
from app.settings import load_settings
from app.store import Store
from components import state
from tests.apptest.conftest import ENTRYPOINT, TIMEOUT_S, texts
from tests.support.fixtures import fake_parallax  # noqa: F401

SECRET = "sk-test-1234567890-abcd"


def _all_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "text", "success", "error", "warning", "info", "code", "json"):
        parts.extend(texts(getattr(at, kind)))
    parts.extend(str(w.value) for w in at.text_input)
    return "\n".join(parts)


@pytest.fixture
def configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    """No environment overrides: the form's values are the ones that count."""
    monkeypatch.delenv("PRIVFIN_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("PRIVFIN_OFFLINE", raising=False)


def test_saving_round_trips_and_the_key_is_masked(configurable, open_page) -> None:
    at = open_page("settings")
    at.text_input(key=state.SETTINGS_ENDPOINT).set_value("http://192.168.1.50:3001/v1")
    at.text_input(key=state.SETTINGS_MODEL).set_value("Qwen/Qwen3-8B")
    at.text_input(key=state.SETTINGS_API_KEY).set_value(SECRET)
    at.number_input(key=state.SETTINGS_BATCH).set_value(25)
    at.number_input(key=state.SETTINGS_CONCURRENCY).set_value(3)
    at.toggle(key=state.SETTINGS_OFFLINE).set_value(False)
    at.button(key=state.SETTINGS_SAVE_BUTTON).click().run()
    assert not at.exception, [e.value for e in at.exception]

    saved = load_settings()
    assert saved.endpoint_url == "http://192.168.1.50:3001/v1"
    assert saved.model == "Qwen/Qwen3-8B"
    assert saved.api_key is not None and saved.api_key.get_secret_value() == SECRET
    assert (saved.batch_max_items, saved.max_concurrency, saved.offline) == (25, 3, False)
    assert any("Settings saved" in t for t in texts(at.success))

    key_input = at.text_input(key=state.SETTINGS_API_KEY)
    assert key_input.value == ""  # the key never stays in the form
    assert key_input.proto.type == key_input.proto.PASSWORD
    assert "••••abcd" in key_input.proto.placeholder
    assert SECRET not in _all_text(at)
    assert at.text_input(key=state.SETTINGS_ENDPOINT).value == "http://192.168.1.50:3001/v1"

    # an empty key field keeps the saved key; the checkbox forgets it
    at.button(key=state.SETTINGS_SAVE_BUTTON).click().run()
    assert load_settings().api_key.get_secret_value() == SECRET
    at.checkbox(key=state.SETTINGS_FORGET_KEY).check()
    at.button(key=state.SETTINGS_SAVE_BUTTON).click().run()
    assert load_settings().api_key is None


def test_an_invalid_value_is_refused_with_a_reason(configurable, open_page) -> None:
    at = open_page("settings")
    at.text_input(key=state.SETTINGS_ENDPOINT).set_value("http://127.0.0.1:3001/v1")
    at.number_input(key=state.SETTINGS_CONCURRENCY).set_value(0)
    at.button(key=state.SETTINGS_SAVE_BUTTON).click().run()
    assert load_settings().endpoint_url == "http://127.0.0.1:3001/v1"
    assert load_settings().max_concurrency is None  # 0 means "as many as the cluster reports"


def test_environment_overrides_are_shown_and_not_editable(open_page) -> None:
    at = open_page("settings")  # the test environment sets PRIVFIN_ENDPOINT_URL and PRIVFIN_OFFLINE
    assert at.text_input(key=state.SETTINGS_ENDPOINT).disabled
    assert at.toggle(key=state.SETTINGS_OFFLINE).disabled
    assert any("PRIVFIN\\_ENDPOINT\\_URL" in t or "PRIVFIN_ENDPOINT_URL" in t for t in texts(at.caption))


def test_test_connection_in_offline_mode_says_nothing_is_sent(open_page) -> None:
    at = open_page("settings")
    at.button(key=state.SETTINGS_TEST_BUTTON).click().run()
    assert any("Offline mode is on" in t for t in texts(at.info))


@pytest.fixture
def closed_port_endpoint(configurable, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVFIN_ENDPOINT_URL", "http://127.0.0.1:9/v1")


@pytest.fixture
def parallax_endpoint(configurable, monkeypatch: pytest.MonkeyPatch, fake_parallax) -> object:  # noqa: F811
    monkeypatch.setenv("PRIVFIN_ENDPOINT_URL", fake_parallax.base_url)
    return fake_parallax


def test_test_connection_explains_an_unreachable_endpoint(closed_port_endpoint, open_page) -> None:
    at = open_page("settings")
    at.button(key=state.SETTINGS_TEST_BUTTON).click().run()
    errors = texts(at.error)
    assert any("Could not reach `http://127.0.0.1:9/v1`" in t for t in errors), errors
    assert at.session_state[state.SETTINGS_PROBE]["reason"]


def test_test_connection_shows_what_a_parallax_cluster_reports(parallax_endpoint, open_page) -> None:
    at = open_page("settings")
    at.button(key=state.SETTINGS_TEST_BUTTON).click().run()
    assert not at.exception

    assert any("Parallax cluster" in t and "is ready" in t for t in texts(at.success)), _all_text(at)[-2000:]
    probe = at.session_state[state.SETTINGS_PROBE]
    shown = " ".join(texts(at.text))
    assert probe["model"] and probe["model"] in shown
    assert probe["status"] in shown
    nodes = next(d.value for d in at.dataframe if "GPU" in getattr(d.value, "columns", []))
    assert list(nodes["GPU"]) == [n["gpu_name"] for n in probe["nodes"]]
    assert list(nodes["memory (GB)"]) == [n["gpu_memory_gb"] for n in probe["nodes"]]


def test_categories_can_be_added_renamed_and_removed(open_page, seed, categorized, store: Store) -> None:
    seed("chase_credit_card.csv")
    categorized()
    at = open_page("settings")

    at.text_input(key=state.TAXONOMY_NEW_NAME).set_value("Hobbies")
    at.text_input(key=state.TAXONOMY_NEW_DESCRIPTION).set_value("Craft supplies, instruments")
    at.button(key=state.TAXONOMY_ADD_BUTTON).click().run()
    assert "Hobbies" in load_taxonomy(store).names

    counts = store.category_counts()
    moved_from = max((n for n in load_taxonomy(store).names if counts.get(n)), key=lambda n: counts[n])
    at.selectbox(key=state.TAXONOMY_RENAME_FROM).set_value(moved_from)
    at.text_input(key=state.TAXONOMY_RENAME_TO).set_value(f"{moved_from} (renamed)")
    at.button(key=state.TAXONOMY_RENAME_BUTTON).click().run()
    assert store.category_counts().get(f"{moved_from} (renamed)") == counts[moved_from]
    assert any(f"{counts[moved_from]:,} transaction" in t for t in texts(at.success))

    at.selectbox(key=state.TAXONOMY_REMOVE_NAME).set_value(f"{moved_from} (renamed)").run()
    assert any(f"{counts[moved_from]:,} transaction" in t and "Uncategorized" in t for t in texts(at.caption))
    at.button(key=state.TAXONOMY_REMOVE_BUTTON).click().run()
    assert f"{moved_from} (renamed)" in load_taxonomy(store).names  # not without confirmation
    at.checkbox(key=state.TAXONOMY_REMOVE_CONFIRM).check()
    at.button(key=state.TAXONOMY_REMOVE_BUTTON).click().run()
    assert f"{moved_from} (renamed)" not in load_taxonomy(store).names
    assert store.category_counts().get(f"{moved_from} (renamed)") is None


def test_privacy_panel_previews_redaction_on_the_users_data_and_lists_sent_requests(
    open_page, seed, store: Store
) -> None:
    seed("chase_credit_card.csv")
    at = open_page("settings")
    preview = next(
        d.value for d in at.dataframe if "what the model would see" in getattr(d.value, "columns", [])
    )
    assert len(preview) > 0
    descriptions = set(store.transactions_frame()["description"])
    assert set(preview["on your statement"]) <= descriptions
    for sent in preview["what the model would see"]:
        assert set(json.loads(sent)) == {"id", "text", "direction"}  # no amount unless the user allows it
    assert any("No request has ever been sent" in t for t in texts(at.caption))

    store.audit(
        "http://127.0.0.1:3001/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}, "ok", 1
    )
    at.run()
    log = next(d.value for d in at.dataframe if "endpoint" in getattr(d.value, "columns", []))
    assert list(log["endpoint"]) == ["http://127.0.0.1:3001/v1/chat/completions"]
    assert at.json, "the exact request body is shown"


def test_delete_all_my_data_needs_confirmation(open_page, seed, store: Store) -> None:
    seed("chase_credit_card.csv")
    at = open_page("settings")
    at.button(key=state.DELETE_BUTTON).click().run()
    assert store.count_transactions() == 142
    assert any("Type DELETE" in t for t in texts(at.error))

    at.text_input(key=state.DELETE_CONFIRM_TEXT).set_value("DELETE")
    at.button(key=state.DELETE_BUTTON).click().run()
    assert not at.exception
    assert store.count_transactions() == 0
    assert store.imports() == []
    assert any("All your data is deleted" in t for t in texts(at.success))


def test_remembered_answers_are_forgotten_for_one_model_or_all(open_page, store: Store) -> None:
    store.cache_put(
        [
            ("k1", "ACME", "out", "t", "Qwen/Qwen3-0.6B", "p1", "Groceries", 0.9),
            ("k2", "ZORB", "out", "t", "Qwen/Qwen3-0.6B", "p1", None, 0.0),
            ("k3", "ACME", "out", "t", "llama-3", "p1", "Dining", 0.8),
        ]
    )
    at = open_page("settings")
    assert "Qwen/Qwen3-0.6B: 2 answers\nllama-3: 1 answer" in _all_text(at)

    at.selectbox(key=state.CACHE_CLEAR_MODEL).set_value("llama-3").run()
    at.button(key=state.CACHE_CLEAR_BUTTON).click().run()
    assert not at.exception
    assert store.cache_models() == {"Qwen/Qwen3-0.6B": 2}
    assert any("Forgot 1 remembered answer of model" in t for t in texts(at.success))

    at.selectbox(key=state.CACHE_CLEAR_MODEL).set_value("Every model").run()
    at.button(key=state.CACHE_CLEAR_BUTTON).click().run()
    assert store.cache_size() == 0
    assert any("Forgot 2 remembered answers of every model" in t for t in texts(at.success))
    assert "No answers are remembered yet." in _all_text(at)


def test_privacy_panel_says_names_are_kept_out(open_page) -> None:
    at = open_page("settings")
    shown = _all_text(at)
    assert "A correction that names a person is never sent" in shown
    assert "the other person in a transfer" in shown


@pytest.mark.parametrize("url", ["http://h:99999/v1", "http://h:abc/v1", "http://[::1/v1", "h:3001/v1"])
def test_an_invalid_endpoint_url_is_refused_with_a_clear_message(configurable, open_page, url: str) -> None:
    at = open_page("settings")
    at.text_input(key=state.SETTINGS_ENDPOINT).set_value(url)
    at.button(key=state.SETTINGS_SAVE_BUTTON).click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(texts(at.error))
    assert "Not saved" in errors and "endpoint" in errors
    assert not load_settings().settings_path.exists()


def test_a_bad_saved_endpoint_is_shown_and_the_default_used(
    configurable, isolated_data_dir, open_page
) -> None:
    (isolated_data_dir / "settings.json").write_text(json.dumps({"endpoint_url": "http://h:99999/v1"}))
    at = open_page("settings")
    assert any("could not be used" in t and "endpoint" in t for t in texts(at.warning))
    assert at.text_input(key=state.SETTINGS_ENDPOINT).value == "http://127.0.0.1:3001/v1"
    at.button(key=state.SETTINGS_SAVE_BUTTON).click().run()  # saving the form replaces the bad value
    assert json.loads(load_settings().settings_path.read_text())["endpoint_url"] == "http://127.0.0.1:3001/v1"
    assert not any("could not be used" in t for t in texts(at.warning))


def test_a_data_dir_that_is_a_file_is_a_clear_message(tmp_path, monkeypatch) -> None:
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.setenv("PRIVFIN_DATA_DIR", str(tmp_path / "afile"))
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("is a file, not a folder" in t for t in texts(at.error))


def test_test_connection_tests_what_was_just_typed_and_saves_nothing(
    configurable,
    open_page,
    fake_parallax,  # noqa: F811
) -> None:
    at = open_page("settings")
    saved_url = load_settings().endpoint_url
    at.toggle(key=state.SETTINGS_OFFLINE).set_value(False)
    at.text_input(key=state.SETTINGS_ENDPOINT).set_value(fake_parallax.base_url)
    at.button(key=state.SETTINGS_TEST_BUTTON).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[state.SETTINGS_PROBE]["url"].rstrip("/") == fake_parallax.base_url.rstrip("/")
    assert any("is ready" in t for t in texts(at.success)), _all_text(at)[-2000:]
    assert load_settings().endpoint_url == saved_url  # tested, not saved


def test_test_connection_refuses_a_typed_url_it_cannot_use(configurable, open_page) -> None:
    at = open_page("settings")
    at.text_input(key=state.SETTINGS_ENDPOINT).set_value("ftp://example.org/v1")
    at.button(key=state.SETTINGS_TEST_BUTTON).click().run()
    assert at.session_state[state.SETTINGS_PROBE] is None
    assert any("Not tested" in t for t in texts(at.error))


@pytest.mark.parametrize("typed", ["0", "-1.5", "abc"])
def test_an_exchange_rate_of_zero_negative_or_not_a_number_is_refused(open_page, typed: str) -> None:
    at = open_page("settings")
    at.text_input(key=state.SETTINGS_RATE_VALUE).set_value(typed)
    at.button(key=state.SETTINGS_RATE_SAVE).click().run()
    assert not at.exception
    assert any("Not saved" in t for t in texts(at.error)), texts(at.error)
    assert load_settings().exchange_rates == []


def test_an_exchange_rate_is_saved_and_can_be_removed(open_page) -> None:
    at = open_page("settings")
    code = at.selectbox(key=state.SETTINGS_RATE_CURRENCY).value
    at.text_input(key=state.SETTINGS_RATE_VALUE).set_value("1,0832")
    at.button(key=state.SETTINGS_RATE_SAVE).click().run()
    assert load_settings().exchange_rates == [f"{code}=1.0832"]
    assert any(f"1 {code} = 1\\.0832 USD" in t for t in texts(at.markdown)), texts(at.markdown)
    at.button(key=f"{state.SETTINGS_RATE_REMOVE}_{code}").click().run()
    assert load_settings().exchange_rates == []

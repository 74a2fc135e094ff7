"""Settings → Model endpoint: where categorization requests go, and a connection test."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import streamlit as st

from app.categorize.endpoint_probe import probe_endpoint
from app.settings import Settings, SettingsError, save_settings, settings_with
from components import resources, state
from components.formatting import code, md

PARALLAX_HELP = """\
**Connect a Parallax cluster.** On the machine that will be the scheduler, run

```bash
parallax run --host 0.0.0.0 -u
```

(`-u` turns off Parallax's update telemetry; `--host 0.0.0.0` lets this machine reach it), pick a
model in its web UI, and start the nodes with `parallax join`. Then set the endpoint URL here to
`http://<scheduler>:3001/v1` (no API key needed) and press **Test connection**.

Any OpenAI-compatible server works too: vLLM (`http://<host>:8000/v1`), llama.cpp
(`http://<host>:8080/v1`) or Ollama (`http://<host>:11434/v1`, and name the model).
"""

# Settings fields the form edits, and the environment variable that would override each.
FORM_FIELDS = {
    "endpoint_url": "PRIVFIN_ENDPOINT_URL",
    "model": "PRIVFIN_MODEL",
    "api_key": "PRIVFIN_API_KEY",
    "batch_max_items": "PRIVFIN_BATCH_MAX_ITEMS",
    "max_concurrency": "PRIVFIN_MAX_CONCURRENCY",
    "offline": "PRIVFIN_OFFLINE",
    "send_amounts": "PRIVFIN_SEND_AMOUNTS",
}


def overridden_by_environment() -> dict[str, str]:
    """Form fields whose value comes from an environment variable (which beats settings.json)."""
    present = {key.upper() for key in os.environ}
    return {name: env for name, env in FORM_FIELDS.items() if env in present}


def masked_key(settings: Settings) -> str | None:
    """How a saved key is shown: never in full, only its last four characters."""
    if settings.api_key is None:
        return None
    secret = settings.api_key.get_secret_value()
    if not secret:
        return None
    return f"••••{secret[-4:]}" if len(secret) >= 8 else "••••"


def _updates_from_form() -> dict[str, Any]:
    session = st.session_state
    updates: dict[str, Any] = {
        "endpoint_url": str(session[state.SETTINGS_ENDPOINT]).strip(),
        "model": str(session[state.SETTINGS_MODEL]).strip() or None,
        "batch_max_items": int(session[state.SETTINGS_BATCH]),
        "max_concurrency": int(session[state.SETTINGS_CONCURRENCY]) or None,
        "offline": bool(session[state.SETTINGS_OFFLINE]),
        "send_amounts": bool(session[state.SETTINGS_SEND_AMOUNTS]),
    }
    new_key = str(session.get(state.SETTINGS_API_KEY) or "").strip()
    if new_key:
        updates["api_key"] = new_key
    if session.get(state.SETTINGS_FORGET_KEY):
        updates["api_key"] = None
    # A value from the environment is not the form's to save (and would win anyway).
    for name in overridden_by_environment():
        updates.pop(name, None)
    return updates


def _on_save() -> None:
    current = resources.settings()
    try:
        save_settings(current, _updates_from_form())
    except SettingsError as error:
        st.session_state[state.SETTINGS_MESSAGE] = ("error", f"Not saved: {md(error)}")
        return
    resources.forget_settings()
    st.session_state[state.SETTINGS_API_KEY] = ""  # the key never stays in the form
    st.session_state[state.SETTINGS_FORGET_KEY] = False
    st.session_state[state.SETTINGS_PROBE] = None
    st.session_state[state.SETTINGS_MESSAGE] = ("success", "Settings saved.")


def _on_test() -> None:
    """Probe what the form holds now, saved or not: testing before saving is the point."""
    try:
        typed = settings_with(resources.settings(), _updates_from_form())
    except SettingsError as error:
        st.session_state[state.SETTINGS_PROBE] = None
        st.session_state[state.SETTINGS_MESSAGE] = ("error", f"Not tested: {md(error)}")
        return
    st.session_state[state.SETTINGS_MESSAGE] = None
    status = probe_endpoint(typed)
    st.session_state[state.SETTINGS_PROBE] = dataclasses.asdict(status)


def render_form(settings: Settings) -> None:
    overridden = overridden_by_environment()
    with st.form("settings_form", border=True):
        _endpoint_fields(settings, overridden)
        _tuning_fields(settings, overridden)
        _form_buttons()
    if overridden:
        names = ", ".join(f"`{env}`" for env in overridden.values())
        st.caption(f"Set by environment variables (they win over this form): {names}.")
    message = st.session_state.get(state.SETTINGS_MESSAGE)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)


def _endpoint_fields(settings: Settings, overridden: dict[str, str]) -> None:
    """Where the endpoint is, which model, and the API key (never shown back in full)."""
    st.text_input(
        "Endpoint URL",
        value=settings.endpoint_url,
        key=state.SETTINGS_ENDPOINT,
        disabled="endpoint_url" in overridden,
        help="The OpenAI-compatible base URL, ending in /v1. For Parallax: http://<scheduler>:3001/v1",
    )
    st.text_input(
        "Model",
        value=settings.model or "",
        key=state.SETTINGS_MODEL,
        placeholder="leave empty for Parallax (it serves one model)",
        disabled="model" in overridden,
        help="Needed by vLLM, llama.cpp or Ollama; Parallax ignores it.",
    )
    saved = masked_key(settings)
    st.text_input(
        "API key",
        type="password",
        key=state.SETTINGS_API_KEY,
        placeholder=f"saved key {saved}: type a new one to replace it"
        if saved
        else "none (Parallax needs none)",
        disabled="api_key" in overridden,
        help="Stored in settings.json in your data folder (readable only by you). Never shown again in full.",
    )
    if saved:
        st.checkbox("Forget the saved API key", key=state.SETTINGS_FORGET_KEY)


def _tuning_fields(settings: Settings, overridden: dict[str, str]) -> None:
    """How hard to push the endpoint, whether to contact it at all, and what each request carries."""
    left, right = st.columns(2)
    left.number_input(
        "Transactions per request (batch size)",
        min_value=1,
        max_value=500,
        value=settings.batch_max_items,
        key=state.SETTINGS_BATCH,
        disabled="batch_max_items" in overridden,
        help="More per request is faster; small models with a 2,048-token context need smaller batches "
        "(the token budget splits batches anyway).",
    )
    right.number_input(
        "Requests in parallel (0 = as many as the cluster reports)",
        min_value=0,
        max_value=64,
        value=settings.max_concurrency or 0,
        key=state.SETTINGS_CONCURRENCY,
        disabled="max_concurrency" in overridden,
    )
    st.toggle(
        "Offline: never contact the endpoint (built-in rules only)",
        value=settings.offline,
        key=state.SETTINGS_OFFLINE,
        disabled="offline" in overridden,
    )
    st.toggle(
        "Send a typical amount with each merchant (helps tell a café from a restaurant)",
        value=settings.send_amounts,
        key=state.SETTINGS_SEND_AMOUNTS,
        disabled="send_amounts" in overridden,
    )


def _form_buttons() -> None:
    save, test = st.columns([1, 1])
    save.form_submit_button(
        "Save settings", type="primary", key=state.SETTINGS_SAVE_BUTTON, on_click=_on_save
    )
    # Inside the form, so it sees what was just typed (a form's values reach the script only
    # through one of its submit buttons).
    test.form_submit_button(
        "Test connection",
        key=state.SETTINGS_TEST_BUTTON,
        on_click=_on_test,
        help="Checks what the form holds now, saved or not: is the server there, what is it, "
        "is the model ready. Nothing is saved.",
    )


def render_probe(result: dict[str, Any]) -> None:
    if result.get("offline"):
        st.info(
            "Offline mode is on: no request is sent, so there is nothing to test. Turn it off above to connect."
        )
        return
    if result.get("ready"):
        what = "Parallax cluster" if result.get("kind") == "parallax" else "OpenAI-compatible server"
        st.success(f"Connected: {what} at {code(result['url'])} is ready.")
    elif result.get("reachable"):
        st.warning(
            f"Reached {code(result['url'])}, but it is not ready: {md(result.get('reason') or 'unknown reason')}"
        )
    else:
        st.error(f"Could not reach {code(result['url'])}: {md(result.get('reason') or 'no answer')}")
    facts = {
        "Server": {"parallax": "Parallax", "openai-compatible": "OpenAI-compatible"}.get(
            str(result.get("kind")), "–"
        ),
        "API era": {"e2": "current (vllm-rs nodes)", "legacy": "legacy (before May 2026)"}.get(
            str(result.get("era")), "–"
        ),
        "Model": result.get("model") or "–",
        "Cluster status": result.get("status") or "–",
        "Capacity": f"{result['capacity']} concurrent requests" if result.get("capacity") else "–",
    }
    columns = st.columns(len(facts))
    for column, (label, value) in zip(columns, facts.items(), strict=True):
        column.markdown(f"**{label}**")
        column.text(str(value))
    nodes = result.get("nodes") or ()
    if nodes:
        st.markdown("**Nodes**")
        st.dataframe(
            [
                {
                    "node": node.get("node_id"),
                    "status": node.get("status"),
                    "GPU": node.get("gpu_name") or "–",
                    "GPUs": node.get("gpu_num"),
                    "memory (GB)": node.get("gpu_memory_gb"),
                }
                for node in nodes
            ],
            hide_index=True,
        )
    if result.get("need_more_nodes"):
        st.info("The scheduler says the model needs more nodes: start another `parallax join`.")


def render_endpoint_panel() -> None:
    settings = resources.settings()
    st.subheader("Model endpoint")
    st.caption(
        "Transactions are categorized by your built-in rules first, then by the model at this address. "
        "Nothing is sent anywhere else."
    )
    for problem in settings.saved_file_problems():
        st.warning(f"A saved setting could not be used: {md(problem)}. Save the form to replace it.")
    render_form(settings)
    result = st.session_state.get(state.SETTINGS_PROBE)
    if result:
        render_probe(result)
    with st.expander("How to connect a Parallax cluster (or another server)", expanded=settings.offline):
        st.markdown(PARALLAX_HELP)

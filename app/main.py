"""Streamlit entry point: page setup and navigation only (the pages live in components/)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="privfin", page_icon="💸", layout="wide")
st.title("privfin")
st.write("Your statements, categorized by a model you host. Nothing leaves this machine.")

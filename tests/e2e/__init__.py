"""Real-browser journeys: `streamlit run` on loopback, driven by Debian's Chromium via Playwright."""

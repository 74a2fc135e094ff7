"""Text cells a spreadsheet would run as formulas: protected on export, restored on import.

Kept apart from `app.reports` so reading an edited export back (`privfin import-categories`)
does not load the report machinery (plotly, jinja2).
"""

from __future__ import annotations

# OWASP "CSV injection": a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(text: str) -> str:
    """Prefix a cell a spreadsheet would evaluate with `'`, so it shows as the literal text."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def restore_formula_text(text: str) -> str:
    """The text `neutralize_formula` protected, read back from an exported cell."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text

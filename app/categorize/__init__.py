"""Categorization: taxonomy, merchant keys, built-in rules, redaction, and the LLM cascade.

The deterministic core (`taxonomy`, `merchant`, `builtin_rules`, `redact`) works offline;
the LLM modules build on it for the long tail.
"""

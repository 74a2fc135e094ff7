"""Benchmarks: run each as `.venv/bin/python -m benchmarks.<name>`; they measure, they do not assert."""

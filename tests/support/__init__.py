"""Test helpers shared across suites (the fake Parallax server and its fixtures)."""

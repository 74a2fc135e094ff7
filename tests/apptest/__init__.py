"""AppTest tests: every dashboard page run in-process against a real store in a temp data dir."""

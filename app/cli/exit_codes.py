"""The exit codes every `privfin` command shares (scripts rely on them)."""

EXIT_OK = 0
EXIT_FAILURE = 1  # it could not run, or some input was refused
EXIT_USAGE = 2  # the command line or the settings ask for something impossible
EXIT_INCOMPLETE = 3  # `categorize`: rows left for the next run (a model step failed or a run limit hit)
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT

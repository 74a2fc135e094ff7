"""`privfin recurring [--json]`: recurring series on stdout (one line or JSON object each), the
monthly and annual totals per currency on stderr."""

from __future__ import annotations

import argparse

from app.cli.exit_codes import EXIT_OK
from app.cli.output import json_line, say
from app.money import grouped
from app.recurring import RecurringSeries, series_record
from app.recurring_ledger import recurring_report
from app.settings import load_settings
from app.store import Store


def series_line(series: RecurringSeries) -> str:
    state = "active" if series.active else "ended"
    rises = "".join(
        f"; price {grouped(c.old, series.currency)} -> {grouped(c.new, series.currency)} on {c.date}"
        for c in series.price_changes
    )
    return (
        f"{series.name} ({series.direction}, {series.cadence}, {state}): "
        f"{grouped(series.amount, series.currency)} {series.currency}, "
        f"{grouped(series.annual_cost, series.currency)} a year, "
        f"{series.count} since {series.first_date}, next {series.next_date}{rises}"
    )


def run_recurring_command(args: argparse.Namespace) -> int:
    report = recurring_report(Store(load_settings().db_path))
    for series in report.series:
        print(json_line(series_record(series)) if args.json else series_line(series))
    for total in report.totals:
        say(
            "recurring",
            f"{total.series} active in {total.currency}: "
            f"{grouped(total.monthly, total.currency)} a month, {grouped(total.annual, total.currency)} a year",
        )
    if not report.series:
        say("recurring", "no recurring payments found")
    return EXIT_OK

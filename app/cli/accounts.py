"""`privfin accounts`, `privfin accounts rename OLD NEW`, `privfin accounts merge SOURCE... --into
TARGET`: a thin shell over `app.accounts` (names on stdout, outcomes on stderr)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from app.accounts import AccountNameError, merge_accounts, rename_account
from app.cli.exit_codes import EXIT_FAILURE, EXIT_OK
from app.cli.files import open_store


def run_accounts(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`privfin accounts` lists them; `rename OLD NEW`; `merge SOURCE... --into TARGET`."""
    out, err = out or sys.stdout, err or sys.stderr
    store = open_store()
    try:
        if args.accounts_command == "rename":
            moved = rename_account(store, args.old, args.new)
            print(f"privfin accounts: {moved:,} rows renamed; later imports follow the new name", file=err)
        elif args.accounts_command == "merge":
            moved = merge_accounts(store, args.sources, args.into)
            print(f"privfin accounts: {moved:,} rows merged into {args.into}", file=err)
        else:
            for name in store.accounts():
                print(name, file=out)
    except AccountNameError as problem:
        print(f"privfin accounts: {problem}", file=err)
        return EXIT_FAILURE
    return EXIT_OK

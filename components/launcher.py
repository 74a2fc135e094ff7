"""`privfin serve` runs the dashboard through here: Streamlit, with its IP look-ups pinned to loopback.

Streamlit checks a cross-origin WebSocket or CORS request against the machine's internal and
external IP addresses, and learns the external one by asking http(s)://checkip.amazonaws.com,
again on every such request while it has no answer. Any web page the user visits can open a
WebSocket to 127.0.0.1, so without this any page could make the dashboard call out. With both
addresses pinned to 127.0.0.1 before the server starts, a foreign origin is refused exactly as
before (only localhost and 127.0.0.1 are allowed), and nothing leaves the machine.
"""

from __future__ import annotations

import sys

from streamlit import net_util
from streamlit.web import cli as streamlit_cli

LOOPBACK = "127.0.0.1"


def pin_addresses_to_loopback() -> None:
    # Streamlit caches both in these module globals and looks up only while they are None.
    net_util._internal_ip = LOOPBACK
    net_util._external_ip = LOOPBACK


def main() -> None:
    pin_addresses_to_loopback()
    sys.exit(streamlit_cli.main(prog_name="streamlit"))


if __name__ == "__main__":
    main()

"""Heavy libraries loaded on the first use of one of their names, not when our module loads.

`privfin --help`, `privfin import` and `privfin categorize --offline` must start in a
fraction of a second; the openai SDK and httpx alone cost ~0.4 s to import, and an offline
run never contacts an endpoint. A module that needs such a library only on some paths binds
its name to a `LazyModule` at run time and to the real module for the type checker:

    if TYPE_CHECKING:
        import openai
    else:
        openai = LazyModule("openai")

so the code using it reads as if the library were imported at the top (`openai.OpenAI(...)`,
`except openai.APIStatusError`), and the import happens at the first such attribute access.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module `name`; importing it when one of its attributes is first read."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        # import_module, not a sys.modules look-up: it waits for a module another thread is
        # still initializing instead of handing out a half-built one.
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazily imported module {self._name!r}>"

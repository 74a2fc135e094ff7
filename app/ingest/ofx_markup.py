"""A tolerant reader of OFX markup (the body after the header) into an ElementTree.

One reader for every syntax banks send: OFX 1.x SGML, where an element holding text has no
end tag and only aggregates are closed; OFX 2.x XML; QFX (OFX with Intuit's `INTU.` tags);
all of it on one line or in lower case. The rules:

- `<TAG>text` is an element holding that text; it ends there, and an end tag right after it
  (`<TAG>text</TAG>`, XML) is its own.
- `<TAG>` with no text opens an aggregate, ended by its end tag. An element left empty (an
  SGML `<NAME>` with no value) is an aggregate too and holds what follows until its
  parent's end tag.
- An end tag closes the element it names and every element left open inside it (SGML's
  rule). One that names no open element (Amex and Ally close data elements SGML had closed
  already) closes nothing; it is counted so that the file card can say so.
- A start tag naming an element that is open closes that one first: no OFX aggregate holds
  its own kind, so an unclosed `<STMTTRN>` does not swallow the next one.
- Entity escapes (`&amp;` `&lt;` `&gt;` `&nbsp;` `&#233;` `&#xE9;`) are undone; a `&` that
  starts no escape (`AT&T`) is the bank's text. CDATA is taken as it is. Comments,
  processing instructions and declarations are skipped; unknown tags are kept like any
  other and the statement reader ignores them.
- Text after an end tag (`</STMTTRN>oops`) belongs to no element: the markup is broken.
- A body that ends with an aggregate still open (no `</OFX>`, a `<STMTTRN>` cut off before
  its end tag) is a cut-off download: the markup is broken, at the innermost open aggregate.
  Leaf elements are not judged, SGML leaves them unclosed by design.

Why not a library: this replaces ofxtools, of which privfin used only the markup parser
(GPL-3.0, ~0.4 s to import, and two thirds of an OFX import's time). The reader is one
regular-expression pass over the text and a loop without recursion: linear in the file,
and nesting deeper than `MAX_DEPTH` (no real statement comes close) is an error, not a
crash.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from html.entities import html5

MAX_DEPTH = 256  # real statements nest about 10 deep; this bounds hostile input

# One token: a tag (start, end or empty `<TAG/>`), or markup to skip (`<?...?>`, `<!...>`),
# each with the text after it up to the next tag. A `<` that starts no tag (`A <3 B`) is text.
_TOKEN = re.compile(
    r"<(?:(?P<end>/)?(?P<name>[A-Za-z][A-Za-z0-9._:-]*)[^<>]*?(?P<empty>/)?|[?!][^<>]*)>"
    r"(?P<text>[^<]*(?:<(?![A-Za-z/?!])[^<]*)*)"
)
_TAG_NAME = re.compile(r"(?<=<)/?[A-Za-z][A-Za-z0-9._:-]*")
_MIXED_CASE_TAG = re.compile(r"</?[A-Z0-9._:-]*[a-z]")
_ESCAPE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));")
_CDATA_START, _CDATA_END = "<![CDATA[", "]]>"


class MarkupError(ValueError):
    """Markup that cannot be read, with the offset in the body where it goes wrong."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


@dataclass
class Markup:
    """The tree, and the end tags that closed nothing (tag -> how many)."""

    root: ET.Element
    stray_end_tags: Counter[str] = field(default_factory=Counter)


def _entity(found: re.Match[str]) -> str:
    decimal, hexadecimal, name = found.groups()
    if name is not None:
        return html5.get(name + ";", found.group(0))
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else found.group(0)


def unescape(text: str) -> str:
    """The text with its markup escapes undone; a `&` that starts none is left as written."""
    return _ESCAPE.sub(_entity, text) if "&" in text else text


def _cdata_as_text(body: str) -> str:
    """Each CDATA section as escaped text, so that the one token pass reads it whole."""
    parts: list[str] = []
    position = 0
    while (start := body.find(_CDATA_START, position)) >= 0:
        end = body.find(_CDATA_END, start)
        if end < 0:
            raise MarkupError("a CDATA section never ends", start)
        content = body[start + len(_CDATA_START) : end]
        escaped = content.replace("&", "&amp;").replace("<", "&lt;")
        parts += [body[position:start], escaped.strip() or "&#32;"]  # an empty CDATA is still a value
        position = end + len(_CDATA_END)
    return "".join(parts) + body[position:]


def parse_markup(body: str) -> Markup:
    """The OFX body (from `<OFX>`) as a tree, following the rules in this module's docstring."""
    if _CDATA_START in body:
        body = _cdata_as_text(body)
    if _MIXED_CASE_TAG.search(body):  # OFX tags are upper case; some exporters write <stmttrn>
        body = _TAG_NAME.sub(lambda found: found.group(0).upper(), body)  # same length: offsets hold
    top = ET.Element("")  # holds the root
    stack = [top]
    opened_at = [0]  # where each element on the stack starts, for a cut-off file's line
    root_ended = False
    open_names: dict[str, int] = {}
    stray: Counter[str] = Counter()
    just_ended: str | None = None  # an element ended by its text: its own end tag may follow
    for token in _TOKEN.finditer(body):
        end, name, empty, text = token.groups()
        if name is None:  # a comment, processing instruction or declaration
            continue
        value = text.strip()
        if end:
            if value:
                raise MarkupError(f"Tail text {value[:40]!r} after </{name}>", token.start())
            if name == just_ended:
                just_ended = None
            elif open_names.get(name):
                _close(stack, open_names, name)
                del opened_at[len(stack) :]
                if len(stack) == 1:  # the root has ended: what follows (a second download) goes in it
                    stack[0] = top[0]
                    root_ended = True
            else:
                stray[name] += 1
            continue
        if open_names.get(name):  # no OFX aggregate holds its own kind
            _close(stack, open_names, name)
            del opened_at[len(stack) :]
            if len(stack) == 1 and len(top):
                stack[0] = top[0]
                root_ended = True
        element = ET.SubElement(stack[-1], name)
        if value:
            element.text = unescape(value) if "&" in value else value
            just_ended = name
        elif empty:
            just_ended = None
        else:
            if len(stack) > MAX_DEPTH:
                raise MarkupError(f"elements are nested more than {MAX_DEPTH} deep", token.start())
            stack.append(element)
            opened_at.append(token.start())
            open_names[name] = open_names.get(name, 0) + 1
            just_ended = None
    if not len(top):
        raise MarkupError("it holds no element", 0)
    if len(stack) > 1 or not root_ended:
        innermost = stack[-1].tag if len(stack) > 1 else "OFX"
        raise MarkupError(
            f"the file ends inside <{innermost}>, before its </{innermost}> and </OFX>: "
            "it looks cut off; download it again",
            opened_at[-1],
        )
    return Markup(top[0], stray)


def _close(stack: list[ET.Element], open_names: dict[str, int], name: str) -> None:
    """End the innermost open `name` and every element left open inside it."""
    while True:
        element = stack.pop()
        open_names[element.tag] -= 1
        if element.tag == name:
            return

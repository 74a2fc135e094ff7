"""privfin's own OFX markup reader: SGML, XML, CDATA, escapes, and hostile input."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest import IngestError
from app.ingest.ofx_markup import MAX_DEPTH, MarkupError, parse_markup, unescape
from tests.conftest import REPO_ROOT
from tests.unit.test_ingest_ofx import assert_transactions_or_ingest_error, read, sgml, trn


def test_sgml_elements_with_text_end_there_and_aggregates_at_their_end_tag() -> None:
    markup = parse_markup("<OFX><SONRS><CODE>0<SEVERITY>INFO</SONRS><NAME><MEMO>M</OFX>")
    root = markup.root
    assert [(e.tag, e.text) for e in root.iter()] == [
        ("OFX", None),
        ("SONRS", None),
        ("CODE", "0"),
        ("SEVERITY", "INFO"),
        ("NAME", None),  # left empty: it holds what follows until its parent ends
        ("MEMO", "M"),
    ]
    assert root.findtext("SONRS/SEVERITY") == "INFO" and not markup.stray_end_tags


def test_xml_end_tags_self_closing_elements_comments_and_lower_case() -> None:
    markup = parse_markup(
        '<ofx xmlns:x="u"><!-- a comment --><?pi x?><Name>A</Name><Memo/><trnamt>1</trnamt></ofx>'
    )
    assert [(e.tag, e.text) for e in markup.root] == [("NAME", "A"), ("MEMO", None), ("TRNAMT", "1")]
    assert not markup.stray_end_tags


def test_end_tags_that_close_nothing_are_counted_not_fatal() -> None:
    markup = parse_markup("<OFX><CODE>0 <SEVERITY>INFO </SEVERITY> </CODE></X></OFX></OFX>")
    assert dict(markup.stray_end_tags) == {"CODE": 1, "X": 1, "OFX": 1}


def test_escapes_are_undone_and_a_bare_ampersand_is_text() -> None:
    assert unescape("AT&amp;T &lt;1&gt; CAF&#201; caf&#xE9;&nbsp;X") == "AT&T <1> CAFÉ café\xa0X"
    # only a whole escape is one: HTML's legacy `&copy` without `;` is the bank's text
    assert unescape("AT&T R&D&copy &bogus; &#0; &#x110000;") == "AT&T R&D&copy &bogus; &#0; &#x110000;"
    # the html module's unescape, used before, made that `R&D©`
    assert read("x.ofx", sgml(trn("1", "-1.00", "R&D&copy"))).transactions[0].description == "R&D&copy"


def test_cdata_is_taken_as_written() -> None:
    markup = parse_markup(
        "<OFX><NAME><![CDATA[AT&amp;T <WIRELESS>]]></NAME><MEMO><![CDATA[]]><TRNAMT>1</OFX>"
    )
    assert [(e.tag, e.text) for e in markup.root] == [
        ("NAME", "AT&amp;T <WIRELESS>"),
        ("MEMO", " "),  # an empty value, which holds nothing
        ("TRNAMT", "1"),
    ]
    data = sgml(trn("1", "-1.00", "<![CDATA[AT&T <NY>]]>"), trn("2", "-2.00", "B"))
    assert [(t.description, t.amount) for t in read("x.ofx", data).transactions] == [
        ("AT&T <NY>", Decimal("-1.00")),
        ("B", Decimal("-2.00")),
    ]
    with pytest.raises(MarkupError, match="CDATA section never ends"):
        parse_markup("<OFX><NAME><![CDATA[A</OFX>")


def test_transactions_without_their_end_tags_are_not_nested_in_each_other() -> None:
    data = sgml(trn("1", "-1.00", "A"), trn("2", "-2.00", "B"), trn("3", "-3.00", "C")).replace(
        b"</STMTTRN>", b""
    )
    parsed = read("x.ofx", data)
    assert [(t.description, t.amount) for t in parsed.transactions] == [
        ("A", Decimal("-1.00")),
        ("B", Decimal("-2.00")),
        ("C", Decimal("-3.00")),
    ]
    assert [e.tag for e in parse_markup("<OFX><STMTTRN><NAME>A<STMTTRN><NAME>B</OFX>").root] == [
        "STMTTRN",
        "STMTTRN",
    ]


def test_two_downloads_joined_in_one_file_are_both_read() -> None:
    january, february = sgml(trn("1", "-1.00", "JAN")), sgml(trn("2", "-2.00", "FEB"))
    joined = january + february[february.index(b"<OFX>") :]
    assert [t.description for t in read("x.ofx", joined).transactions] == ["JAN", "FEB"]


def test_hostile_nesting_is_the_importers_error_not_a_crash() -> None:
    started = time.monotonic()
    deep = "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>\n" + "".join(f"<A{i}>" for i in range(200_000))
    with pytest.raises(IngestError, match=rf"nested more than {MAX_DEPTH} deep\) \(row 5\)"):
        read("deep.ofx", deep.encode())
    same_name = "<OFX>" + "<STMTTRN><X>" * 100_000 + "</OFX>"  # an unclosed kind closes its own: never deep
    assert len(list(parse_markup(same_name).root.iter("STMTTRN"))) == 100_000
    assert time.monotonic() - started < 20  # a generous bound: it reads in well under a second


def test_hostile_unterminated_markup_reads_in_linear_time() -> None:
    started = time.monotonic()
    with pytest.raises(MarkupError, match="holds no element"):
        parse_markup("<A" * 200_000)  # no tag ever ends
    with pytest.raises(MarkupError, match="CDATA section never ends"):
        parse_markup("<OFX>" + "<![CDATA[x" * 100_000)
    assert [e.tag for e in parse_markup("<OFX>" + "<A x=" * 200_000 + "</OFX>").root.iter()] == ["OFX"]
    assert time.monotonic() - started < 20  # a generous bound: each is one pass over the text


def test_no_gpl_library_is_loaded_to_read_an_ofx() -> None:
    code = (
        "import sys; from pathlib import Path; from app.ingest.formats import FileKind, read_record_file;"
        "from app.ingest.currency import CurrencyContext;"
        "data = Path('tests/fixtures/ofx/long_bankid_intuit_tags.ofx').read_bytes();"
        "read_record_file(FileKind.OFX, data, 'c.ofx', account=None, max_bytes=None,"
        " currency=CurrencyContext(home='USD'));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'ofxtools', 'ofxparse', 'pandas'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


_MARKUP = st.sampled_from(
    ["<OFX>", "</OFX>", "<STMTTRN>", "</STMTTRN>", "<stmttrn>", "<TRNAMT>", "-1.5", "<DTPOSTED>",
     "20240101", "<NAME>", "</NAME>", "<NAME/>", "<![CDATA[", "]]>", "&amp;", "&#", ";", "&", "<",
     ">", "<!--", "-->", "<?", "?>", "\n", " ", "x", "<BANKTRANLIST>", "<STMTRS>", "</STMTRS>",
     "<CURDEF>USD", "<FITID>1"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MARKUP, max_size=80))
def test_any_token_soup_gives_transactions_or_an_ingest_error(tokens: list[str]) -> None:
    assert_transactions_or_ingest_error(("<OFX>" + "".join(tokens)).encode(), "soup.ofx")

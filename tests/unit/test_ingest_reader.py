"""Bytes to records: encodings, refusals of non-CSV files, line endings, record numbers, damaged files."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from app.cli import main
from app.importer import import_files
from app.ingest import IngestError, reader
from app.ingest.reader import decode_bytes, is_blank, read_records, trimmed_width
from app.settings import load_settings
from app.store import Store


def test_utf8_bom_is_stripped_before_header_matching() -> None:
    decoded = decode_bytes(codecs.BOM_UTF8 + '"Buchungsdatum";"Betrag (€)"\n'.encode(), "dkb.csv")
    assert decoded.text.startswith('"Buchungsdatum"')
    assert decoded.encoding == "utf-8-sig"


def test_bom_in_the_middle_of_concatenated_exports_is_removed() -> None:
    data = b"Date,Amount\n01/02/2024,1.00\n" + codecs.BOM_UTF8 + b"Date,Amount\n"
    assert "\ufeff" not in decode_bytes(data, "cat.csv").text


def test_cp1252_is_the_fallback_and_nothing_is_replaced() -> None:
    decoded = decode_bytes("Auftraggeber / Begünstigter;Betrag\nMüller;-1,00\n".encode("cp1252"), "dkb.csv")
    assert decoded.encoding == "cp1252"
    assert "Begünstigter" in decoded.text and "\ufffd" not in decoded.text


def test_bytes_undefined_in_cp1252_keep_their_latin1_code_point() -> None:
    # The rest of the line is still Windows-1252: 0x80 is the euro sign, not a C1 control.
    decoded = decode_bytes(b"Date,Description,Amount\n01/02/2024,A\x81B \x80,1.00\n", "odd.csv")
    assert decoded.encoding == "cp1252"
    assert "A\x81B \u20ac" in decoded.text


def test_utf16_with_bom_as_excel_unicode_text_writes_it() -> None:
    text = "Date\tDescription\tAmount\r\n01/02/2024\tCAFÉ\t-3.50\r\n"
    decoded = decode_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "excel.txt")
    assert decoded.text == text


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\r\n", "the file is empty"),
        (codecs.BOM_UTF8, "the file is empty"),
        (b"PK\x03\x04\x14\x00rest-of-zip", "Excel workbook"),
        (b"%PDF-1.7\n", "is a PDF"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "HTML or XML page"),
        (b"\n\n  <html lang='en'>", "HTML or XML page"),
        (b'[{"date": "2024-01-02"}]', "JSON"),
        (bytes(range(256)), "binary file"),
    ],
)
def test_non_csv_input_is_refused_with_a_message_naming_the_file(data: bytes, fragment: str) -> None:
    with pytest.raises(IngestError) as caught:
        decode_bytes(data, "upload.csv")
    assert caught.value.filename == "upload.csv"
    assert fragment in caught.value.message
    assert str(caught.value).startswith("upload.csv: ")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending_gives_the_same_records_and_line_numbers(newline: str) -> None:
    text = newline.join(["a,b", '1,"two', 'lines"', "", "3,4", ""])
    records = read_records(text, ",", "f.csv")
    assert records.rows == [["a", "b"], ["1", f"two{newline}lines"], [], ["3", "4"]]
    # The quoted newline spans lines 2-3, so the next records keep the editor's numbering.
    assert records.lines == [1, 2, 4, 5]


def test_limit_reads_only_the_first_records() -> None:
    records = read_records("a\nb\nc\n", ",", "f.csv", limit=2)
    assert records.rows == [["a"], ["b"]]


def test_blank_and_trailing_delimiter_helpers() -> None:
    assert is_blank([]) and is_blank([" "]) and is_blank(["", "", ""])
    assert not is_blank(["", "x"])
    assert trimmed_width(["a", "b", "", " "]) == 2
    assert trimmed_width([]) == 0


def test_ingest_error_with_row_and_pickling() -> None:
    import pickle

    error = IngestError("bank.csv", "date '02/30/2024' is not valid", row=7)
    assert str(error) == "bank.csv: date '02/30/2024' is not valid (row 7)"
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.filename, clone.message, clone.row) == ("bank.csv", error.message, 7)


# -- damaged files: mixed encodings, NUL bytes, over-long fields ------------------------

_HEADER = b"Date,Description,Amount\n"


def test_a_file_mixing_utf8_and_cp1252_lines_has_no_mojibake_either_way() -> None:
    data = (
        _HEADER
        + "01/02/2024,CAFÉ UTF8 Müller,-3.50\n".encode()
        + "01/03/2024,CAFÉ WINDOWS Müller – 5 €,-4.00\n".encode("cp1252")
        + "01/04/2024,NAÏVE UTF8,-5.00\n".encode()
    )
    decoded = decode_bytes(data, "mixed.csv")
    lines = decoded.text.splitlines()
    assert lines[1:] == [
        "01/02/2024,CAFÉ UTF8 Müller,-3.50",
        "01/03/2024,CAFÉ WINDOWS Müller – 5 €,-4.00",
        "01/04/2024,NAÏVE UTF8,-5.00",
    ]
    assert (decoded.encoding, decoded.legacy_lines) == ("utf-8", 1)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_mixed_encodings_are_decided_per_line_whatever_the_line_ending(newline: str) -> None:
    rows = [("CAFÉ A", "utf-8"), ("CAFÉ B", "cp1252"), ("CAFÉ C", "cp1252"), ("ÉTÉ D", "utf-8")]
    data = codecs.BOM_UTF8 + b"Description" + newline.encode()
    data += b"".join(text.encode(encoding) + newline.encode() for text, encoding in rows)
    decoded = decode_bytes(data, "mixed.csv")
    assert decoded.text.split(newline)[1:-1] == [text for text, _ in rows]
    assert (decoded.encoding, decoded.legacy_lines) == ("utf-8-sig", 2)


def test_a_whole_cp1252_file_is_still_named_windows_1252() -> None:
    decoded = decode_bytes("Name;Betrag\nMüller;-1,00\nGrüße;2,00\n".encode("cp1252"), "dkb.csv")
    assert (decoded.encoding, decoded.legacy_lines) == ("cp1252", 0)
    assert decoded.text == "Name;Betrag\nMüller;-1,00\nGrüße;2,00\n"


def test_a_stray_nul_byte_is_removed_and_its_line_reported() -> None:
    data = (
        _HEADER
        + b"01/02/2024,COFFEE,-3.50\r\n01/03/2024,TEA\x00 SHOP,-4.00\r\n01/04/2024,BREAD\x00\x00,-2\r\n"
    )
    decoded = decode_bytes(data, "nul.csv")
    assert "\x00" not in decoded.text and "TEA SHOP" in decoded.text
    assert (decoded.nul_lines, decoded.nul_line_count) == ((3, 4), 2)


def test_nul_padding_after_the_last_line_is_removed() -> None:
    decoded = decode_bytes(_HEADER + b"01/02/2024,COFFEE,-3.50\n" + b"\x00" * 4096, "padded.csv")
    assert decoded.text == "Date,Description,Amount\n01/02/2024,COFFEE,-3.50\n"
    assert (decoded.nul_lines, decoded.nul_line_count) == ((3,), 1)


def test_many_nul_bytes_are_still_a_binary_file() -> None:
    with pytest.raises(IngestError, match="binary file"):
        decode_bytes(_HEADER + b"01/02/2024,\x00\x00\x00\x00\x00\x00,-3.50\n" * 20, "blob.csv")


def test_a_field_over_the_csv_limit_breaks_only_its_record() -> None:
    huge = "X" * 200_000
    text = f'a,b\n1,{huge}\n2,"{huge}"\n3,4\n'
    records = read_records(text, ",", "f.csv")
    assert records.rows == [["a", "b"], [], [], ["3", "4"]]
    assert records.lines == [1, 2, 3, 4]
    assert sorted(records.broken) == [1, 2] and "longer than 131,072 characters" in records.broken[1]


def test_an_open_quote_swallowing_the_rest_still_breaks_the_whole_file() -> None:
    text = 'a,b\n1,"open\n' + "2,x\n" * 40_000
    with pytest.raises(IngestError, match="quote left open") as caught:
        read_records(text, ",", "f.csv")
    assert caught.value.row == 2


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_quote_left_open_is_reported_at_its_line_and_the_lines_it_swallowed_are_still_read(
    newline: str,
) -> None:
    text = newline.join(
        [
            "When,What,Sum",
            "2025-07-01,KIOSK,-2.10",
            '2025-07-02,"NEVER CLOSED,-8.00',
            "2025-07-03,TRAM,-1.90",
            "",
            "",
        ]
    )
    text += '2025-07-04,"BAKERY, EAST",-3.30' + newline
    records = read_records(text, ",", "open.csv")
    assert records.lines == [1, 2, 3, 4, 5, 6]
    assert records.rows[3:] == [["2025-07-03", "TRAM", "-1.90"], [], ["2025-07-04", "BAKERY, EAST", "-3.30"]]
    assert records.rows[2] == [] and "never closed" in records.broken[2]


def test_a_quoted_field_spanning_lines_stays_one_field() -> None:
    text = 'When,What,Sum\n2025-07-01,"first line\nsecond line",-2.10\n2025-07-03,TRAM,-1.90\n'
    records = read_records(text, ",", "notes.csv")
    assert records.rows[1] == ["2025-07-01", "first line\nsecond line", "-2.10"] and not records.broken
    assert records.lines == [1, 2, 4]


def test_a_quote_left_open_over_lines_that_are_no_records_refuses_the_file_at_its_line() -> None:
    text = 'When,What,Sum\n2025-07-01,KIOSK,-2.10\n2025-07-02,"NEVER CLOSED\nmore text\nand more\n'
    with pytest.raises(IngestError, match="quote opened on this line is never closed") as caught:
        read_records(text, ",", "open.csv")
    assert caught.value.row == 3


def test_import_accounts_for_every_line_after_a_quote_left_open(store: Store) -> None:
    data = (
        b'Date,Description,Amount\n01/02/2024,COFFEE,-3.50\n01/03/2024,"NO END,-4.00\n'
        b"01/04/2024,BREAD,-2.00\n01/05/2024,MILK,-1.25\n"
    )
    [result] = import_files(store, [("open.csv", data)], home_currency="USD")
    assert (result.error, result.inserted) == (None, 3)
    assert result.parsed is not None
    assert [(s.row, s.kind.value) for s in result.parsed.skipped] == [(3, "invalid")]
    assert "never closed" in result.parsed.skipped[0].reason
    assert sorted(store.transactions_frame()["description"]) == ["BREAD", "COFFEE", "MILK"]


def test_records_read_through_windows_keep_line_numbers_across_window_edges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Windows of ~1,000 characters: quoted newlines and CR-only line ends cross many window edges.
    monkeypatch.setattr(reader, "_READ_WINDOW", 1000)
    body = "".join(f'{n},"two\rlines"\r' if n % 100 == 0 else f"{n},x\r" for n in range(6_000))
    records = read_records("a,b\r" + body, ",", "f.csv")
    assert len(records.rows) == 6_001
    assert records.rows[-1] == ["5999", "x"] and records.lines[-1] == 6_001 + 60
    assert records.rows[101] == ["100", "two\rlines"] and records.lines[102] == 105
    crlf = read_records("a,b\r\n" + "1,x\r\n" * 3000, ",", "f.csv")
    assert len(crlf.rows) == 3001 and crlf.rows[-1] == ["1", "x"] and crlf.lines[-1] == 3001


def test_equal_cells_share_one_string_object() -> None:
    records = read_records("d,t\n01/02/2024,Sale\n01/02/2024,Sale\n", ",", "f.csv")
    assert records.rows[1][0] is records.rows[2][0] and records.rows[1][1] is records.rows[2][1]


def _cli_import(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]], str]:
    # The files below use day-of-month 22-24: with every day <= 12 the CLI refuses the layout.
    code = main(["import", str(path), "--json"])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_cli_imports_a_mixed_encoding_file_without_mojibake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        _HEADER + "01/22/2024,CAFÉ ONE,-3.50\n".encode() + "01/23/2024,CAFÉ TWO,-4.00\n".encode("cp1252")
    )
    code, lines, err = _cli_import(path, capsys)
    assert code == 0
    assert [line["description"] for line in lines] == ["CAFÉ ONE", "CAFÉ TWO"]
    assert "1 line(s) are not UTF-8 and were read as Windows-1252" in err
    stored = Store(load_settings().db_path).transactions_frame()
    assert sorted(stored["description"]) == ["CAFÉ ONE", "CAFÉ TWO"]


def test_cli_imports_a_file_with_a_nul_byte_and_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(
        _HEADER + b"01/22/2024,COFFEE,-3.50\n01/23/2024,TEA\x00 SHOP,-4.00\n01/24/2024,BREAD,-2.00\n"
    )
    code, lines, err = _cli_import(path, capsys)
    assert code == 0, err
    assert [line["description"] for line in lines] == ["COFFEE", "TEA SHOP", "BREAD"]
    assert "NUL bytes (a damaged or padded file) were removed from line(s) 3" in err
    assert "binary" not in err


def test_cli_reports_a_row_with_a_huge_field_and_imports_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.csv"
    huge = "X" * 200_000
    path.write_text(
        f'Date,Description,Amount\n01/22/2024,COFFEE,-3.50\n01/23/2024,"{huge}",-4.00\n01/24/2024,BREAD,-2\n'
    )
    code, lines, err = _cli_import(path, capsys)
    assert code == 0, err[:500]
    assert [(line["description"], line["row"]) for line in lines] == [("COFFEE", 2), ("BREAD", 4)]
    assert "row 3: skipped (invalid): a field is longer than 131,072 characters" in err
    assert "1 skipped" in err and "broken" not in err


def test_import_files_stores_the_rest_of_a_file_with_a_huge_field(store: Store) -> None:
    data = (
        _HEADER + b"01/02/2024,COFFEE,-3.50\n01/03/2024," + b"Y" * 150_000 + b",-4.00\n01/04/2024,BREAD,-2\n"
    )
    [result] = import_files(store, [("huge.csv", data)], home_currency="USD")
    assert (result.error, result.inserted) == (None, 2)
    assert (
        [(s.row, s.kind.value) for s in result.parsed.skipped] == [(3, "invalid")] if result.parsed else False
    )
    [record] = store.imports()
    assert record["rows_skipped"] == 1 and record["skipped"][0]["row"] == 3

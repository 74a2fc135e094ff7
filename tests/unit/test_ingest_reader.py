"""Bytes to records: encodings, refusals of non-CSV files, line endings, record numbers."""

from __future__ import annotations

import codecs

import pytest

from app.ingest import IngestError
from app.ingest.reader import decode_bytes, is_blank, read_records, trimmed_width


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


def test_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    decoded = decode_bytes(b"Date,Description,Amount\n01/02/2024,A\x81B,1.00\n", "odd.csv")
    assert decoded.encoding == "latin-1"
    assert "A\x81B" in decoded.text


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

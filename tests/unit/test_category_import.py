"""Reading an edited CSV export back: what spreadsheets do to a file, and every bad line named."""

from __future__ import annotations

import pytest

from app.categorize.category_import import (
    MAX_PROBLEMS_SHOWN,
    CategoryFileError,
    EditedRow,
    read_edited_export,
)


def test_an_export_as_privfin_writes_it() -> None:
    data = "\ufeffid,date,description,category\r\nab12,2026-03-01,STARBUCKS,Dining\r\ncd34,2026-03-02,X,Uncategorized\r\n"
    assert read_edited_export("e.csv", data.encode()) == [
        EditedRow(2, "ab12", "Dining"),
        EditedRow(3, "cd34", None),
    ]


def test_what_spreadsheets_do_to_it_is_undone() -> None:
    # Windows-1252, semicolons, the columns moved, upper-case header, a quoted cell over two
    # lines, a trailing blank line, and the export's ' before text that looks like a formula.
    data = (
        'Category;ID;Description\n"Gifts & Donations";ab12;"caf\xe9\nline two"\n\'-Odd;cd34;x\n;ef56;y\n\n'
    ).encode("cp1252")
    assert read_edited_export("e.csv", data) == [
        EditedRow(2, "ab12", "Gifts & Donations"),
        EditedRow(4, "cd34", "-Odd"),
        EditedRow(5, "ef56", None),
    ]
    tabs = b"id\tcategory\nab12\tDining\n"
    assert read_edited_export("t.tsv", tabs) == [EditedRow(2, "ab12", "Dining")]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "e.csv: the file is empty"),
        (b"date,description,category\n2026-03-01,X,Dining\n", "e.csv: no 'id' column"),
        (b"id,date\nab12,2026-03-01\n", "e.csv: no 'category' column"),
        (b"id,date,category\nab12\n", "e.csv line 2: the row has no id or category cell"),
        (b"id,category\n,Dining\n", "e.csv line 2: the id cell is empty"),
    ],
)
def test_a_file_that_is_not_an_edited_export_is_refused_with_file_and_line(data: bytes, problem: str) -> None:
    with pytest.raises(CategoryFileError) as raised:
        read_edited_export("e.csv", data)
    assert raised.value.problems[0].startswith(problem)


def test_many_bad_lines_are_listed_up_to_a_limit() -> None:
    data = b"id,category\n" + b",x\n" * (MAX_PROBLEMS_SHOWN + 5)
    with pytest.raises(CategoryFileError) as raised:
        read_edited_export("e.csv", data)
    assert len(raised.value.problems) == MAX_PROBLEMS_SHOWN + 1
    assert raised.value.problems[-1] == "... and 5 more"

"""Every comment that points to a document points to one in the repo, at a section it has."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO_ROOT

SOURCES = ("app", "components", "tests")
# `docs/parallax-api.md §9.3`, `§3d, §3e`, `docs/taxonomy.md A.1/A.2`, `B.5`, `rules 3 and 4`.
POINTER = re.compile(
    r"docs/(?P<file>[\w-]+\.md)"
    r"(?P<sections>(?:[ ,/]*(?:and )?(?:§[0-9]+[a-z]?(?:\.[0-9]+)?|[AB]\.[0-9]+|rules? [0-9]+))*)"
)
SECTION = re.compile(
    r"§[0-9]+[a-z]?(?:\.[0-9]+)?|[AB]\.[0-9]+|(?<=rules )[0-9]+|(?<=rule )[0-9]+|(?<=and )[0-9]+"
)
# A bare document name with no folder: it must say where it is.
BARE = re.compile(r"(?<![\w/.-])(?:parallax-api|taxonomy|streamlit|csv-quirks)\.md")


def _headings(text: str) -> list[str]:
    return [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]


def _has_section(document: str, section: str) -> bool:
    """Whether `section` names a heading of the document (`§9.5` → `### 9.5 …`, `§2a` → `### 2a. …`,
    `B.5` → `## 5.` under `# B.`, `A.2` → `### A.2`, a rule number → item N under "Rules we adopt")."""
    headings = _headings(document)
    if section.startswith("§"):
        number = section[1:]
        return any(re.match(rf"{re.escape(number)}[.\s]", heading + " ") for heading in headings)
    if section[0] in "AB":
        part, number = section.split(".")
        if any(heading.startswith(section) for heading in headings):
            return True
        below = document.split(f"\n# {part}.", 1)
        return len(below) == 2 and re.search(rf"\n##+ {number}\. ", below[1].split("\n# ", 1)[0]) is not None
    rules = document.split("## Rules we adopt", 1)
    return len(rules) == 2 and re.search(rf"\n{section}\. ", rules[1].split("\n## ", 1)[0]) is not None


def _sources() -> list[Path]:
    return sorted(path for folder in SOURCES for path in (REPO_ROOT / folder).rglob("*.py"))


def test_every_docs_pointer_names_a_file_and_section_in_the_repo() -> None:
    wrong = []
    checked = 0
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if path.name == Path(__file__).name:
            continue
        for found in POINTER.finditer(text):
            checked += 1
            target = REPO_ROOT / "docs" / found["file"]
            where = f"{path.relative_to(REPO_ROOT)}: {found[0]}"
            if not target.is_file():
                wrong.append(f"{where}: no such file")
                continue
            document = target.read_text(encoding="utf-8")
            wrong += [
                f"{where}: no section {section}"
                for section in SECTION.findall(found["sections"])
                if not _has_section(document, section)
            ]
    assert checked > 0, "no docs/ pointer found: the pattern no longer matches the comments"
    assert wrong == []


def test_no_pointer_names_a_document_without_its_folder() -> None:
    bare = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in _sources()
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE.search(line)
    ]
    assert bare == []


def test_the_section_check_tells_a_heading_from_none() -> None:
    document = "# T\n## Rules we adopt\n\n1. **One.**\n3. **Three.**\n## 1. X\n### 9.5 Faults\n### 2a. Status\n# B. Std\n## 5. Mapping\n"
    assert all(_has_section(document, s) for s in ("§9.5", "§2a", "B.5", "3", "§1"))
    assert not any(_has_section(document, s) for s in ("§9.6", "§2b", "B.2", "2", "A.1"))

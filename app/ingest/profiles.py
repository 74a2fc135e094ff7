"""Issuer profiles: data files (`profiles/*.json`) that recognise one bank's export and map it.

A profile recognises its export by a header signature (the columns that must be
present, optionally exactly those) or, for headerless exports, by the shape of the
rows. Its `mapping` is an ordinary `ColumnMapping`.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.ingest.mapping import ColumnMapping, normalize_header

PROFILE_DIR = Path(__file__).with_name("profiles")


@functools.lru_cache(maxsize=256)
def _normalized_columns(columns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalize_header(c) for c in columns)


class HeaderSignature(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: list[str] = Field(min_length=1)
    exact: bool = False  # the header holds these columns and no others
    weak: bool = False  # other exports share it: confirm by file name or by the data's signs

    def normalized(self) -> frozenset[str]:
        return _normalized_columns(tuple(self.columns))


class HeaderlessShape(BaseModel):
    """Rows of `width` cells whose listed cells fully match the given regexes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int = Field(ge=2)
    cells: dict[int, str]

    def matches(self, cells: list[str]) -> bool:
        if len(cells) != self.width:
            return False
        return all(re.fullmatch(pattern, cells[index].strip()) for index, pattern in self.cells.items())


class IssuerProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    country: str | None = None
    signatures: list[HeaderSignature] = Field(default_factory=list)
    headerless: HeaderlessShape | None = None
    filename_hint: str | None = None  # regex, searched case-insensitively in the file name
    account_from_filename: str | None = None  # regex with one group, e.g. Chase's last four digits
    # How account names start ("Amex" + card member and number); "" when the file's account
    # column already holds the account's own name (Mint). None: the profile's name.
    account_prefix: str | None = None
    mapping: ColumnMapping

    def header_score(self, present: frozenset[str]) -> tuple[int, bool]:
        """(signature columns matched, weak) for the best signature; (0, False) if none.

        `present` holds the row's non-empty cells as `normalize_header` renders them.
        """
        best = (0, False)
        for signature in self.signatures:
            wanted = signature.normalized()
            if not wanted <= present or (signature.exact and wanted != present):
                continue
            best = max(best, (len(wanted), signature.weak))
        return best

    def filename_matches(self, filename: str) -> bool:
        return bool(self.filename_hint and re.search(self.filename_hint, Path(filename).name, re.IGNORECASE))

    def account_hint(self, filename: str) -> str | None:
        if not self.account_from_filename:
            return None
        match = re.search(self.account_from_filename, Path(filename).name, re.IGNORECASE)
        return match.group(1) if match else None


class ProfileInfo(BaseModel):
    """What a UI needs to offer a profile in a dropdown."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    country: str | None = None


@functools.cache
def load_profiles() -> tuple[IssuerProfile, ...]:
    """Every shipped profile, validated, in file-name order. A broken file is a packaging bug."""
    profiles: list[IssuerProfile] = []
    for path in sorted(PROFILE_DIR.glob("*.json")):
        try:
            profile = IssuerProfile.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, ValidationError) as exc:
            raise RuntimeError(f"issuer profile {path.name} is invalid: {exc}") from exc
        if profile.id != path.stem:
            raise RuntimeError(
                f"issuer profile {path.name} has id {profile.id!r}; it must match the file name"
            )
        profiles.append(profile)
    return tuple(profiles)


def get_profile(profile_id: str) -> IssuerProfile:
    for profile in load_profiles():
        if profile.id == profile_id:
            return profile
    raise KeyError(profile_id)


def list_profiles() -> list[ProfileInfo]:
    return sorted(
        (ProfileInfo(id=p.id, name=p.name, country=p.country) for p in load_profiles()),
        key=lambda info: info.name.casefold(),
    )

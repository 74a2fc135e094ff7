"""CSV statement import: bytes of a bank export to canonical transactions.

Layers: `reader` (bytes -> records), `layout` (where the table is), `profiles`
(issuer formats as data), `generic` (column roles for unknown formats), `mapping`
(the explicit form of a layout) and `statement` (records -> transactions).
"""

from app.ingest.errors import IngestError
from app.ingest.mapping import ColumnMapping, SignRule
from app.ingest.profiles import IssuerProfile, ProfileInfo, get_profile, list_profiles, load_profiles
from app.ingest.statement import ParsedStatement, TransactionTable, parse_statement

__all__ = [
    "ColumnMapping",
    "IngestError",
    "IssuerProfile",
    "ParsedStatement",
    "ProfileInfo",
    "SignRule",
    "TransactionTable",
    "get_profile",
    "list_profiles",
    "load_profiles",
    "parse_statement",
]

"""Importers: records from legislation.sources into the database (insert / update / noop), one ImportRun each.

- `bills`: the bill importer (matching, content hash, chunks, stage and session end);
- `files`: saved source files (pages, responses, bulk zips) into the bill importer;
- `sessions`: sessions and their dates from Open States `/jurisdictions` responses.
"""

from legislation.models import ImportRun

from .bills import BillImporter, sessions_end_apply
from .files import SOURCES, import_files

__all__ = ["SOURCES", "BillImporter", "import_files", "sessions_end_apply", "summary_line"]


def summary_line(run: ImportRun) -> str:
    """`N inserted, N updated, N unchanged, N failed`: the words of the import_bills contract (DESIGN.md)."""
    return f"{run.inserted} inserted, {run.updated} updated, {run.unchanged} unchanged, {run.failed} failed"

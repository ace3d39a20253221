"""`manage.py import_snapshot FILE [--dry-run]`: restore a snapshot written by export_snapshot, in one transaction
(all of it or nothing). Idempotent; a dry run prints what would change and writes nothing. A snapshot naming bills
this database does not hold is refused with their list (import those bills first)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.snapshot import SnapshotError, import_snapshot_path


class Command(BaseCommand):
    help = "Restore editorial data from a snapshot (export_snapshot). Safe to run again; --dry-run writes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A snapshot written by export_snapshot.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args: object, file: str, dry_run: bool, **options: object) -> None:
        try:
            result = import_snapshot_path(file, dry_run=dry_run)
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not a snapshot (not UTF-8 text). Nothing was written.") from exc
        except SnapshotError as exc:
            raise CommandError(f"{file}: {exc}. Nothing was written.") from exc
        prefix = "would " if dry_run else ""
        for line in result.changes:
            self.stdout.write(f"{prefix}{line}")
        kinds = sorted({*result.created, *result.updated, *result.unchanged})
        for kind in kinds:
            created, updated = result.created.get(kind, 0), result.updated.get(kind, 0)
            unchanged = result.unchanged.get(kind, 0)
            self.stdout.write(f"{kind}: {created} {prefix}created, {updated} {prefix}updated, {unchanged} unchanged")
        if dry_run:
            self.stdout.write("dry run: nothing written")
        elif not result.changed:
            self.stdout.write("nothing to change")

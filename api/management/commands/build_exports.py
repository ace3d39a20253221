"""`manage.py build_exports`: rebuild today's bulk exports (JSON and CSV archives) in EXPORTS_DIR."""

from django.core.management.base import BaseCommand

from api.exports import exports_build


class Command(BaseCommand):
    help = "Rebuild today's bulk exports (zipped JSON and CSV of every table) in settings.EXPORTS_DIR."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--keep", type=int, default=None, help="Days of exports to keep (EXPORTS_KEEP, 7).")

    def handle(self, *args, keep: int | None = None, **options) -> None:
        for path in exports_build(keep=keep):
            self.stdout.write(f"wrote {path} ({path.stat().st_size} bytes)")

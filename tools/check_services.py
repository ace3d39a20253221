"""Check that the services the tests need answer, and say which URL failed if not."""

import sys

import django
import redis
from django.conf import settings
from django.db import connection


def main() -> int:
    django.setup()
    problems = []
    database = settings.DATABASES["default"]
    where = f"postgres://{database.get('USER')}@{database.get('HOST')}:{database.get('PORT')}/{database.get('NAME')}"
    try:
        connection.ensure_connection()
    except Exception as exc:
        problems.append(f"PostgreSQL does not answer at {where} (DATABASE_URL): {exc}")
    for name, url in (("REDIS_URL", settings.REDIS_URL), ("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)):
        if not url.startswith("redis"):
            continue
        try:
            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis does not answer at {url} ({name}): {exc}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

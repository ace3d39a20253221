"""Check that the services the tests need answer, and say which URL failed if not.

A missing PostgreSQL database is created (pytest-django creates its `test_` copy next to it).
"""

import sys

import django
import psycopg
import redis
from django.conf import settings


def check_postgres() -> str | None:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return f"The tests need PostgreSQL; DATABASE_URL points at {database['ENGINE']}."
    params = {
        "host": database.get("HOST") or "127.0.0.1",
        "port": database.get("PORT") or 5432,
        "user": database.get("USER") or "postgres",
        "password": database.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    where = f"postgres://{params['user']}@{params['host']}:{params['port']}/{database['NAME']}"
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{database["NAME"]}"')
    except psycopg.Error as exc:
        return f"PostgreSQL does not answer at {where} (DATABASE_URL): {exc}"
    return None


def check_redis(name: str, url: str) -> str | None:
    if not url.startswith("redis"):
        return None
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {url} ({name}): {exc}"
    return None


def main() -> int:
    django.setup()
    problems = [
        check_postgres(),
        check_redis("REDIS_URL", settings.REDIS_URL),
        check_redis("CELERY_BROKER_URL", settings.CELERY_BROKER_URL),
    ]
    problems = [problem for problem in problems if problem]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

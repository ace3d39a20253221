"""Settings read from the environment, with safe defaults for a laptop.

Without any environment the tracker runs on a SQLite file and an embedded Celery broker (kombu's filesystem
transport), both under `var/`. With `DATABASE_URL`, `CELERY_BROKER_URL` and `REDIS_URL` set it uses PostgreSQL
(psycopg 3), a real broker and Redis. Variable names are a contract (see README).
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state of a laptop install (SQLite file, embedded broker, cache, exports); git ignores it.
VAR_DIR = Path(environ.Env().str("TRACKER_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------------------------------
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-development-key-never-used-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "tracker.apps.TrackerAdminConfig",  # django.contrib.admin with the tracker's site (tracker/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "django_htmx",
    "axes",
    "legislation",
    "recommendations",
    "api",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, cached ones included (settings below, "Security").
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Anonymous reads of the API, answered from the cache (or the bills list's prepared statement) before the
    # middleware below and DRF run for them: see api/front.py.
    "api.front.CacheFrontMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a login refused by django-axes (too many failures) into a 429 with a clear message (tracker/auth.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.context_processors.data_notice",
            ],
        },
    },
]

# --- Security headers (README "Security"; tests/tracker/test_security.py) ----------------------------------------
# Content-Security-Policy (django-csp): scripts, styles and everything else only from this site, and no inline
# script or style anywhere (templates link static files; htmx is told not to inject its indicator styles). The API
# docs pages loosen style-src for the renderers they embed (api/docs.py), never script-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# HSTS: off on a laptop (plain HTTP); production turns it on for a year (tracker/settings/production.py).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Database ---------------------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: WAL lets readers run beside a writer, and IMMEDIATE
    # transactions take the write lock up front instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The API's busiest queries are prepared (tracker/db.py): psycopg prepares only what a server-binding cursor
    # asks for, and Django's own cursors bind on the client and never do. Off for a pooler in transaction mode.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (also used for throttling and task locks) ------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web server and the worker on one machine, unlike the local-memory cache.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }

# --- Auth, i18n -------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Failed logins (the admin's form and POST /api/v1/auth/token/) are counted by django-axes per username and client IP;
# at AXES_FAILURE_LIMIT failures that pair is refused, even with the right password, for AXES_COOLOFF_MINUTES (0:
# until staff unlock it: `manage.py axes_reset_username NAME`, `axes_reset`, or the admin's Access attempts).
AUTHENTICATION_BACKENDS = ["tracker.auth.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30)) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "tracker.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: always served by the app itself (WhiteNoise), never from a CDN -------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = VAR_DIR / "media"
EXPORTS_DIR = VAR_DIR / "exports"

# --- Django REST framework --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a request without credentials then gets 401 with `WWW-Authenticate: Token`, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ModelPermissionsOrAnonReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.ORJSONRenderer", "api.renderers.CSVRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",  # anonymous access stated where the permissions allow it
    # Counted in the Django cache (Redis with REDIS_URL), so every worker shares the counts; see api/throttling.py.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonRateThrottle", "api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# Cached API pages expire after this many seconds even when no data changed (changes drop them at once).
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=3600)
# A server process answers a cached API page again from its own memory for this long before it asks Redis for the
# data version (and adds the requests it counted to the shared rate): api/local.py. 0 asks Redis every time.
API_LOCAL_SECONDS = env.float("API_LOCAL_SECONDS", default=1.0)
# A list's total (of a full page) is counted once per data version and filter, and kept this long at most.
API_COUNT_CACHE_SECONDS = env.int("API_COUNT_CACHE_SECONDS", default=3600)
# Cached public pages (tracker/pages.py) likewise: kept this long at most, dropped at once by any change.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)
# A source with no successful import for this long is flagged stale at /api/v1/freshness/.
API_FRESHNESS_STALE_HOURS = env.int("API_FRESHNESS_STALE_HOURS", default=48)
# Days of bulk exports kept in EXPORTS_DIR.
EXPORTS_KEEP = env.int("EXPORTS_KEEP", default=7)

# Four-eyes review: links, measures and progress overrides written by staff stay pending (not public, not counted)
# until a Reviewer other than their author approves them. Commands and data loads are not reviewed.
REVIEW_REQUIRED = env.bool("REVIEW_REQUIRED", default=True)
SPECTACULAR_SETTINGS = {
    "TITLE": "Policy recommendation tracker API",
    "DESCRIPTION": (
        "Recommendations of the Drug Policy Alliance report \"Rethinking the 'Drug Dealer'\" (2019), the bills that "
        "advance or undercut them, and progress per jurisdiction.\n\n"
        "Lists are paged `{count, next, previous, results}` with `page` and `page_size` (at most 200); bulk "
        "listings and the changefeed use cursors. Every list also answers `?format=csv`. Reads are public and "
        "cached: send `If-None-Match` with a response's `ETag` to get a 304 while nothing changed. Writes need a "
        "staff account with the model permissions (groups Editors and Reviewers), by `Authorization: Token <key>` "
        "(from `POST /api/v1/auth/token/`) or a session. Anonymous clients and users are rate-limited (429 with "
        "`Retry-After`). Data from LegiScan is CC BY 4.0: responses that carry it say so."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema enum per vocabulary, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "legislation.choices.Stage",
        "EffectEnum": "recommendations.models.Effect",
        "ProgressStatusEnum": "recommendations.models.ProgressStatus",
        "ProgressBasisEnum": "recommendations.models.ProgressBasis",
        "SourceEnum": "legislation.choices.Source",
        "JurisdictionKindEnum": "legislation.choices.JurisdictionKind",
        "MeasureKindEnum": "recommendations.models.MeasureKind",
        "MeasureStatusEnum": "recommendations.models.MeasureStatus",
        "ReviewStatusEnum": "recommendations.models.ReviewStatus",
        "ChangeKindEnum": "recommendations.selectors.CHANGE_KINDS",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.postprocess"],
}

# --- Celery -----------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: producers and consumers share one folder of message files, so tasks really
    # travel from the web process to a separate worker with no server to install.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers a task that was taken but never acknowledged (its worker died) after the visibility timeout
    # (kombu's default: an hour). It must outlast the longest task's hard time limit (the exports build, 50
    # minutes: api/tasks.py; the backfills 32, legislation/tasks.py), or a task still running would be delivered a
    # second time; five minutes more. tests/tracker/test_celery.py checks it against every registered task.
    # kombu looks for such tasks every 10 s but scans only on every 10th look by default (unacked_restore_throttle),
    # which added up to 100 s to the wait (measured: docs/RELIABILITY.md, "Crashes"); every look scans here (one
    # ZRANGE of the unacked index), so a dead worker's task is back within the visibility timeout plus 10 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=int(timedelta(minutes=55).total_seconds())),
        "unacked_restore_throttle": 1,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are idempotent, so a task whose worker died is safe to run again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection drops (Redis restarting), tasks already running go on: a Redis blip must not cancel a
# 30-minute backfill (Celery 6 turns this on by default). Their acknowledgement is lost with the connection, so Redis
# delivers them again after the visibility timeout if it kept them (append-only file), and they find every bill
# unchanged (docs/RELIABILITY.md, "Crashes").
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# No task should run longer than this; the soft limit lets a task record its failure before the hard kill.
CELERY_TASK_SOFT_TIME_LIMIT = int(timedelta(minutes=10).total_seconds())
CELERY_TASK_TIME_LIMIT = int(timedelta(minutes=12).total_seconds())
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True


def task_routes(*, sources: str, outbound: str) -> dict[str, dict[str, str]]:
    """Queues by kind of work, so that a slow source (a backfill, a rate-limited sync) never holds up alerts, webhooks
    or the exports build, and each can get workers of its own (README "Deploying")."""
    return {
        "legislation.*": {"queue": sources},  # imports, syncs, backfills, sessions
        "recommendations.*": {"queue": sources},  # tracked-bill syncs and discovery (they call the sources)
        "alerts.*": {"queue": outbound},  # emails and webhooks
        "api.exports_build": {"queue": outbound},
    }


# On a laptop and in tests every queue is Celery's default, which one worker without `-Q` consumes; production
# splits them (tracker/settings/production.py: `sources` and `outbound`), or set the names here.
CELERY_TASK_ROUTES = task_routes(
    sources=env.str("CELERY_SOURCES_QUEUE", default="celery"),
    outbound=env.str("CELERY_OUTBOUND_QUEUE", default="celery"),
)

# --- Data sources (contract: names and defaults) ----------------------------------------------------------------
OPENSTATES_API_KEY = env.str("OPENSTATES_API_KEY", default="")
LEGISCAN_API_KEY = env.str("LEGISCAN_API_KEY", default="")
CONGRESS_API_KEY = env.str("CONGRESS_API_KEY", default="")
OPENSTATES_BASE_URL = env.str("OPENSTATES_BASE_URL", default="https://v3.openstates.org")
LEGISCAN_BASE_URL = env.str("LEGISCAN_BASE_URL", default="https://api.legiscan.com/")
CONGRESS_BASE_URL = env.str("CONGRESS_BASE_URL", default="https://api.congress.gov/v3")

# --- Email and alerts (alerts/, README "Alerts") -----------------------------------------------------------------
# EMAIL_URL as django-environ reads it: smtp+tls://user:password@host:587, or consolemail:// (the default: printed).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Recommendation tracker <alerts@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in emails are absolute: the public address of the site.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALERTS_CONFIRM_DAYS = env.int("ALERTS_CONFIRM_DAYS", default=3)  # a confirmation link works this long
ALERTS_SUBSCRIBE_RATE_PER_IP = env.int("ALERTS_SUBSCRIBE_RATE_PER_IP", default=10)  # subscribe requests an hour
ALERTS_CONFIRMATIONS_PER_EMAIL = env.int("ALERTS_CONFIRMATIONS_PER_EMAIL", default=3)  # confirmation emails a day
ALERTS_MAX_CHANGES = env.int("ALERTS_MAX_CHANGES", default=50)  # changes listed in one email or webhook POST
# Changes are re-read this far back from the last one sent (and what was sent skipped), so that a change recorded
# in a transaction that committed late is still sent.
ALERTS_OVERLAP_MINUTES = env.int("ALERTS_OVERLAP_MINUTES", default=15)
ALERTS_WEBHOOK_TIMEOUT = env.float("ALERTS_WEBHOOK_TIMEOUT", default=10.0)  # seconds for one POST
ALERTS_WEBHOOK_BACKOFF = env.int("ALERTS_WEBHOOK_BACKOFF", default=30)  # first retry after up to this many seconds
# Under the broker's visibility timeout (55 minutes): Redis would deliver a retry waiting longer a second time.
ALERTS_WEBHOOK_BACKOFF_MAX = env.int("ALERTS_WEBHOOK_BACKOFF_MAX", default=1800)
ALERTS_WEBHOOK_JITTER = env.bool("ALERTS_WEBHOOK_JITTER", default=True)
# A webhook is retried until it answers 2xx or has failed this many times in a row, then disabled (about two hours
# of backoff with the defaults).
ALERTS_WEBHOOK_DISABLE_AFTER = env.int("ALERTS_WEBHOOK_DISABLE_AFTER", default=10)
# Changes committed within this many seconds of each other are told in one round of alerts.
ALERTS_DISPATCH_DELAY = env.int("ALERTS_DISPATCH_DELAY", default=5)

# --- Logging ----------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Sync -------------------------------------------------------------------------------------------------------
# Live sync from the sources (legislation/sync.py, docs/sync.md). Budgets are per key tier: raise them for a paid
# Open States tier (bronze 40/min and 1,000/day) or a larger LegiScan plan.
OPENSTATES_RATE_PER_MINUTE = env.int("OPENSTATES_RATE_PER_MINUTE", default=10)
OPENSTATES_RATE_PER_DAY = env.int("OPENSTATES_RATE_PER_DAY", default=250)
LEGISCAN_MONTHLY_LIMIT = env.int("LEGISCAN_MONTHLY_LIMIT", default=30000)
LEGISCAN_RESERVE = env.int("LEGISCAN_RESERVE", default=1000)  # never spent by the sync: kept for people
CONGRESS_MIN_REMAINING = env.int("CONGRESS_MIN_REMAINING", default=50)  # stop before X-Ratelimit-Remaining hits 0
SYNC_HTTP_TIMEOUT = env.float("SYNC_HTTP_TIMEOUT", default=30.0)  # seconds to wait for a response
SYNC_HTTP_CONNECT_TIMEOUT = env.float("SYNC_HTTP_CONNECT_TIMEOUT", default=10.0)
SYNC_HTTP_ATTEMPTS = env.int("SYNC_HTTP_ATTEMPTS", default=4)  # per request, before the task's own retries
SYNC_HTTP_BACKOFF = env.float("SYNC_HTTP_BACKOFF", default=2.0)  # first backoff and jitter, seconds
SYNC_HTTP_BACKOFF_MAX = env.float("SYNC_HTTP_BACKOFF_MAX", default=60.0)
SYNC_RETRY_AFTER_MAX = env.float("SYNC_RETRY_AFTER_MAX", default=120.0)  # longer Retry-After: the task retries
SYNC_RATE_MAX_WAIT = env.float("SYNC_RATE_MAX_WAIT", default=65.0)  # wait for the next minute's budget
SYNC_OVERLAP_MINUTES = env.int("SYNC_OVERLAP_MINUTES", default=15)  # re-read updates this far before the cursor
SYNC_INITIAL_LOOKBACK_DAYS = env.int("SYNC_INITIAL_LOOKBACK_DAYS", default=7)  # first sync of a scope
SYNC_MAX_PAGES = env.int("SYNC_MAX_PAGES", default=10)  # list pages per scope and run; the cursor resumes
SYNC_SESSION_GRACE_DAYS = env.int("SYNC_SESSION_GRACE_DAYS", default=60)  # governors act after sine die
# Where a state's signing window is known (Jurisdiction.signing_window_days), bills are polled that long after sine
# die plus this margin, for sources that report a late signature some days after it happened.
SYNC_SIGNING_MARGIN_DAYS = env.int("SYNC_SIGNING_MARGIN_DAYS", default=7)
SYNC_STALE_MARGIN_MINUTES = env.int("SYNC_STALE_MARGIN_MINUTES", default=30)
SYNC_TASK_MAX_RETRIES = env.int("SYNC_TASK_MAX_RETRIES", default=3)
# Imports (legislation/importers): a run whose heartbeat (moved with every committed chunk) is older than this many
# seconds is taken for dead and marked interrupted; longer than any task's hard time limit between two chunks.
IMPORT_HEARTBEAT_TIMEOUT = env.int("IMPORT_HEARTBEAT_TIMEOUT", default=15 * 60)
# Zip imports refuse a member, or an archive in total, that unpacks to more than this many bytes (zip bombs,
# runaway files); members are streamed, so memory does not grow with them (legislation/importers/files.py).
IMPORT_MAX_MEMBER_BYTES = env.int("IMPORT_MAX_MEMBER_BYTES", default=1024**3)
IMPORT_MAX_ARCHIVE_BYTES = env.int("IMPORT_MAX_ARCHIVE_BYTES", default=4 * 1024**3)
# One bill (an item of a bulk JSON list, a LegiScan bill file) larger than this is refused alone.
IMPORT_MAX_RECORD_BYTES = env.int("IMPORT_MAX_RECORD_BYTES", default=16 * 1024**2)
# A sync scope's lock lives this long unless its holder renews it (with every committed chunk): longer than a scope
# task's hard time limit (9 minutes), so a live sync never loses it; a dead holder's lock is taken over at once by
# its redelivered task or on its host, else it expires (legislation/sync/common.py).
SYNC_LOCK_TTL = env.int("SYNC_LOCK_TTL", default=10 * 60)
DISCOVERY_MAX_NEW_BILLS = env.int("DISCOVERY_MAX_NEW_BILLS", default=20)  # detail requests per search and source
# httpx logs every request's full URL at INFO, and the LegiScan and Congress.gov keys travel in the query string.
LOGGING["loggers"] = {**LOGGING.get("loggers", {}), "httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}}

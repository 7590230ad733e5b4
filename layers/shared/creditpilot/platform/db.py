"""PostgreSQL access through pg8000: a small connection pool and a unit of work.

- `Database.transaction()` is the unit of work: it commits when the block ends normally and rolls back
  on any exception, so nothing half-written survives an error.
- A connection that failed at the network level is thrown away, never returned to the pool, so the
  next request reconnects by itself once the database is back.
- In Lambda one execution environment serves one request at a time, so the pool holds one connection
  there; the local API Gateway is threaded and uses more.
- SQL is always parameterised (`:name` placeholders of pg8000.native); no user input is formatted in.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlparse

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

from creditpilot.platform.config import DatabaseSettings
from creditpilot.platform.errors import ConfigError, DatabaseUnavailableError

Row = dict[str, Any]

# pg8000 re-parses a statement's `:name` placeholders on every run, character by character in Python —
# the largest cost of a short transaction. Our SQL is a fixed set of module constants, so parse each once.
_to_statement = lru_cache(maxsize=1024)(pg8000.native.to_statement)


@dataclass(frozen=True)
class ConnectParams:
    host: str
    port: int
    database: str
    user: str
    password: str | None
    ssl: bool
    timeout: float
    statement_timeout_ms: int

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 2.0, statement_timeout_ms: int = 15000) -> ConnectParams:
        parsed = urlparse(url)
        if parsed.scheme not in ("postgresql", "postgres"):
            raise ConfigError("DATABASE_URL must start with postgresql://")
        query = dict(part.split("=", 1) for part in parsed.query.split("&") if "=" in part)
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            database=(parsed.path or "/postgres").lstrip("/") or "postgres",
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password) if parsed.password else None,
            ssl=query.get("sslmode", "disable") in ("require", "verify-full", "verify-ca"),
            timeout=timeout,
            statement_timeout_ms=statement_timeout_ms,
        )


def connect_params(settings: DatabaseSettings) -> ConnectParams:
    """Where to connect: DATABASE_URL locally; the RDS Proxy host plus the Aurora secret in AWS."""
    if settings.url:
        return ConnectParams.from_url(
            settings.url, timeout=settings.connect_timeout, statement_timeout_ms=settings.statement_timeout_ms
        )
    if settings.host and settings.secret_arn:
        from aws_lambda_powertools.utilities import parameters

        secret = parameters.get_secret(settings.secret_arn, transform="json", max_age=300)
        if not isinstance(secret, Mapping) or "username" not in secret or "password" not in secret:
            raise ConfigError("DB_SECRET_ARN must hold a JSON object with username and password")
        return ConnectParams(
            host=settings.host,
            port=settings.port,
            database=settings.name,
            user=str(secret["username"]),
            password=str(secret["password"]),
            ssl=settings.ssl == "require",
            timeout=settings.connect_timeout,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
    raise ConfigError("no database configured: set DATABASE_URL, or DB_HOST and DB_SECRET_ARN")


class Connection:
    """One pg8000 connection with row-as-dict helpers."""

    def __init__(self, raw: pg8000.native.Connection):
        self.raw = raw
        self.broken = False

    def run(self, sql: str, **params: Any) -> list[Row]:
        try:
            if params:
                statement, make_values = _to_statement(sql)
                context = self.raw.execute_unnamed(statement, make_values(params), oids=())
            else:
                context = self.raw.execute_simple(sql)
        except (InterfaceError, OSError) as exc:
            # pg8000 wraps most socket failures in InterfaceError, but a read that times out on a silent
            # connection surfaces as the raw TimeoutError: both mean the database is out of reach.
            self.broken = True
            raise DatabaseUnavailableError("the database is unreachable") from exc
        columns = [col["name"] for col in (context.columns or [])]
        return [dict(zip(columns, row, strict=True)) for row in context.rows or []]

    def one(self, sql: str, **params: Any) -> Row | None:
        rows = self.run(sql, **params)
        return rows[0] if rows else None

    def scalar(self, sql: str, **params: Any) -> Any:
        rows = self.run(sql, **params)
        return next(iter(rows[0].values())) if rows else None

    def close(self) -> None:
        # Closing a dead socket may fail in any way; it is gone either way.
        with contextlib.suppress(Exception):
            self.raw.close()


def open_connection(params: ConnectParams) -> Connection:
    if params.ssl:
        import ssl  # only AWS connects with TLS; locally the import would only cost cold-start time

        ssl_context: Any = ssl.create_default_context()
    else:
        # False, not None: None makes pg8000 build a default SSL context (~30 ms) and try TLS anyway.
        ssl_context = False
    try:
        raw = pg8000.native.Connection(
            user=params.user,
            password=params.password,
            host=params.host,
            port=params.port,
            database=params.database,
            timeout=params.timeout,
            ssl_context=ssl_context,
            application_name="creditpilot",
        )
    except (InterfaceError, OSError) as exc:
        raise DatabaseUnavailableError("the database is unreachable") from exc
    except DatabaseError as exc:
        raise DatabaseUnavailableError("the database refused the connection") from exc
    # The connect timeout stays short (health must answer within 3 s); queries get the statement timeout.
    if raw._usock is not None:  # pg8000 keeps the socket here; no public setter exists
        raw._usock.settimeout(max(params.timeout, params.statement_timeout_ms / 1000 + 5))
    raw.run(f"SET statement_timeout = {int(params.statement_timeout_ms)}")
    raw.run("SET TIME ZONE 'UTC'")
    return Connection(raw)


class Database:
    """A lazily-connecting pool. Nothing connects at import or construction time."""

    def __init__(self, params_factory, *, size: int = 8):
        self._params_factory = params_factory
        self._params: ConnectParams | None = None
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue()
        self._size = size
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> Database:
        return cls(lambda: connect_params(settings), size=settings.pool_size)

    def _connect(self, connect_timeout: float | None = None) -> Connection:
        with self._lock:
            if self._params is None:
                self._params = self._params_factory()
        params = self._params
        if connect_timeout is not None and connect_timeout < params.timeout:
            params = replace(params, timeout=connect_timeout)
        return open_connection(params)

    @contextmanager
    def connection(self, connect_timeout: float | None = None) -> Iterator[Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect(connect_timeout)
        try:
            yield conn
        except BaseException:
            conn.broken = conn.broken or _in_failed_state(conn)
            raise
        finally:
            if conn.broken or self._idle.qsize() >= self._size:
                conn.close()
            else:
                self._idle.put(conn)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The unit of work: commit on success, roll back on any exception."""
        with self.connection() as conn:
            conn.run("BEGIN")
            try:
                yield conn
            except BaseException:
                if not conn.broken:
                    try:
                        conn.raw.run("ROLLBACK")
                    except Exception:  # noqa: BLE001 - the connection is dropped below if rollback failed
                        conn.broken = True
                raise
            else:
                conn.run("COMMIT")

    def ping(self, budget: float = 2.5) -> None:
        """Cheap liveness check that answers within `budget` seconds in all. A pooled connection gets
        half of it; when it fails (stale after a restart, or silent because the host vanished) it is
        discarded and one fresh connection gets the rest — that is how health recovers by itself."""
        deadline = time.monotonic() + budget
        for attempt in range(2):
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                raise DatabaseUnavailableError("the database did not answer in time")
            try:
                with self.connection(connect_timeout=remaining) as conn:
                    left = max(0.05, deadline - time.monotonic())
                    self._select_one_within(conn, left / 2 if attempt == 0 else left)
                return
            except DatabaseUnavailableError:
                if attempt == 1:
                    raise

    @staticmethod
    def _select_one_within(conn: Connection, seconds: float) -> None:
        sock = conn.raw._usock
        previous = sock.gettimeout() if sock is not None else None
        if sock is not None:
            sock.settimeout(seconds)
        try:
            conn.run("SELECT 1")
        finally:
            if sock is not None and not conn.broken:
                sock.settimeout(previous)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _in_failed_state(conn: Connection) -> bool:
    """After an error outside a transaction, check the connection still answers before reusing it."""
    try:
        conn.raw.run("SELECT 1")
        return False
    except Exception:  # noqa: BLE001 - any failure here means: do not reuse
        return True


def as_json(value: Any) -> str:
    """JSON for a `jsonb` parameter (pg8000 sends str; the SQL casts with ::jsonb)."""
    return json.dumps(value, default=str, separators=(",", ":"))


def table_counts(conn: Connection, tables: Sequence[str]) -> dict[str, int]:
    """Exact row counts in one round trip. Names come from the catalogue, never from input, and are
    quoted as identifiers all the same."""
    if not tables:
        return {}
    columns = ", ".join(
        f'(SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}") AS c{i}'
        for i, name in enumerate(tables)
    )
    row = conn.one(f"SELECT {columns}")  # noqa: S608 - catalogue names, quoted
    return {name: int(row[f"c{i}"]) for i, name in enumerate(tables)}

"""Opening the results database: URLs, engines, the schema check, transient retries.

Every failure is a StoreError (a ConfigError: one documented exception type) whose one line
names store.url with any password masked. Reading never creates a file or a table.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from countysim.config.params import ConfigError
from countysim.results.schema import MIGRATIONS, SCHEMA_VERSION, Base, SchemaInfo

T = TypeVar("T")
URL_ENV = "COUNTYSIM_STORE_URL"


def default_url() -> str:
    """sqlite:///<cwd>/outputs/countysim.db"""
    return f"sqlite:///{Path.cwd() / 'outputs' / 'countysim.db'}"


def env_url() -> str | None:
    """The store URL from the environment (COUNTYSIM_STORE_URL), if set: a password there
    never has to be typed on a command line (libpq's ~/.pgpass and service files work too)."""
    return os.environ.get(URL_ENV) or None


# //user:password@ in a URL, also as Hydra prints overrides (postgresql\://user\:pw@host)
_PASSWORD = re.compile(r"(//[^:/@\s'\"]*):[^@/\s'\"]+@")


def mask_text(text: str) -> str:
    """Any URL in the text with its password replaced by *** (user:pw@ -> user:***@)."""
    return _PASSWORD.sub(r"\1:***@", text)


def masked(url: str | None) -> str:
    """The URL with its password replaced by ***, for anything printed or stored."""
    if url is None:
        return "(default)"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing to hide but a possible user:pw@
        return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", mask_text(str(url)))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # take transactions into our hands: pysqlite's implicit BEGIN would start them DEFERRED
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a
    # read-then-write transaction never fails to upgrade its lock ("database is locked")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_ENGINES: dict[str, Engine] = {}
_READY: set[str] = set()  # URLs whose schema this process has created or checked
_DRIVERS = {
    "postgresql": "psycopg: pip install -e '.[postgres]'",
    "mysql": "a MySQL driver (e.g. pip install mysqlclient)",
}


class StoreError(ConfigError):
    """The results database cannot be used; the message names store.url (password masked)."""


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open(url: str, create: bool) -> Engine:
    shown = masked(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"store.url: {shown!r} is not a database URL (e.g. sqlite:///outputs/countysim.db "
            "or postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path and path != ":memory:":
            db = Path(path)
            if not create and not db.is_file():
                raise StoreError(f"store.url: no database at {db}")
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"store.url: cannot create the folder of {db}: {exc.strerror or exc}"
                ) from None
            if db.is_dir():
                raise StoreError(f"store.url: {db} is a folder, not a database file")
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}}
    elif parsed.get_backend_name() == "postgresql":
        kwargs = {"connect_args": {"connect_timeout": 10}}  # an unreachable host: 10 s, once
    else:
        kwargs = {}
    try:
        eng = create_engine(url, poolclass=NullPool, **kwargs)
    except NoSuchModuleError:
        raise StoreError(
            f"store.url: unknown database kind {parsed.drivername!r} in {shown!r} "
            "(sqlite or postgresql+psycopg)"
        ) from None
    except ModuleNotFoundError as exc:
        need = _DRIVERS.get(parsed.get_backend_name(), f"the {exc.name} package")
        raise StoreError(
            f"store.url: the driver for {parsed.drivername} is not installed ({need})"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(eng, "connect", _sqlite_pragmas)
        event.listen(eng, "begin", _sqlite_begin)
    try:
        with eng.connect():
            pass
    except (OperationalError, DBAPIError) as exc:
        eng.dispose()
        raise StoreError(f"store.url: cannot connect to {shown}: {_first_line(exc)}") from None
    return eng


def engine_for(url: str | None, *, create: bool = True) -> Engine:
    """A (cached) engine on a checked database; SQLite gets WAL and a busy timeout.

    `create=False` (reading) never creates a file or a table: a missing database or one
    without countysim's schema is a StoreError. Every failure is one line naming store.url
    with the password masked. NullPool: a connection is opened per session and closed when
    it ends, so no process keeps a connection (or a SQLite write lock) between transactions.
    """
    url = url or env_url() or default_url()
    eng = _ENGINES.get(url)
    if eng is None:
        eng = _open(url, create)
        _ENGINES[url] = eng
    if url not in _READY:
        if create:
            _create_schema(eng, url)
        else:
            _check_schema(eng, url)
        _READY.add(url)
    return eng


def forget(url: str) -> None:
    """Drop this process's cached engine and schema check of `url` (the file was changed
    or removed behind its back)."""
    eng = _ENGINES.pop(url, None)
    if eng is not None:
        eng.dispose()
    _READY.discard(url)


def _transient(exc: BaseException) -> bool:
    """Errors worth retrying: a locked SQLite file, a PostgreSQL serialization failure or
    deadlock, and the races of several processes creating the same schema at once."""
    if isinstance(exc, (IntegrityError, ProgrammingError)):
        return True
    text = str(exc).lower()
    return any(
        t in text
        for t in ("database is locked", "could not serialize", "deadlock", "already exists")
    )


def retrying(fn: Callable[[], T], what: str, url: str, attempts: int = 8) -> T:
    """fn() retried on transient errors with bounded exponential backoff (≤ ~6 s in all)."""
    for attempt in range(attempts):
        try:
            return fn()
        except (OperationalError, IntegrityError, ProgrammingError) as exc:
            if not _transient(exc) or attempt == attempts - 1:
                raise StoreError(
                    f"store.url: {what} failed on {masked(url)}: {_first_line(exc)}"
                ) from None
            time.sleep(min(0.05 * 2**attempt, 2.0))
    raise AssertionError("unreachable")


def _create_schema(eng: Engine, url: str) -> None:
    """Create tables and record the schema version; safe when many processes start at once."""

    def create() -> None:
        Base.metadata.create_all(eng)
        with Session(eng) as s, s.begin():
            if not s.scalars(select(SchemaInfo.version)).all():
                s.add(SchemaInfo(version=SCHEMA_VERSION))

    retrying(create, "creating the schema", url)
    _check_schema(eng, url)


def _check_schema(eng: Engine, url: str) -> None:
    try:
        with Session(eng) as s:
            found = s.scalars(select(SchemaInfo.version)).all()
    except (OperationalError, ProgrammingError):
        found = []
    if not found:
        raise StoreError(f"store.url: {masked(url)} holds no countysim results")
    if max(found) < SCHEMA_VERSION and all(
        v in MIGRATIONS for v in range(max(found), SCHEMA_VERSION)
    ):
        retrying(lambda: _migrate(eng), "migrating the schema", url)
        return
    if max(found) != SCHEMA_VERSION:
        raise StoreError(
            f"store.url: database schema version {max(found)}, this countysim writes "
            f"version {SCHEMA_VERSION}; use a new store.url (or migrate the old file)"
        )


def _migrate(eng: Engine) -> None:
    """Bring an older database to SCHEMA_VERSION in one transaction (the version is read
    again under the write lock, so processes opening it at once migrate it once)."""
    with Session(eng) as s, s.begin():
        rows = s.scalars(select(SchemaInfo).with_for_update()).all()
        version = max(r.version for r in rows)
        for v in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[v]:
                s.execute(text(statement))
        for r in rows:
            s.delete(r)
        s.flush()
        s.add(SchemaInfo(version=SCHEMA_VERSION))

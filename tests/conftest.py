"""Test session: a real PostgreSQL (the local cloud's own code, same migrations as prod) and a moto
server on loopback. Nothing reaches beyond 127.0.0.1."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]
# Child processes the tests start (the local cloud, a process killed mid-invoice) import the same code.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT / "layers" / "shared"), str(ROOT), os.environ.get("PYTHONPATH", "")]
)

# Settings every test sees unless it builds its own; set before any app module is imported.
os.environ.setdefault("ENV", "test")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_REGION", "ap-southeast-5")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-5")
os.environ.setdefault("FERNET_KEY", "0bkZ8d0wq6N2m6kq3o3mBvYc8Hq9u1Xq2G6n4m2xY1Q=")

# One database per test session, so two sessions on one machine never drop each other's data.
TEST_DATABASE = f"creditpilot_test_{os.getpid()}"

# Property tests check behaviour, never speed: no per-example deadline (a loaded CI machine is slow,
# not wrong), and a fixed example budget so a run's length does not vary.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("creditpilot", deadline=None, max_examples=100)
_hypothesis_settings.load_profile("creditpilot")


@pytest.fixture(scope="session")
def pg_cluster():
    from local import pg

    cluster = pg.cluster("pg-test", durable=False)
    started = not (cluster.initialised() and cluster.running())
    cluster.start()
    yield cluster
    if started:
        cluster.stop()


@pytest.fixture(scope="session")
def database_url(pg_cluster) -> str:
    from creditpilot.platform.config import DatabaseSettings
    from creditpilot.platform.db import Database, connect_params
    from creditpilot.platform.migrate import apply_migrations

    pg_cluster.recreate_database(TEST_DATABASE)
    url = pg_cluster.url(TEST_DATABASE)
    db = Database(lambda: connect_params(DatabaseSettings(url=url)), size=2)
    apply_migrations(db)
    db.close()
    os.environ["DATABASE_URL"] = url
    yield url
    pg_cluster.psql("postgres", f'DROP DATABASE IF EXISTS "{TEST_DATABASE}" WITH (FORCE)')


@pytest.fixture(scope="session")
def session_db(database_url):
    from creditpilot.platform.config import DatabaseSettings
    from creditpilot.platform.db import Database

    db = Database.from_settings(DatabaseSettings(url=database_url, pool_size=40))
    yield db
    db.close()


@pytest.fixture
def db(session_db):
    """A migrated database, emptied after each test (cheaper than recreating it)."""
    from tests.support.database import empty_app_tables

    yield session_db
    empty_app_tables(session_db)


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    from local.pg import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    yield endpoint
    server.stop()


@pytest.fixture
def app_env(database_url, moto_endpoint, monkeypatch):
    """The process environment the functions read, with caches reset around the test."""
    from creditpilot.platform import config, runtime

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    config.reset_settings_cache()
    runtime.reset()
    yield monkeypatch
    config.reset_settings_cache()
    runtime.reset()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (the system's; no browser is ever downloaded)."""
    import shutil

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not shutil.which(CHROMIUM):
        pytest.skip("no system Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()

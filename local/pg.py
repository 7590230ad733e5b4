"""A private PostgreSQL cluster for the local cloud and the test session.

Uses the machine's PostgreSQL server binaries (`pg_config --bindir`, or /usr/lib/postgresql/*/bin) through
`initdb`/`pg_ctl`; when the process runs as root, those run as the `postgres` user, since initdb refuses root.
With no system binaries it falls back to the `pgserver` wheel (`pip install pgserver`), which ships them.

Listens on 127.0.0.1 only, with trust auth for the local `postgres` role (loopback, private data dir).
"""

from __future__ import annotations

import getpass
import glob
import hashlib
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class PostgresError(RuntimeError):
    pass


def _find_bindir() -> Path | None:
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    try:
        import pgserver  # type: ignore[import-not-found]

        return Path(pgserver.__file__).parent / "pginstall" / "bin"
    except ImportError:
        return None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _as_postgres(cmd: list[str]) -> list[str]:
    if not _is_root():
        return cmd
    runner = shutil.which("runuser")
    if runner:
        return [runner, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(map(_quote, cmd))]


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def _postgres_can_use(path: Path) -> bool:
    """Can the postgres user reach `path`? (A mktemp clone is mode 700 and root-owned: it cannot.)"""
    probe = path if path.exists() else path.parent
    while not probe.exists():
        probe = probe.parent
    # Root creates the data dir and hands it over, so postgres only needs to traverse the ancestors.
    result = subprocess.run(_as_postgres(["test", "-x", str(probe)]), check=False)
    return result.returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    datadir: Path
    port: int
    bindir: Path
    durable: bool = True

    @property
    def user(self) -> str:
        return "postgres" if _is_root() else getpass.getuser()

    def url(self, database: str = "creditpilot") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = _as_postgres([str(self.bindir / args[0]), *args[1:]])
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise PostgresError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def init(self) -> None:
        if self.initialised():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(self.datadir, "postgres", "postgres")
        self.datadir.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C",
            "--no-instructions",
        )
        conf = self.datadir / "postgresql.conf"
        # Loopback only, socket in the data dir. The test cluster trades durability for speed (its data
        # is recreated every session); the `make run` cluster keeps every committed transaction.
        durability = (
            "fsync = on\nsynchronous_commit = on\n"
            if self.durable
            else "fsync = off\nsynchronous_commit = off\n"
        )
        extra = (
            "\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.datadir}'\n"
            "max_connections = 200\nshared_buffers = 128MB\n"
            + durability
            + "log_min_messages = warning\nlogging_collector = off\n"
        )
        _append(conf, extra)

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.datadir), check=False).returncode == 0

    def start(self, timeout: float = 30) -> None:
        self.init()
        if self.running():
            return
        log = self.datadir / "server.log"
        self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.datadir),
            "-l",
            str(log),
            "-w",
            "-t",
            str(int(timeout)),
            "-o",
            f"-p {self.port}",
        )

    def stop(self) -> None:
        if self.initialised() and self.running():
            self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "fast", "-w", check=False)

    def ensure_database(self, name: str) -> None:
        exists = self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()
        if exists != "1":
            self.psql("postgres", f'CREATE DATABASE "{name}"')

    def recreate_database(self, name: str) -> None:
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql("postgres", f'CREATE DATABASE "{name}"')

    def psql(self, database: str, sql: str) -> str:
        result = self._run(
            "psql",
            "-X",
            "-q",
            "-t",
            "-A",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.user,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        )
        return result.stdout


def _append(path: Path, text: str) -> None:
    # The file belongs to postgres; root may still append to it.
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def _has_c_utf8() -> bool:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.lower()
    return "c.utf8" in out or "c.utf-8" in out


def cluster_dir(name: str) -> Path:
    """`.local/<name>` in the project, or (root, in a dir postgres cannot reach) a private dir under
    /var/tmp linked from there, so a CI clone in a mode-700 temp dir still works."""
    wanted = ROOT / ".local" / name
    if wanted.is_symlink():
        return wanted.resolve()
    if not _is_root() or _postgres_can_use(wanted):
        return wanted
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    target = Path("/var/tmp/creditpilot-pg") / digest / name
    target.parent.mkdir(parents=True, exist_ok=True)
    Path("/var/tmp/creditpilot-pg").chmod(0o755)
    target.parent.chmod(0o755)
    wanted.parent.mkdir(parents=True, exist_ok=True)
    if not wanted.exists():
        wanted.symlink_to(target, target_is_directory=True)
    return target


def port_file(datadir: Path) -> Path:
    return datadir.parent / f"{datadir.name}.port"


def cluster(name: str = "pg", port: int | None = None, *, durable: bool = True) -> Cluster:
    """The named cluster; its port is chosen once and remembered beside the data dir."""
    bindir = _find_bindir()
    if bindir is None:
        raise PostgresError(
            "no PostgreSQL server binaries found: install the Debian package postgresql (or `pip install pgserver`)"
        )
    datadir = cluster_dir(name)
    remembered = port_file(datadir)
    if port is None:
        if remembered.exists():
            port = int(remembered.read_text().strip())
        else:
            port = int(os.environ.get("PG_PORT", "0")) or free_port()
    remembered.parent.mkdir(parents=True, exist_ok=True)
    remembered.write_text(str(port))
    return Cluster(datadir=datadir, port=port, bindir=bindir, durable=durable)

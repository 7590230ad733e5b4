"""`make run`: the whole stack on one machine, no AWS account, no Docker.

    python -m local.cloud run [--port 3000]     start everything, Ctrl-C stops everything it started
    python -m local.cloud invoke NAME [--event events/x.json]   run one function once

Order: private PostgreSQL (.local/pg) -> moto server -> the template's buckets/queues/user pool ->
migrations -> demo data and demo user -> API Gateway emulation, schedules and queue polling.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

from local import aws, pg  # noqa: E402
from local.functions import FunctionLoader, Template  # noqa: E402
from local.gateway import Gateway, make_server  # noqa: E402

STATE = ROOT / ".local"
DEMO_EMAIL = "demo@creditpilot.local"
DEFAULT_PASSWORD = "CreditPilot-demo1"


def local_secrets() -> dict[str, str]:
    """Generated once per checkout and kept, so data encrypted yesterday still decrypts today."""
    path = STATE / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    values = {"FERNET_KEY": Fernet.generate_key().decode(), "LOANS_REFRESH_KEY": secrets.token_urlsafe(24)}
    STATE.mkdir(exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


class LocalCloud:
    def __init__(
        self,
        port: int,
        *,
        pg_name: str = "pg",
        database: str = "creditpilot",
        seed: bool = True,
        quiet: bool = False,
    ):
        self.port = port
        self.pg_name = pg_name
        self.database = database
        self.seed = seed
        self.quiet = quiet
        self.cluster: pg.Cluster | None = None
        self.started_pg = False
        self.moto = None
        self.server = None
        self.threads: list = []

    def start(self) -> dict[str, str]:
        STATE.mkdir(exist_ok=True)
        self.cluster = pg.cluster(self.pg_name)
        self.started_pg = not (self.cluster.initialised() and self.cluster.running())
        self.cluster.start()
        self.cluster.ensure_database(self.database)

        moto_port = pg.free_port()
        self.moto = aws.start_moto(moto_port, STATE / "moto.log")
        endpoint = f"http://127.0.0.1:{moto_port}"
        template = Template()
        provisioned = aws.provision(template, endpoint)
        pool_id = next(
            v
            for k, v in provisioned.physical.items()
            if template.resources[k]["Type"] == "AWS::Cognito::UserPool"
        )
        overrides = {
            **aws.aws_environment(endpoint),
            **local_secrets(),
            "ENV": "local",
            "DATABASE_URL": self.cluster.url(self.database),
            "COGNITO_JWKS_URL": f"{endpoint}/{{pool_id}}/.well-known/jwks.json",
            "CORS_ALLOW": f"http://127.0.0.1:{self.port},http://localhost:{self.port}",
            "OCR_PROVIDER": os.environ.get("OCR_PROVIDER", "demo"),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            "DB_SSL": "disable",
        }
        env = aws.resolve_environment(template, provisioned, overrides)
        for aws_only in ("DB_HOST", "DB_SECRET_ARN", "APP_SECRET_ARN"):
            env.pop(aws_only, None)
        os.environ.update(env)

        from creditpilot.platform import config, runtime
        from creditpilot.platform.migrate import apply_migrations

        config.reset_settings_cache()
        runtime.reset()
        apply_migrations(runtime.database())
        password = os.environ.get("DEV_PASSWORD") or DEFAULT_PASSWORD
        if self.seed:
            from creditpilot.ops.seed import seed_demo_data

            seed_demo_data(runtime.database())
            aws.ensure_user(endpoint, pool_id, DEMO_EMAIL, password, ["admin"])

        loader = FunctionLoader(template.functions())
        gateway = Gateway(template, loader)
        self.server = make_server(gateway, "127.0.0.1", self.port, quiet=self.quiet)
        serve = threading.Thread(target=self.server.serve_forever, daemon=True, name="gateway")
        serve.start()

        from local.triggers import QueuePoller, Scheduler

        scheduler = Scheduler(loader, template.schedules())
        scheduler.start()
        import boto3

        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=aws.REGION)
        poller = QueuePoller(loader, template.queue_triggers(), provisioned.physical, provisioned.arns, sqs)
        poller.start()
        self.threads = [scheduler, poller]
        info = {
            "url": f"http://127.0.0.1:{self.port}",
            "email": DEMO_EMAIL,
            "password": password,
            "database_url": self.cluster.url(self.database),
            "aws_endpoint_url": endpoint,
        }
        (STATE / "run.json").write_text(
            json.dumps({k: v for k, v in info.items() if k != "password"}, indent=2)
        )
        return info

    def stop(self) -> None:
        for thread in self.threads:
            thread.stop_event.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        if self.moto and self.moto.poll() is None:
            self.moto.terminate()
            try:
                self.moto.wait(10)
            except Exception:  # noqa: BLE001 - a moto that will not stop is killed
                self.moto.kill()
        with contextlib.suppress(Exception):  # closing pooled connections is best-effort at exit
            from creditpilot.platform import runtime

            runtime.reset()
        if self.cluster and self.started_pg:
            self.cluster.stop()


def run(port: int) -> None:
    # A separate cluster name lets the end-to-end test run beside a developer's own `make run` data.
    cloud = LocalCloud(port, pg_name=os.environ.get("CREDITPILOT_LOCAL_PG", "pg"))
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        info = cloud.start()
        print(
            "\nCreditPilot is running.\n"
            f"  Portal:   {info['url']}/login\n"
            f"  Health:   {info['url']}/health\n"
            f"  Login:    {info['email']} / {info['password']}\n"
            f"  Database: {info['database_url']}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        stopping.wait()
    finally:
        print("stopping...", file=sys.stderr)
        cloud.stop()


def invoke(name: str, event_path: str | None) -> None:
    """Run one function once, with the local cloud's database and a fresh moto (no HTTP server)."""
    from local.triggers import load_event

    cloud = LocalCloud(
        pg.free_port(), pg_name=os.environ.get("CREDITPILOT_LOCAL_PG", "pg"), seed=False, quiet=True
    )
    try:
        cloud.start()
        loader = FunctionLoader(Template().functions())
        spec = loader.by_short_name(name)
        result = loader.invoke(spec.logical_id, load_event(event_path))
        print(json.dumps(result, indent=2, default=str))
    finally:
        cloud.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.cloud")
    sub = parser.add_subparsers(dest="command", required=True)
    run_cmd = sub.add_parser("run")
    run_cmd.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    invoke_cmd = sub.add_parser("invoke")
    invoke_cmd.add_argument("name")
    invoke_cmd.add_argument("--event")
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.port)
    else:
        invoke(args.name, args.event)


if __name__ == "__main__":
    main()

"""The services a benchmark run needs: PostgreSQL with a fresh migrated database, and moto with buckets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from local import aws, pg


@dataclass
class BenchEnvironment:
    quick: bool = False
    database_url: str = ""
    aws_endpoint: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> BenchEnvironment:
        from cryptography.fernet import Fernet

        # Durable like the `make run` cluster: throughput is measured with every commit on disk.
        self._cluster = pg.cluster("pg-bench-durable")
        self._started_pg = not (self._cluster.initialised() and self._cluster.running())
        self._cluster.start()
        self._cluster.recreate_database("creditpilot_bench")
        self.database_url = self._cluster.url("creditpilot_bench")
        port = pg.free_port()
        self._moto = aws.start_moto(port)
        self.aws_endpoint = f"http://127.0.0.1:{port}"
        self.env = {
            **aws.aws_environment(self.aws_endpoint),
            "ENV": "local",
            "DATABASE_URL": self.database_url,
            "FERNET_KEY": Fernet.generate_key().decode(),
            "INVOICES_BUCKET": "bench-invoices",
            "SNAPSHOTS_BUCKET": "bench-exports",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",  # as template.yaml sets for every function
        }
        os.environ.update(self.env)
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.aws_endpoint, region_name=aws.REGION)
        for bucket in ("bench-invoices", "bench-exports"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.REGION})
        from creditpilot.platform import config, runtime
        from creditpilot.platform.migrate import apply_migrations

        config.reset_settings_cache()
        runtime.reset()
        apply_migrations(runtime.database())
        return self

    def reset_database(self) -> None:
        from creditpilot.platform import runtime
        from tests.support.database import empty_app_tables

        empty_app_tables(runtime.database())

    def __exit__(self, *exc) -> None:
        from creditpilot.platform import runtime

        runtime.reset()
        self._moto.terminate()
        self._moto.wait(10)
        if self._started_pg:
            self._cluster.stop()

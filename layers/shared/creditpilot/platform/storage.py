"""S3 adapter: put/get objects, presigned download URLs, and a streaming multipart writer.

Low-level failures become `StorageUnavailableError`; a missing object becomes `None` / `ObjectMissing`.
The client is created lazily (boto3 import is the largest part of a cold start).
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from typing import Any

from creditpilot.platform.config import StorageSettings
from creditpilot.platform.errors import StorageUnavailableError
from creditpilot.platform.files import content_disposition

MULTIPART_PART_SIZE = 8 * 1024 * 1024  # S3's minimum is 5 MiB for every part but the last


class ObjectMissing(LookupError):
    pass


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    size: int
    etag: str


class ObjectStore:
    def __init__(self, settings: StorageSettings, client: Any = None):
        self.settings = settings
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                self._client = boto3.client(
                    "s3",
                    region_name=self.settings.region,
                    endpoint_url=self.settings.endpoint_url,
                    config=Config(
                        retries={"max_attempts": 3, "mode": "standard"},
                        connect_timeout=3,
                        read_timeout=10,
                        signature_version="s3v4",
                    ),
                )
            return self._client

    def _fail(self, action: str, exc: Exception) -> StorageUnavailableError:
        return StorageUnavailableError(f"storage unavailable ({action})")

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None
    ) -> StoredObject:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=metadata or {}
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("put", exc) from exc
        return StoredObject(bucket, key, len(data), str(answer.get("ETag", "")).strip('"'))

    def get_bytes(self, bucket: str, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise ObjectMissing(key) from exc
            raise self._fail("get", exc) from exc
        except BotoCoreError as exc:
            raise self._fail("get", exc) from exc

    def size_of(self, bucket: str, key: str) -> int | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return int(self.client.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise self._fail("head", exc) from exc
        except BotoCoreError as exc:
            raise self._fail("head", exc) from exc

    def presigned_get(
        self, bucket: str, key: str, *, filename: str | None = None, expires: int = 900, inline: bool = False
    ) -> str:
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename, inline=inline)
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def multipart_writer(self, bucket: str, key: str, content_type: str) -> MultipartWriter:
        return MultipartWriter(self, bucket, key, content_type)


class MultipartWriter(io.RawIOBase):
    """A write-only, non-seekable file that uploads itself in parts: memory stays at one part.

    Use as a context manager: a clean exit completes the upload, an exception aborts it (S3 keeps
    nothing of an aborted upload, so a failed archive leaves no half-written object)."""

    def __init__(
        self,
        store: ObjectStore,
        bucket: str,
        key: str,
        content_type: str,
        part_size: int = MULTIPART_PART_SIZE,
    ):
        super().__init__()
        self.store, self.bucket, self.key, self.part_size = store, bucket, key, part_size
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self._content_type = content_type
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        from botocore.exceptions import BotoCoreError, ClientError

        self._buffer += data
        self.size += len(data)
        try:
            while len(self._buffer) >= self.part_size:
                self._upload_part(bytes(self._buffer[: self.part_size]))
                del self._buffer[: self.part_size]
        except (BotoCoreError, ClientError) as exc:
            self.abort()
            raise StorageUnavailableError("storage unavailable (upload)") from exc
        return len(data)

    def _start(self) -> None:
        if self._upload_id is None:
            answer = self.store.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self._content_type
            )
            self._upload_id = answer["UploadId"]

    def _upload_part(self, chunk: bytes) -> None:
        self._start()
        number = len(self._parts) + 1
        answer = self.store.client.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=chunk
        )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})

    def complete(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self._upload_id is None:  # small enough for one plain PUT
                self.store.client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer), ContentType=self._content_type
                )
                return
            if self._buffer:
                self._upload_part(bytes(self._buffer))
                self._buffer.clear()
            self.store.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        except (BotoCoreError, ClientError) as exc:
            self.abort()
            raise StorageUnavailableError("storage unavailable (upload)") from exc

    def abort(self) -> None:
        if self._upload_id is not None:
            # Lifecycle rules clean up uploads that could not be aborted.
            with contextlib.suppress(Exception):
                self.store.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self._upload_id
                )
            self._upload_id = None

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.complete()
        else:
            self.abort()
        return False

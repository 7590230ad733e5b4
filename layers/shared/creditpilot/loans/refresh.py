"""Rate feeds: where they are configured, how they are fetched, and what a refresh reports.

A feed is one `LOANS_FEEDS` entry, `[loan=|savings=]URL`; without a prefix it is a loan feed. The format
comes from the URL path's extension (`.json` or `.csv`). URLs are `s3://bucket/key` (read through the
`ObjectStore`) or `https://...` (urllib, 10 s for the whole download, at most 5 MB, https redirects only);
plain `http://` is accepted only when ENV is local or test, where tests serve feeds from loopback.

Everything here is about reading a feed; applying its rows to the database is `catalogue.refresh_rates`.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from creditpilot.loans.feeds import MAX_FEED_BYTES, FeedError, FeedFormat, RowError
from creditpilot.platform.errors import ForbiddenError, UnauthorizedError
from creditpilot.platform.storage import ObjectMissing, ObjectStore

FeedKind = Literal["loan", "savings"]
Status = Literal["applied", "partial", "failed", "unchanged"]

FETCH_TIMEOUT_SECONDS = 10.0
MAX_REPORTED_ERRORS = 100  # a 5,000-row feed with every row wrong must not become a 5 MB report
REFRESH_KEY_HEADER = "X-Refresh-Key"
_CHUNK = 64 * 1024
_KIND_PREFIXES: dict[str, FeedKind] = {"loan=": "loan", "loans=": "loan", "savings=": "savings"}


class FeedUnavailable(Exception):
    """The feed could not be fetched (unreachable, missing, refused, too big or too slow)."""


@dataclass(frozen=True)
class FeedSource:
    kind: FeedKind
    url: str
    fmt: FeedFormat

    @property
    def label(self) -> str:
        """What reports and `source` columns show: the URL without credentials or query string
        (a presigned or tokenised URL must not leak into logs), at most 120 characters."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
        return shown if len(shown) <= 120 else shown[:117] + "..."


@dataclass(frozen=True)
class SourceReport:
    source: str
    kind: FeedKind
    status: Status
    applied: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        listed = self.errors[:MAX_REPORTED_ERRORS]
        return {
            "source": self.source,
            "kind": self.kind,
            "status": self.status,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [{"row": e.row or None, "field": e.field, "message": e.message} for e in listed],
        }


def whole_feed_error(message: str) -> RowError:
    """An error about the document, not a row (row 0 is shown as `"row": null`)."""
    return RowError(0, None, message)


def _split_kind(entry: str) -> tuple[FeedKind, str]:
    text = entry.strip()
    for prefix, kind in _KIND_PREFIXES.items():
        if text.lower().startswith(prefix):
            return kind, text[len(prefix) :].strip()
    return "loan", text


def parse_source(entry: str) -> FeedSource:
    """One configured entry; raises FeedError naming what is wrong with it."""
    kind, text = _split_kind(entry)
    parts = urlsplit(text)
    if parts.scheme not in ("s3", "https", "http") or not parts.netloc:
        raise FeedError("a feed must be an s3://bucket/key or https:// URL")
    if parts.scheme == "s3" and not parts.path.strip("/"):
        raise FeedError("an s3:// feed needs an object key after the bucket")
    extension = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path.rsplit("/", 1)[-1] else ""
    if extension not in ("json", "csv"):
        raise FeedError("a feed's path must end in .json or .csv")
    return FeedSource(kind=kind, url=text, fmt="json" if extension == "json" else "csv")


def configured_sources(entries: Iterable[str]) -> list[FeedSource | SourceReport]:
    """Each entry as a source, or (when it cannot be one) as a failed report, in the configured order."""
    out: list[FeedSource | SourceReport] = []
    for entry in entries:
        try:
            out.append(parse_source(entry))
        except FeedError as exc:
            kind, url = _split_kind(entry)
            label = FeedSource(kind, url, "json").label
            out.append(SourceReport(label, kind, "failed", errors=[whole_feed_error(str(exc))]))
    return out


def fetch_feed(
    source: FeedSource,
    *,
    store: ObjectStore | None,
    allow_plain_http: bool,
    timeout: float = FETCH_TIMEOUT_SECONDS,
    max_bytes: int = MAX_FEED_BYTES,
) -> bytes:
    parts = urlsplit(source.url)
    if parts.scheme == "s3":
        return _fetch_s3(store, parts.netloc, parts.path.lstrip("/"), max_bytes)
    if parts.scheme == "http" and not allow_plain_http:
        raise FeedUnavailable("plain http:// feeds are refused outside local and test; use https://")
    return _fetch_http(source.url, allow_plain_http=allow_plain_http, timeout=timeout, max_bytes=max_bytes)


def _too_big(max_bytes: int) -> FeedUnavailable:
    return FeedUnavailable(f"feed is larger than {max_bytes // (1024 * 1024)} MB")


def _fetch_s3(store: ObjectStore | None, bucket: str, key: str, max_bytes: int) -> bytes:
    from creditpilot.platform.errors import StorageUnavailableError

    if store is None:
        raise FeedUnavailable("no object storage is configured for s3:// feeds")
    try:
        size = store.size_of(bucket, key)
        if size is None:
            raise FeedUnavailable("feed object not found in S3")
        if size > max_bytes:
            raise _too_big(max_bytes)
        data = store.get_bytes(bucket, key)
    except ObjectMissing as exc:
        raise FeedUnavailable("feed object not found in S3") from exc
    except StorageUnavailableError as exc:
        raise FeedUnavailable("S3 could not be reached or refused the request") from exc
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data


def _fetch_http(url: str, *, allow_plain_http: bool, timeout: float, max_bytes: int) -> bytes:
    # Imported here: only the refresh needs urllib's HTTP stack, and the pages' cold start should not pay.
    import urllib.error
    import urllib.request
    from http.client import HTTPException

    allowed = ("https", "http") if allow_plain_http else ("https",)

    class SafeRedirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects only to https (or to http where plain http is allowed): no silent downgrade."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            if urlsplit(newurl).scheme not in allowed:
                raise FeedUnavailable("feed redirected to a URL that is not https")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(SafeRedirects())
    headers = {"User-Agent": "CreditPilot-rates-refresh/1", "Accept": "application/json, text/csv, */*"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - https, or http in local/test only
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _too_big(max_bytes)
            chunks: list[bytes] = []
            received = 0
            while True:
                # The socket timeout bounds each read; the deadline bounds a server that drips bytes.
                if time.monotonic() > deadline:
                    raise FeedUnavailable(f"feed took longer than {timeout:g} s to download")
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    raise _too_big(max_bytes)
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        raise FeedUnavailable(f"feed server answered HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise FeedUnavailable(f"feed server could not be reached ({_reason(exc.reason)})") from exc
    except TimeoutError as exc:
        raise FeedUnavailable(f"feed server did not answer within {timeout:g} s") from exc
    except (OSError, HTTPException, ValueError) as exc:
        raise FeedUnavailable(f"feed download failed ({type(exc).__name__})") from exc
    return b"".join(chunks)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)[:200]


def authorise_refresh(configured: str | None, presented: str | None) -> None:
    """The manual refresh hook: disabled (403) while LOANS_REFRESH_KEY is unset; otherwise the header
    must equal it, compared in constant time (401 when missing or wrong)."""
    if not configured:
        raise ForbiddenError(
            "rate refresh is disabled: LOANS_REFRESH_KEY is not set", code="refresh_disabled"
        )
    expected = configured.encode("utf-8")
    given = (presented or "").encode("utf-8")
    if not presented or not hmac.compare_digest(expected, given):
        raise UnauthorizedError(
            f"missing or wrong {REFRESH_KEY_HEADER} header", fields={REFRESH_KEY_HEADER: "missing or wrong"}
        )

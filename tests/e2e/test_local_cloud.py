"""`make run`'s stack, started as a user would, driven over real HTTP on loopback."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from local import pg

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def call(url, *, data=None, token=None, cookie=None, method=None):
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(
        url, data=json.dumps(data).encode() if data is not None else None, headers=headers, method=method
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def start_stack(*, fresh: bool) -> dict:
    """`python -m local.cloud run` as `make run` starts it; `fresh` wipes its cluster first, so the stack
    must come up from nothing, as on a new machine."""
    if fresh:
        cluster = pg.cluster("pg-e2e")
        cluster.stop()
        shutil.rmtree(cluster.datadir, ignore_errors=True)
    port = pg.free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CREDITPILOT_LOCAL_PG": "pg-e2e",
        "DEV_PASSWORD": "E2e-Password-42",
    }
    for name in ("DATABASE_URL", "AWS_ENDPOINT_URL", "ENV"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.cloud", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def drain() -> None:  # keep reading, or a full pipe would stall the stack's request log
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C to stop" in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    started = time.monotonic()
    deadline = started + 90  # the bound for `make run` to serve a healthy /health
    while not ready.wait(0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("local cloud did not come up within 90 s:\n" + "".join(lines))
    return {
        "base": f"http://127.0.0.1:{port}",
        "proc": proc,
        "banner": "".join(lines),
        "startup_seconds": time.monotonic() - started,
    }


def stop_stack(stack: dict) -> int:
    proc = stack["proc"]
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    return proc.wait(30)


@pytest.fixture(scope="module")
def stack():
    running = start_stack(fresh=True)
    yield running
    stop_stack(running)


def login(base: str) -> str:
    status, _, body = call(
        f"{base}/auth/login", data={"email": "demo@creditpilot.local", "password": "E2e-Password-42"}
    )
    assert status == 200
    return json.loads(body)["token"]


def test_banner_prints_the_url_and_the_demo_login(stack):
    assert f"{stack['base']}/login" in stack["banner"]
    assert "demo@creditpilot.local / E2e-Password-42" in stack["banner"]


def test_health_is_public_and_healthy_with_the_database_ok(stack):
    status, _, body = call(f"{stack['base']}/health")
    assert status == 200
    assert json.loads(body)["database"] == "ok" and json.loads(body)["status"] == "healthy"


def test_api_routes_need_a_login_and_pages_redirect_to_it(stack):
    status, _, body = call(f"{stack['base']}/stats")
    assert status == 401 and json.loads(body)["error"] == "unauthorized"
    status, headers, _ = call(f"{stack['base']}/")
    assert status == 302 and headers["Location"].startswith("/login")


def test_demo_user_logs_in_and_reads_stats_with_bearer_and_with_cookie(stack):
    status, headers, body = call(
        f"{stack['base']}/auth/login", data={"email": "demo@creditpilot.local", "password": "E2e-Password-42"}
    )
    assert status == 200
    token = json.loads(body)["token"]
    cookie = headers["Set-Cookie"]
    assert (
        "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    )  # plain-HTTP localhost
    status, _, body = call(f"{stack['base']}/stats", token=token)
    stats = json.loads(body)
    assert status == 200 and stats["tables"]["suppliers"] >= 6  # demo data seeded
    status, _, _ = call(f"{stack['base']}/stats", cookie=cookie.split(";")[0])
    assert status == 200


def test_wrong_password_is_401_not_500(stack):
    status, _, body = call(
        f"{stack['base']}/auth/login", data={"email": "demo@creditpilot.local", "password": "wrong-password"}
    )
    assert status == 401 and json.loads(body)["error"] == "invalid_credentials"


@pytest.mark.browser
def test_a_visitor_is_sent_to_login_signs_in_in_chromium_and_lands_on_the_page_asked_for(stack, browser):
    page = browser.new_page()
    try:
        page.goto(f"{stack['base']}/loans/page")
        assert "/login?next=/loans/page" in page.url
        page.fill("#email", "demo@creditpilot.local")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_selector("#message:has-text('invalid email or password')")
        page.fill("#password", "E2e-Password-42")
        page.click("button[type=submit]")
        page.wait_for_url(f"{stack['base']}/loans/page")
        assert page.locator("table").first.is_visible()
        assert "demo@creditpilot.local" in page.content()
        cookie = next(c for c in page.context.cookies() if c["name"] == "session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.click("#logout")
        page.wait_for_url(f"{stack['base']}/login")
        assert not [c for c in page.context.cookies() if c["name"] == "session" and c["value"]]
        page.fill("#email", "demo@creditpilot.local")  # no ?next=: the portal home
        page.fill("#password", "E2e-Password-42")
        page.click("button[type=submit]")
        page.wait_for_url(f"{stack['base']}/")
        assert page.locator("h1").inner_text() == "Welcome, demo@creditpilot.local"
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    "hostile_next", ["/%5Cevil.example", "/%09/evil.example", "//evil.example", "https://evil.example"]
)
def test_sign_in_never_sends_the_user_to_another_site(stack, browser, hostile_next):
    page = browser.new_page()
    try:
        page.route(lambda url: "evil.example" in urlsplit(url).netloc, lambda route: route.abort())
        page.goto(f"{stack['base']}/login?next={hostile_next}")
        page.fill("#email", "demo@creditpilot.local")
        page.fill("#password", "E2e-Password-42")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url, timeout=10_000)  # wherever sign-in sends us
        assert page.url == stack["base"] + "/"
    finally:
        page.close()


def test_an_invoice_issued_over_http_downloads_as_its_pdf(stack):
    token = login(stack["base"])
    url = f"{stack['base']}/invoices/make?layout=service&bill_to_name=DINAS%20RESTAURANT&amount=8.50&lang=en"
    status, headers, body = call(url, token=token)
    assert status == 200 and body.startswith(b"%PDF")
    assert "_DINAS-RESTAURANT.pdf" in headers["Content-Disposition"]


def test_ctrl_c_stops_every_process_it_started(stack):
    proc = stack["proc"]
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert children, "the moto server should be a child of the local cloud"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    assert not pg.cluster("pg-e2e").running()
    for pid in children:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
        )


def test_invoke_runs_one_function_once_with_a_sample_event():
    env = {**os.environ, "CREDITPILOT_LOCAL_PG": "pg-e2e"}
    for name in ("DATABASE_URL", "AWS_ENDPOINT_URL", "ENV"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-m", "creditpilot", "invoke", "health", "--event", "events/health.json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout[out.stdout.index("{") :])
    assert result["statusCode"] == 200 and json.loads(result["body"])["database"] == "ok"
    assert not pg.cluster("pg-e2e").running()  # it stops what it started


def test_a_second_run_keeps_the_data_and_remakes_pdfs_the_old_moto_lost():
    restarted = start_stack(fresh=False)
    try:
        token = login(restarted["base"])
        status, _, body = call(f"{restarted['base']}/invoices?month={time.strftime('%Y-%m')}", token=token)
        invoices = json.loads(body)["invoices"]
        assert status == 200 and [i["bill_to_name"] for i in invoices] == ["DINAS RESTAURANT"]
        number = invoices[0]["number"]
        status, _, body = call(f"{restarted['base']}/invoices/{number}", token=token)
        download = json.loads(body)["download_url"]  # S3 (moto) started empty: the PDF was regenerated
        with urllib.request.urlopen(download, timeout=15) as response:
            assert response.read().startswith(b"%PDF")
    finally:
        assert stop_stack(restarted) == 0

"""Headless Chromium (the system's /usr/bin/chromium; no browser is ever downloaded) and the portal served
on loopback by the local API Gateway emulation, with a signed-in user standing in for Cognito."""

from __future__ import annotations

import threading

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIGNED_IN = {
    "principalId": "browser-user",
    "email": "adviser@example.com",
    "groups": "finance",
    "authenticated": "true",
}


@pytest.fixture
def portal(app_env, db):
    """Base URL of the template's routes, served in-process; the authorizer (Cognito) is replaced by a
    fixed signed-in context, everything after it — event shape, routing, handlers — is the real thing."""
    from local.functions import FunctionLoader, Template
    from local.gateway import Gateway, make_server

    class SignedInGateway(Gateway):
        def authorize(self, event):
            return dict(SIGNED_IN), None

    template = Template()
    server = make_server(
        SignedInGateway(template, FunctionLoader(template.functions())), "127.0.0.1", 0, quiet=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()

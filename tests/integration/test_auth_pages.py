"""The sign-in page and the portal home, through the auth function."""

import pytest

from tests.support.events import api_event, header, invoke, load_function, raw_body_of


@pytest.fixture
def auth(app_env):
    return load_function("auth")


def test_login_page_is_public_html_with_the_form(auth):
    response = invoke(auth, api_event("GET", "/login", groups=None))
    html = raw_body_of(response).decode()
    assert response["statusCode"] == 200 and header(response, "Content-Type").startswith("text/html")
    assert 'id="login"' in html and 'type="password"' in html
    assert "frame-ancestors 'none'" in header(response, "Content-Security-Policy")


def test_home_greets_the_signed_in_user_and_escapes_what_it_prints(auth):
    event = api_event("GET", "/")
    event["requestContext"]["authorizer"]["email"] = "<script>x</script>@example.com"
    response = invoke(auth, event)
    html = raw_body_of(response).decode()
    assert response["statusCode"] == 200
    assert "&lt;script&gt;x&lt;/script&gt;@example.com" in html and "<script>x</script>" not in html
    assert 'href="/loans/page"' in html


def test_home_redirects_a_signed_out_visitor_to_login(auth):
    response = invoke(auth, api_event("GET", "/", groups=None))
    assert response["statusCode"] == 302 and header(response, "Location") == "/login?next=/"


def test_logout_clears_the_session_cookie(auth):
    response = invoke(auth, api_event("POST", "/auth/logout", groups=None))
    cookie = header(response, "Set-Cookie")
    assert response["statusCode"] == 200 and cookie.startswith("session=;") and "Max-Age=0" in cookie

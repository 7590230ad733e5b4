"""Sign-in: POST /auth/login, POST /auth/logout, the GET /login page and the signed-in home page GET /."""

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from creditpilot.platform.cognito import default_login
from creditpilot.platform.config import env_settings
from creditpilot.platform.http import (
    cookie_is_secure,
    create_app,
    html_response,
    json_response,
    page_visitor,
    session_cookie_header,
)
from creditpilot.platform.logging import get_logger
from creditpilot.platform.runtime import record_failure
from creditpilot.web.render import Markup, page, render

logger = get_logger()
app = create_app("auth", record_failure=record_failure)


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=1, max_length=256)


def _secure() -> bool:
    return cookie_is_secure(
        env_settings(), app.current_event.headers.get("host") or app.current_event.headers.get("Host")
    )


@app.post("/auth/login")
def login(body: LoginRequest):
    session = default_login().sign_in(body.email.strip().lower(), body.password)
    cookie = session_cookie_header(session.token, secure=_secure(), max_age=session.expires_in)
    logger.info("signed in", email=body.email)
    return json_response(
        {"ok": True, "token": session.token, "expires_in": session.expires_in}, headers={"Set-Cookie": cookie}
    )


@app.post("/auth/logout")
def logout():
    cookie = session_cookie_header("", secure=_secure(), max_age=0)
    return json_response({"ok": True}, headers={"Set-Cookie": cookie})


@app.get("/login")
def login_page():
    return html_response(page("Sign in", Markup(render("login.html", email=""))))


@app.get("/")
def home():
    user = page_visitor(app)
    body = render("home.html", name=user.email or "there")
    return html_response(page("Home", Markup(body), user=user.email, active="/"))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""The authorizer against real RS256 tokens and a JWKS served over loopback HTTP."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from creditpilot.platform import config
from tests.support.events import Context, load_function

POOL = "ap-southeast-5_TESTPOOL"
CLIENT = "client-123"
ISSUER = f"https://cognito-idp.ap-southeast-5.amazonaws.com/{POOL}"
METHOD_ARN = "arn:aws:execute-api:ap-southeast-5:1:api/live/GET/stats"


def _jwk(private_key, kid):
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="module")
def keys():
    return {
        "good": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "other": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


@pytest.fixture(scope="module")
def jwks_url(keys):
    body = json.dumps({"keys": [_jwk(keys["good"], "good-kid")]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/{{pool_id}}/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture
def authorizer(jwks_url, monkeypatch):
    monkeypatch.setenv("COGNITO_USER_POOL_ID", POOL)
    monkeypatch.setenv("COGNITO_CLIENT_ID", CLIENT)
    monkeypatch.setenv("COGNITO_JWKS_URL", jwks_url)
    monkeypatch.setenv("AWS_REGION", "ap-southeast-5")
    config.reset_settings_cache()
    module = load_function("authorizer")
    yield module
    config.reset_settings_cache()


def token(key, *, kid="good-kid", token_use="id", audience=CLIENT, issuer=ISSUER, expires_in=3600, **extra):
    now = int(time.time())
    claims = {
        "sub": "user-1",
        "iss": issuer,
        "token_use": token_use,
        "iat": now,
        "exp": now + expires_in,
        "email": "demo@creditpilot.local",
        "cognito:groups": ["admin", "unknown-group"],
        **extra,
    }
    claims["aud" if token_use == "id" else "client_id"] = audience
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def request(headers, method="GET", resource="/stats"):
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "resource": resource,
        "path": resource,
        "httpMethod": method,
        "headers": headers,
    }


def run(module, event):
    return module.lambda_handler(event, Context("authorizer"))


def test_good_id_token_in_bearer_header_is_allowed_with_user_and_groups(authorizer, keys):
    answer = run(authorizer, request({"Authorization": f"Bearer {token(keys['good'])}"}))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["email"] == "demo@creditpilot.local"
    assert answer["context"]["groups"] == "admin"  # unknown groups are not passed on
    assert answer["principalId"] == "user-1"


def test_good_token_in_session_cookie_is_allowed(authorizer, keys):
    answer = run(authorizer, request({"cookie": f"theme=dark; session={token(keys['good'])}"}))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_access_token_with_our_client_id_is_allowed(authorizer, keys):
    answer = run(authorizer, request({"Authorization": f"Bearer {token(keys['good'], token_use='access')}"}))
    assert answer["context"]["authenticated"] == "true"


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong_signature",
        "wrong_audience",
        "wrong_issuer",
        "unknown_kid",
        "garbage",
        "missing",
        "refresh_use",
    ],
)
def test_invalid_tokens_get_401_on_api_routes(authorizer, keys, case):
    bad = {
        "expired": lambda: token(keys["good"], expires_in=-3600),
        "wrong_signature": lambda: token(keys["other"]),
        "wrong_audience": lambda: token(keys["good"], audience="someone-else"),
        "wrong_issuer": lambda: token(keys["good"], issuer="https://evil.example/pool"),
        "unknown_kid": lambda: token(keys["good"], kid="nope"),
        "garbage": lambda: "not.a.jwt",
        "missing": lambda: None,
        "refresh_use": lambda: token(keys["good"], token_use="refresh"),
    }[case]()
    headers = {"Authorization": f"Bearer {bad}"} if bad else {}
    with pytest.raises(Exception, match="^Unauthorized$"):
        run(authorizer, request(headers))


def test_pages_without_login_pass_as_anonymous_so_they_can_redirect(authorizer):
    answer = run(authorizer, request({}, resource="/loans/page"))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["authenticated"] == "false"


def test_expired_token_on_a_page_is_anonymous_not_signed_in(authorizer, keys):
    answer = run(
        authorizer,
        request({"cookie": f"session={token(keys['good'], expires_in=-60)}"}, resource="/loans/page"),
    )
    assert answer["context"]["authenticated"] == "false"

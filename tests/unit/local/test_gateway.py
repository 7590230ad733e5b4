"""The API Gateway emulation: routes from the template, REST-proxy events, binary bodies, gateway errors."""

import base64
import json

import pytest

from local.functions import FunctionLoader, Template
from local.gateway import Gateway


class Recorder:
    """Stands in for the function loader so the gateway's own behaviour is what is tested."""

    def __init__(self, authorizer_answer=None):
        self.events = []
        self.authorizer_answer = authorizer_answer

    def invoke(self, logical_id, event):
        if event.get("type") == "REQUEST":
            if self.authorizer_answer is None:
                raise Exception("Unauthorized")
            return self.authorizer_answer
        self.events.append((logical_id, event))
        return {
            "statusCode": 200,
            "isBase64Encoded": True,
            "body": base64.b64encode(b"%PDF-1.7").decode(),
            "multiValueHeaders": {"Content-Type": ["application/pdf"], "Set-Cookie": ["a=1", "b=2"]},
        }


@pytest.fixture(scope="module")
def template():
    return Template()


def allow(context):
    return {"principalId": "u", "policyDocument": {"Statement": [{"Effect": "Allow"}]}, "context": context}


def test_every_template_route_is_served_and_literal_paths_win(template):
    gateway = Gateway(template, Recorder(allow({"authenticated": "true"})))
    paths = {(r.method, r.path) for r in gateway.routes}
    assert ("GET", "/health") in paths and ("GET", "/invoices/{number}") in paths
    route, params = gateway.find("GET", "/invoices/archive.zip")
    assert route.path == "/invoices/archive.zip" and params == {}
    route, params = gateway.find("GET", "/invoices/INV-2026-0001")
    assert route.path == "/invoices/{number}" and params == {"number": "INV-2026-0001"}


def test_request_becomes_a_rest_proxy_event_with_base64_body_and_authorizer_context(template):
    loader = Recorder(allow({"authenticated": "true", "email": "a@b.my"}))
    gateway = Gateway(template, loader)
    status, headers, body = gateway.handle(
        "POST", "/invoices?x=1&x=2", {"Content-Type": ["application/json"]}, b'{"a": 1}'
    )
    logical_id, event = loader.events[-1]
    assert logical_id == "InvoicesFunction" and event["resource"] == "/invoices"
    assert event["isBase64Encoded"] and json.loads(base64.b64decode(event["body"])) == {"a": 1}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["requestContext"]["authorizer"]["email"] == "a@b.my"
    assert status == 200 and body == b"%PDF-1.7" and headers["Set-Cookie"] == ["a=1", "b=2"]


def test_public_routes_skip_the_authorizer_and_others_get_401_without_a_token(template):
    gateway = Gateway(template, Recorder(authorizer_answer=None))
    assert gateway.handle("GET", "/health", {}, b"")[0] == 200
    status, _, body = gateway.handle("GET", "/stats", {}, b"")
    assert status == 401 and json.loads(body)["error"] == "unauthorized"


def test_unknown_paths_and_methods_are_404_as_in_api_gateway_and_huge_bodies_413(template):
    gateway = Gateway(template, Recorder(allow({"authenticated": "true"})))
    assert gateway.handle("GET", "/nope", {}, b"")[0] == 404
    assert gateway.handle("DELETE", "/health", {}, b"")[0] == 404
    assert gateway.handle("POST", "/invoices", {}, b"x" * (10 * 1024 * 1024 + 1))[0] == 413


def test_each_function_is_imported_under_its_own_module_name(template):
    specs = template.functions()
    names = {spec.module_name for spec in specs.values()}
    assert len(names) == len(specs) and "fn_health" in names
    loader = FunctionLoader(specs)
    assert loader.by_short_name("health").logical_id == "HealthFunction"

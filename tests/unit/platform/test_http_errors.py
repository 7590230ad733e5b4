"""The one error mapping: every failure a client can cause is a 4xx naming the field, never a traceback."""

from pydantic import BaseModel, Field

from creditpilot.platform.config import settings_from
from creditpilot.platform.errors import ConflictError, NotFoundError
from creditpilot.platform.http import create_app, json_body, ok, page_visitor, require_group, validated
from tests.support.events import Context, api_event, body_of, header


class Payment(BaseModel):
    amount: int = Field(gt=0, le=10**9)
    payee: str = Field(min_length=1)


def build(recorded):
    app = create_app("test", record_failure=recorded.append, settings=settings_from({}))

    @app.post("/pay")
    def pay(body: Payment):
        return ok({"amount": body.amount})

    @app.post("/manual")
    def manual():
        payload = validated(Payment.model_validate, json_body(app))
        return ok({"payee": payload.payee})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret connection string postgresql://admin:pw@db")

    @app.get("/missing")
    def missing():
        raise NotFoundError("no invoice INV-2026-0009", fields={"number": "not found"})

    @app.get("/conflict")
    def conflict():
        raise ConflictError("already issued")

    @app.get("/admin-only")
    def admin_only():
        require_group(app, "admin")
        return ok()

    @app.get("/x/page")
    def a_page():
        return ok({"page": True, "user": page_visitor(app).email})

    return app


def call(app, event):
    return app.resolve(event, Context("test"))


def test_malformed_json_is_400_naming_the_body():
    response = call(build([]), api_event("POST", "/pay", raw_body=b'{"amount": 5,'))
    assert response["statusCode"] == 400
    body = body_of(response)
    assert body["ok"] is False and body["error"] == "malformed_json" and "body" in body["fields"]


def test_wrong_types_and_missing_fields_are_422_with_a_message_per_field():
    response = call(build([]), api_event("POST", "/pay", body={"amount": "lots"}))
    assert response["statusCode"] == 422
    fields = body_of(response)["fields"]
    assert set(fields) == {"amount", "payee"}


def test_manual_validation_names_the_field_too():
    response = call(build([]), api_event("POST", "/manual", body={"amount": -1, "payee": "x"}))
    assert response["statusCode"] == 422
    assert "amount" in body_of(response)["fields"]


def test_a_json_array_body_is_refused_as_not_an_object():
    response = call(build([]), api_event("POST", "/manual", body=[1, 2]))
    assert response["statusCode"] == 400


def test_non_utf8_body_is_a_clear_400_not_a_crash():
    response = call(build([]), api_event("POST", "/pay", raw_body=b"\xff\xfe\x00bad"))
    assert response["statusCode"] == 400


def test_unexpected_exception_is_500_with_request_id_and_no_internals():
    recorded = []
    event = api_event("GET", "/boom")
    response = call(build(recorded), event)
    body = body_of(response)
    assert response["statusCode"] == 500
    assert body["error"] == "internal_error" and body["request_id"]
    assert "postgresql" not in response["body"] and "Traceback" not in response["body"]
    assert recorded and recorded[0]["request_id"] == body["request_id"] and recorded[0]["status"] == 500


def test_domain_errors_keep_their_status_and_fields():
    app = build([])
    assert call(app, api_event("GET", "/missing"))["statusCode"] == 404
    assert body_of(call(app, api_event("GET", "/missing")))["fields"] == {"number": "not found"}
    assert call(app, api_event("GET", "/conflict"))["statusCode"] == 409


def test_viewer_may_not_use_an_admin_route_but_admin_may():
    app = build([])
    assert call(app, api_event("GET", "/admin-only", groups=("viewer",)))["statusCode"] == 403
    assert call(app, api_event("GET", "/admin-only", groups=("admin",)))["statusCode"] == 200


def test_signed_out_visitor_of_a_page_is_redirected_to_login():
    response = call(build([]), api_event("GET", "/x/page", groups=None))
    assert response["statusCode"] == 302
    assert header(response, "Location") == "/login?next=/x/page"


def test_absurd_json_is_a_4xx_not_a_crash():
    app = build([])
    huge_number = b'{"amount": ' + b"9" * 5000 + b', "payee": "x"}'
    response = call(app, api_event("POST", "/manual", raw_body=huge_number))
    assert response["statusCode"] == 422 and "amount" in body_of(response)["fields"]
    deep = b"[" * 100_000 + b"]" * 100_000
    assert call(app, api_event("POST", "/manual", raw_body=deep))["statusCode"] == 400


def test_field_errors_keep_list_positions():
    from creditpilot.platform.http import validation_fields

    fields = validation_fields([{"loc": ("body", "items", 2, "unit_price"), "msg": "must be positive"}])
    assert fields == {"items.2.unit_price": "must be positive"}

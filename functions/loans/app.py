"""Loans: product ranking, DSR calculator, the portal page and the manual rates-refresh hook.

GET /loans/ranking?type=personal&amount=50000&tenure_months=60&monthly_income=8000[&existing_commitments=1500]
    -> {"ok": true, "query": {...}, "count": N, "products": [...]}, eligible products cheapest first
    (effective rate, then total payable). Each product: bank, product, rate_type, flat_rate (percent p.a.,
    null for effective-rate loans), effective_rate (percent p.a.), monthly_instalment, total_interest, fees,
    total_payable (money as "1234.50" strings), dsr and dsr_percent (the same number: percent of net
    monthly income that existing_commitments plus this instalment would take, 47.5 = 47.5 %), dsr_verdict
    (pass | borderline | fail against the bank's threshold), source and demo (source == "demo").
    Bad query values -> 422 with `fields` naming the query parameter (`type`, `amount`, ...).
POST /loans/dsr/calc {"monthly_income": 10000, "existing_loans": [{"monthly_payment": 1500}],
    "new_loan_monthly": 2000, "credit_card_balances": [{"outstanding": 5000}]}
    -> {"ok": true, "dsr": 0.35 (ratio), "dsr_percent": 35.0, "threshold", "threshold_percent", "verdict",
    "total_commitments", "card_commitments", "max_new_monthly"}. Not JSON -> 400; wrong values -> 422
    naming the field with its list position (`existing_loans.0.monthly_payment`).
POST /loans/rates/refresh (no Cognito; header X-Refresh-Key = LOANS_REFRESH_KEY) -> the refresh report.
    403 `refresh_disabled` while the key is unset, 401 when the header is missing or wrong.
GET /loans/page: the ranking (server-rendered for the query in the URL, or the default enquiry) with
    filters that re-rank in place, and the DSR calculator.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.loans import service
from creditpilot.loans.dsr import DsrRequest
from creditpilot.loans.ranking import RankedProduct, RankingQuery
from creditpilot.platform.config import get_settings
from creditpilot.platform.errors import ValidationError
from creditpilot.platform.http import (
    create_app,
    html_response,
    json_body,
    ok,
    page_visitor,
    validated,
)
from creditpilot.platform.logging import get_logger
from creditpilot.platform.money import format_rm
from creditpilot.platform.runtime import database, record_failure
from creditpilot.web.render import Markup, page, render

logger = get_logger()
app = create_app("loans", record_failure=record_failure)

# Query parameter -> RankingQuery field; errors are reported under the parameter's name.
RANKING_PARAMS = {
    "type": "loan_type",
    "amount": "amount",
    "tenure_months": "tenure_months",
    "monthly_income": "monthly_income",
    "existing_commitments": "existing_commitments",
}
PARAM_OF_FIELD = {field: param for param, field in RANKING_PARAMS.items()}
OPTIONAL_PARAMS = {"existing_commitments"}
LOAN_TYPES = (
    ("personal", "Personal"),
    ("home", "Home"),
    ("car", "Car (hire purchase)"),
    ("refinance", "Refinance"),
)


@lru_cache(maxsize=1)
def _deps() -> service.LoansDeps:
    return service.deps_from_settings(get_settings(), database())


def _query_params() -> dict[str, str]:
    return dict(app.current_event.query_string_parameters or {})


def _ranking_query(params: dict[str, str]) -> RankingQuery:
    values = {
        field: params[name]
        for name, field in RANKING_PARAMS.items()
        if name in params and not (name in OPTIONAL_PARAMS and not params[name].strip())
    }
    try:
        return validated(RankingQuery.model_validate, values)
    except ValidationError as err:
        fields = {PARAM_OF_FIELD.get(name, name): message for name, message in err.fields.items()}
        raise ValidationError("invalid input: " + ", ".join(fields), fields=fields) from None


@app.get("/loans/ranking")
def ranking():
    query = _ranking_query(_query_params())
    offers = service.rank_loans(_deps(), query)
    return ok(
        {
            "query": service.query_to_json(query),
            "count": len(offers),
            "products": [service.ranked_to_json(offer) for offer in offers],
        }
    )


@app.post("/loans/dsr/calc")
def dsr_calc():
    request = validated(DsrRequest.model_validate, json_body(app))
    return ok(service.check_dsr(request))


@app.post("/loans/rates/refresh")
def refresh_rates():
    # The refresh code (feeds, fetching, savings) loads only here, never for the pages and rankings.
    from creditpilot.loans import catalogue
    from creditpilot.loans.refresh import REFRESH_KEY_HEADER, authorise_refresh

    presented = app.current_event.headers.get(REFRESH_KEY_HEADER)  # case-insensitive in Powertools v3
    authorise_refresh(get_settings().loans_refresh_key, presented)
    return ok(catalogue.refresh_rates(_deps()))


@app.get("/loans/page")
def loans_page():
    principal = page_visitor(app)
    params = _query_params()
    query, offers, errors = service.DEFAULT_QUERY, [], {}
    try:
        query = _ranking_query(params) if any(name in params for name in RANKING_PARAMS) else query
        offers = service.rank_loans(_deps(), query)
    except ValidationError as err:
        errors = err.fields
    return html_response(
        page("Loans", _page_body(query, params, offers, errors), user=principal.email, active="/loans/page")
    )


# ------------------------------------------------------------------ page


def _page_body(
    query: RankingQuery, params: dict[str, str], offers: list[RankedProduct], errors: dict[str, str]
) -> Markup:
    shown = params if errors else service.query_to_json(query)
    type_options = "".join(
        f'<option value="{value}"{" selected" if value == shown.get("type") else ""}>'
        f"{html.escape(label)}</option>"
        for value, label in LOAN_TYPES
    )
    field_values = {name: shown.get(name, "") for name in ("amount", "tenure_months", "monthly_income")}
    commitments = shown.get("existing_commitments", "")
    top = offers[0].monthly_instalment if offers else None
    return Markup(
        render(
            "loans.html",
            type_options=Markup(type_options),
            **field_values,
            existing_commitments="" if commitments in ("0.00", "0") else commitments,
            rows=Markup(_rows(offers)),
            summary=_summary(offers, errors),
            demo_hidden=Markup("" if any(o.source == service.DEMO_SOURCE for o in offers) else "hidden"),
            err_type=errors.get("type", ""),
            err_amount=errors.get("amount", ""),
            err_tenure_months=errors.get("tenure_months", ""),
            err_monthly_income=errors.get("monthly_income", ""),
            err_existing_commitments=errors.get("existing_commitments", ""),
            dsr_income=shown.get("monthly_income", "") if not errors else "",
            dsr_existing="" if commitments in ("0.00", "0", "") else commitments,
            dsr_new="" if top is None else f"{top:.2f}",
        )
    )


def _summary(offers: list[RankedProduct], errors: dict[str, str]) -> str:
    if errors:
        return "Correct the highlighted fields to see eligible products."
    if not offers:
        return "No product lends this amount for this tenure at this income."
    return f"{len(offers)} eligible product{'s' if len(offers) != 1 else ''}, cheapest effective rate first."


def _rm(value: Any) -> str:
    return "RM " + format_rm(value)


def _rows(offers: list[RankedProduct]) -> str:
    out = []
    for rank, offer in enumerate(offers, start=1):
        e = html.escape
        demo = ' <span class="badge">demo data</span>' if offer.source == service.DEMO_SOURCE else ""
        flat = f"{offer.flat_rate:.2f}%" if offer.flat_rate is not None else "—"
        out.append(
            f'<tr data-bank="{e(offer.bank)}" data-instalment="{offer.monthly_instalment:.2f}">'
            f'<td class="num">{rank}</td><td>{e(offer.bank)}</td><td>{e(offer.product)}{demo}</td>'
            f'<td>{e(offer.rate_type)}</td><td class="num">{flat}</td>'
            f'<td class="num">{offer.effective_rate:.2f}%</td>'
            f'<td class="num">{_rm(offer.monthly_instalment)}</td>'
            f'<td class="num">{_rm(offer.total_interest)}</td>'
            f'<td class="num">{_rm(offer.fees)}</td><td class="num">{_rm(offer.total_payable)}</td>'
            f'<td class="num">{offer.dsr_percent:.2f}%</td>'
            f'<td class="{e(offer.dsr_verdict)}">{e(offer.dsr_verdict)}</td>'
            '<td><button type="button" class="secondary use">Check DSR</button></td></tr>'
        )
    return "".join(out)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

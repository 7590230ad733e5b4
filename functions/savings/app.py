"""Savings: products, deposit projections and the portal page.

GET /savings/products[?kind=savings|fixed_deposit] -> {"ok": true, "count": N, "products": [...]}, best rate
    first within each kind; rates are percent numbers, money "1234.50" strings.
GET /savings/projection?amount=10000&months=12&product=<product_key or id>
    -> {"ok": true, "product": {...}, "projection": {amount, months, interest, final_balance,
    effective_annual_yield, pidm_note, notes, schedule}}. Interest is simple or compounded as the product
    says; 422 naming the parameter on bad input (or an amount outside the product's limits), 404 for an
    unknown product.
GET /savings/page: the product table and a projection form.
"""

from __future__ import annotations

import html

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.platform.http import (
    create_app,
    html_response,
    ok,
    page_visitor,
    validated,
)
from creditpilot.platform.logging import get_logger
from creditpilot.platform.money import format_rm
from creditpilot.platform.runtime import database, record_failure
from creditpilot.savings import service
from creditpilot.savings.models import SavingsProduct
from creditpilot.web.render import Markup, page, render

logger = get_logger()
app = create_app("savings", record_failure=record_failure)
PROJECTION_PARAMS = ("amount", "months", "product")
KIND_LABELS = {"savings": "Savings account", "fixed_deposit": "Fixed deposit"}


def _params() -> dict[str, str]:
    return dict(app.current_event.query_string_parameters or {})


@app.get("/savings/products")
def products():
    params = _params()
    kind = validated(service.KindQuery.model_validate, {"kind": params["kind"]} if params.get("kind") else {})
    found = service.list_products(database(), kind.kind)
    return ok({"count": len(found), "products": [service.product_to_json(p) for p in found]})


@app.get("/savings/projection")
def projection():
    params = _params()
    values = {name: params[name] for name in PROJECTION_PARAMS if name in params}
    query = validated(service.ProjectionQuery.model_validate, values)
    product, result = service.project_deposit(database(), query)
    return ok({"product": service.product_to_json(product), "projection": service.projection_to_json(result)})


@app.get("/savings/page")
def savings_page():
    principal = page_visitor(app)
    found = service.list_products(database())
    body = render(
        "savings.html",
        rows=Markup(_rows(found)),
        product_options=Markup(_options(found)),
        count=len(found),
        demo_hidden=Markup("" if any(p.source == "demo" for p in found) else "hidden"),
    )
    return html_response(page("Savings", Markup(body), user=principal.email, active="/savings/page"))


def _rows(found: list[SavingsProduct]) -> str:
    e = html.escape
    out = []
    for product in found:
        data = service.product_to_json(product)
        demo = ' <span class="badge">demo data</span>' if data["demo"] else ""
        tenure = f"{product.tenure_months} months" if product.tenure_months else "—"
        limit = f"RM {format_rm(product.max_deposit)}" if product.max_deposit is not None else "no limit"
        out.append(
            f'<tr data-product="{e(product.product_key)}"><td>{e(product.bank)}</td>'
            f"<td>{e(product.product)}{demo}</td><td>{e(KIND_LABELS[product.kind])}</td><td>{tenure}</td>"
            f'<td class="num">{product.rate:.2f}%</td>'
            f'<td class="num">{data["effective_annual_yield"]:.2f}%</td>'
            f"<td>{e(product.compounding)}</td>"
            f'<td class="num">RM {format_rm(product.min_deposit)}</td><td class="num">{e(limit)}</td>'
            f"<td>{'yes' if product.pidm_insured else 'no'}</td><td>{'yes' if product.islamic else 'no'}</td>"
            '<td><button type="button" class="secondary use">Project</button></td></tr>'
        )
    return "".join(out)


def _options(found: list[SavingsProduct]) -> str:
    e = html.escape
    options = []
    for product in found:
        tenure = f" ({product.tenure_months} months)" if product.tenure_months else ""
        label = f"{product.bank} — {product.product}{tenure} — {product.rate:.2f}%"
        options.append(f'<option value="{e(product.product_key)}">{e(label)}</option>')
    return "".join(options)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

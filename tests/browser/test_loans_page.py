"""The loans page in headless Chromium: the server-rendered ranking, re-ranking through the filters, and
the DSR calculator's verdict and field errors."""

from __future__ import annotations

import pytest

from creditpilot.loans.catalogue import seed_demo_products

pytestmark = pytest.mark.browser


@pytest.fixture
def loans_page(portal, db, page):
    seed_demo_products(db)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The browser logs every 4xx it fetches (the 422s these tests provoke, /favicon.ico); those are not faults.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.goto(portal + "/loans/page")
    yield page
    assert errors == [], errors  # no script error, no CSP violation


def ranked_banks(page) -> list[str]:
    return page.locator("#ranking-rows tr td:nth-child(2)").all_inner_texts()


def test_the_first_screen_shows_the_default_ranking_with_demo_data_marked(loans_page):
    page = loans_page
    assert page.locator("#dsr-result").is_hidden()
    rows = page.locator("#ranking-rows tr")
    assert rows.count() >= 10
    assert page.locator("#f-type").input_value() == "personal"
    assert page.locator("#f-amount").input_value() == "50000.00"
    assert "demo data" in rows.first.inner_text()
    assert page.locator("#demo-note").is_visible()
    rates = [float(t.rstrip("%")) for t in page.locator("#ranking-rows tr td:nth-child(6)").all_inner_texts()]
    assert rates == sorted(rates)


def test_changing_the_filters_re_ranks_in_place(loans_page):
    page = loans_page
    personal = ranked_banks(page)
    first_instalment = page.locator("#ranking-rows tr").first.locator("td").nth(6).inner_text()

    page.select_option("#f-type", "home")
    page.fill("#f-amount", "500000")
    page.fill("#f-tenure", "360")
    page.fill("#f-income", "15000")
    page.click("#rank")
    page.wait_for_url("**/loans/page?type=home*")

    rows = page.locator("#ranking-rows tr")
    assert rows.count() > 0
    assert page.locator("#ranking-rows tr td:nth-child(4)").first.inner_text() == "effective"
    assert rows.first.locator("td").nth(6).inner_text() != first_instalment
    assert ranked_banks(page) != personal
    assert "eligible product" in page.locator("#ranking-summary").inner_text()
    # the DSR form follows the enquiry: income, and the cheapest product's instalment
    assert page.locator("#d-income").input_value() == "15000"
    assert page.locator("#d-new").input_value() == rows.first.get_attribute("data-instalment")


def test_a_bad_filter_value_is_shown_next_to_its_field(loans_page):
    page = loans_page
    page.fill("#f-amount", "-100")
    page.click("#rank")
    error = page.locator('#filters [data-error-for="amount"]')
    error.wait_for(state="visible")
    page.wait_for_function("document.querySelector('#filters [data-error-for=amount]').textContent !== ''")
    assert "greater than" in error.inner_text()
    assert page.locator("#ranking-rows tr").count() == 0


def test_the_dsr_calculator_shows_the_verdict_threshold_and_headroom(loans_page):
    page = loans_page
    page.fill("#d-income", "10000")
    page.fill("#d-existing", "1500")
    page.fill("#d-new", "2000")
    page.click("#dsr-check")
    page.locator("#dsr-result").wait_for(state="visible")
    assert page.locator("#dsr-percent").inner_text() == "35.00%"
    assert page.locator("#dsr-threshold").inner_text() == "70.00%"
    assert page.locator("#dsr-verdict").inner_text() == "pass"
    assert page.locator("#dsr-max").inner_text() == "RM 5,000.00"


def test_a_negative_income_shows_a_field_error_next_to_the_income(loans_page):
    page = loans_page
    page.fill("#d-income", "-5000")
    page.click("#dsr-check")
    error = page.locator('#dsr-form [data-error-for="monthly_income"]')
    page.wait_for_function(
        "document.querySelector('#dsr-form [data-error-for=monthly_income]').textContent !== ''"
    )
    assert "greater than" in error.inner_text()
    assert page.locator("#dsr-result").is_hidden()


def test_check_dsr_on_a_ranked_product_uses_its_instalment(loans_page):
    page = loans_page
    row = page.locator("#ranking-rows tr").nth(2)
    row.locator("button.use").click()
    page.locator("#dsr-result").wait_for(state="visible")
    assert page.locator("#d-new").input_value() == row.get_attribute("data-instalment")
    assert page.locator("#dsr-verdict").inner_text() in ("pass", "borderline", "fail")

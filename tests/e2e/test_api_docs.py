"""The API docs page in Chromium with the Content-Security-Policy on: Swagger UI (from
drf-spectacular-sidecar, no CDN, no inline script) loads the schema, and "Try it out"
answers with the logged-in session. No CSP violation, no console error."""

import pytest

from accounts.models import Membership
from tests.accounts.factories import MembershipFactory
from tests.customers.factories import CustomerFactory
from tests.e2e.helpers import log_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_docs_load_under_the_csp_and_try_it_out_works(live_server, page, shot, enter_scope):
    owner = MembershipFactory(role=Membership.Role.OWNER, user__username="docs-owner")
    enter_scope(owner.shop)
    CustomerFactory(shop=owner.shop, name="Asha Verma")
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    base = live_server.url
    log_in(page, base, "docs-owner")

    response = page.goto(f"{base}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_text("Khata API")).to_be_visible()
    operation = page.locator(".opblock", has=page.locator("[data-path='/api/v1/customers/']")).filter(
        has=page.locator(".opblock-summary-method", has_text="GET")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("Asha Verma")
    shot(page, "api-docs")

    assert violations == []
    assert [e for e in page.console_errors if "favicon" not in e] == []

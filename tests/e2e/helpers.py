"""Helpers shared by the browser tests: logging in, pages of a given width, posts made."""

from contextlib import contextmanager

PASSWORD = "pass-word-123"  # tests.accounts.factories.UserFactory's


def log_in(page, base_url, username, password=PASSWORD):
    """Log ``username`` in through the login page; returns when the dashboard is shown."""
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


@contextmanager
def page_at(browser, width, height=900, **options):
    """A fresh page (own context, so own session) ``width`` CSS pixels wide."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-IN",
                                  timezone_id="Asia/Kolkata", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    try:
        yield page
    finally:
        context.close()


def record_posts(page):
    """A list that fills with the URL of every POST the page sends, except the counter's
    live totals preview (which writes nothing)."""
    posts = []
    page.on("request", lambda request: request.method == "POST" and "/totals/" not in request.url
            and posts.append(request.url))
    return posts


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it does not)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")

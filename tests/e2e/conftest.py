from tests.browser.conftest import browser  # noqa: F401 - the same headless Chromium for end-to-end pages

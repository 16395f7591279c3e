"""The web UI behind authentication, in headless Chromium: a login prompt's credentials are enough."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

import mlledger
from mlledger.testing import TestStack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_the_ui_needs_credentials_and_works_with_a_token(auth_stack: TestStack, admin: mlledger.Client) -> None:
    """Without credentials the UI is 401; with the token as the basic-auth password its pages load live data."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    name = f"ui-auth-{uuid.uuid4().hex[:6]}"
    admin.create_experiment(name)
    token = admin.create_token("browser", principal="ui-user").secret
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            anonymous = browser.new_context()
            # Headless, nobody answers the login prompt: the navigation fails on the challenge.
            with pytest.raises(sync_api.Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
                anonymous.new_page().goto(auth_stack.gateway_uri + "/")
            assert anonymous.request.get(auth_stack.gateway_uri + "/").status == 401
            signed_in = browser.new_context(http_credentials={"username": "ui-user", "password": token})
            page = signed_in.new_page()
            page.set_default_timeout(30_000)
            assert page.goto(auth_stack.gateway_uri + "/").status == 200
            page.get_by_role("link", name=name).wait_for()
        finally:
            browser.close()

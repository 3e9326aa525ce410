"""The browser's part of a sign-in, played by requests: open the link, sign in, allow or deny."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import requests

from app.sandbox.salesforce import SalesforceSandbox

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_FORM = re.compile(r'<form method="post" action="([^"]+)"')


class Browser:
    def __init__(self, sandbox: SalesforceSandbox) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()
        self.http.verify = sandbox.ca_pem_path
        self.http.trust_env = False

    def sign_in(self, url: str, decision: str = "allow") -> requests.Response:
        """Opens the sign-in link, submits the sign-in page, follows back to the app's listener."""
        page = self.http.get(url, timeout=30)
        page.raise_for_status()
        if urlsplit(page.url).path == "/OauthRedirect":  # auto_approve: straight back
            return page
        form = {k: html.unescape(v) for k, v in _HIDDEN.findall(page.text)}
        form.update(
            username=self.sandbox.username, password=self.sandbox.password, decision=decision
        )
        action = _FORM.search(page.text)
        assert action is not None, page.text
        origin = re.match(r"https?://[^/]+", page.url)
        assert origin is not None
        return self.http.post(origin.group(0) + action.group(1), data=form, timeout=30)

    def open(self, url: str) -> requests.Response:
        return self.http.get(url, timeout=30, allow_redirects=False)

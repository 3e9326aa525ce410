"""A company proxy's (or antivirus's) root certificate in the OS store is trusted by requests and
httpx once the app has switched to the OS store; with certifi alone it is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import http.server, json, ssl, sys, threading
import httpx, requests, trustme

class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass

ca = trustme.CA()
ca.cert_pem.write_to_path(sys.argv[1])
server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ca.issue_cert("127.0.0.1").configure_cert(context)
server.socket = context.wrap_socket(server.socket, server_side=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"https://127.0.0.1:{server.server_address[1]}/"

def attempt():
    found = {}
    for name, get in (("requests", lambda: requests.get(url, timeout=10).text),
                      ("httpx", lambda: httpx.get(url, timeout=10).text)):
        try:
            found[name] = get()
        except Exception as exc:
            found[name] = type(exc).__name__
    return found

before = attempt()
from app.platform.tls import use_system_trust_store
switched = use_system_trust_store()
print(json.dumps({"before": before, "switched": switched, "after": attempt()}))
server.shutdown()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the OS store is stood in for by SSL_CERT_FILE")
def test_the_os_certificate_store_is_trusted_after_the_switch(tmp_path: Path) -> None:
    ca_file = tmp_path / "company-root.pem"
    env = {
        **os.environ,
        "SSL_CERT_FILE": str(ca_file),  # OpenSSL's system store, as the OS store on Linux
        "NO_PROXY": "*",
        "QBSF_NO_BOOTSTRAP": "1",
    }
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"):
        env.pop(name, None)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(ca_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    # requests carries certifi's bundle only (httpx reads SSL_CERT_FILE itself).
    assert result["before"]["requests"] == "SSLError"
    assert result["switched"] is True
    assert result["after"] == {"requests": "hello", "httpx": "hello"}

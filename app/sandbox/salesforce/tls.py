"""A test certificate authority and a server certificate for localhost and 127.0.0.1."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

ORGANIZATION = "QuickBooks Sync sandbox CA"


def _load_or_create_ca(cert_path: Path, key_path: Path, keep: bool) -> trustme.CA:
    if keep and cert_path.exists() and key_path.exists():
        return trustme.CA.from_pem(cert_path.read_bytes(), key_path.read_bytes())
    ca = trustme.CA(organization_name=ORGANIZATION)
    if keep:
        key_path.write_bytes(ca.private_key_pem.bytes())
        key_path.chmod(0o600)
    return ca


def server_context(ca_pem: Path, *, keep_ca: bool) -> ssl.SSLContext:
    """A server TLS context; the CA that signed it is written to `ca_pem` for clients to trust.

    With `keep_ca` the CA (and its key, beside it) is reused on the next start, so a client that
    saved the bundle path keeps trusting the sandbox across restarts.
    """
    key_path = ca_pem.with_name(ca_pem.name.removesuffix(".pem") + "-key.pem")
    ca = _load_or_create_ca(ca_pem, key_path, keep_ca)
    ca.cert_pem.write_to_path(str(ca_pem))
    leaf = ca.issue_cert("localhost", "127.0.0.1", organization_name=ORGANIZATION)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context

"""A real TUF repository made at test time (its own keys), served over HTTPS, and an installed
stand-in bundle of version N with the repository's root key in it, as a build would ship it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware

from app.sandbox._http import ServerThread
from app.sandbox.salesforce.tls import server_context
from app.update.client import UpdateClient
from app.update.folders import UpdateFolders
from app.update.installation import INSTALL_DIR_ENV, TRUST_FOLDER, Installation

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "installer"))
import publish_update

INSTALLED = "1.0.0"
NEWER = "1.1.0"
NOTES = "Invoices sync twice as fast.\nThe tray says when QuickBooks is closed."


@dataclass
class RequestCounter:
    """Counts what the update server was asked for."""

    app: Any
    paths: list[str] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.paths.append(environ.get("PATH_INFO", ""))
        return self.app(environ, start_response)


@dataclass
class UpdateWorld:
    base: Path
    keys: Path
    repo: Path
    ca_bundle: Path
    url: str
    requests: RequestCounter
    data_dir: Path

    @property
    def install_dir(self) -> Path:
        return self.base / "Programs" / "QuickBooks Salesforce Sync"

    def build(self, version: str) -> Path:
        """A stand-in for the PyInstaller bundle: a program, its version, the shipped root key."""
        bundle = self.base / "builds" / version
        bundle.mkdir(parents=True, exist_ok=True)
        (bundle / "program.txt").write_text(f"the app, version {version}\n" * 200, encoding="utf-8")
        (bundle / "qbsf-bundle.json").write_text(json.dumps({"version": version}))
        trust = bundle / TRUST_FOLDER
        trust.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.repo / "metadata" / "root.json", trust / "root.json")
        return bundle

    def publish(self, version: str, notes: str = "") -> Path:
        return publish_update.add(
            self.repo, self.build(version), version, notes=notes, keys=self.keys
        )

    def install(self, version: str) -> Installation:
        shutil.copytree(self.build(version), self.install_dir)
        return Installation.of_folder(self.install_dir)

    @property
    def installation(self) -> Installation:
        return Installation.of_folder(self.install_dir)

    @property
    def folders(self) -> UpdateFolders:
        return UpdateFolders.in_data_dir(self.data_dir)

    def client(self) -> UpdateClient:
        return UpdateClient(self.installation, self.folders, self.url, verify=str(self.ca_bundle))

    def installed_program(self) -> str:
        return (self.install_dir / "program.txt").read_text(encoding="utf-8").splitlines()[0]

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            INSTALL_DIR_ENV: str(self.install_dir),
            "QBSF_CA_BUNDLE": str(self.ca_bundle),
            "QBSF_DATA_DIR": str(self.data_dir),
        }


def tree_digest(folder: Path) -> str:
    """Every file's path and content under `folder`, hashed: equal digests, nothing changed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def world(tmp_path: Path, data_dir: Path) -> Iterator[UpdateWorld]:
    repo, keys = tmp_path / "update-repository", tmp_path / "signing-keys"
    publish_update.init(repo, keys)
    ca_bundle = tmp_path / "update-ca.pem"
    counter = RequestCounter(SharedDataMiddleware(NotFound(), {"/": str(repo)}))
    server = ServerThread(counter, ssl_context=server_context(ca_bundle, keep_ca=False)).start()
    try:
        yield UpdateWorld(
            base=tmp_path,
            keys=keys,
            repo=repo,
            ca_bundle=ca_bundle,
            url=f"https://localhost:{server.port}",
            requests=counter,
            data_dir=data_dir,
        )
    finally:
        server.stop()


@pytest.fixture
def published(world: UpdateWorld) -> UpdateWorld:
    """Version N installed; N and N+1 published, N+1 with release notes."""
    world.publish(INSTALLED)
    world.install(INSTALLED)
    world.publish(NEWER, NOTES)
    return world

"""Checking for and downloading updates with tufup, every file verified before it is used.

python-tuf refreshes root -> timestamp -> snapshot -> targets against the root this PC trusts (the
bundle's, or a newer one it signed), and refuses what is unsigned, expired, older than already seen
or mismatched with the snapshot (rollback, freeze and mix-and-match attacks). Archives and patches
are checked against the signed length and hashes before they are unpacked.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib import parse

import requests
import tuf
from tufup.client import AuthRequestsFetcher, Client

from app import APP_ID, __version__
from app.update.errors import Problem, UpdateError, plain_error, refused
from app.update.folders import UpdateFolders
from app.update.installation import Installation, bundle_version
from app.update.staged import StagedUpdate, write_staged

log = logging.getLogger(__name__)

#: bytes downloaded, bytes expected
DownloadProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Offer:
    version: str
    installed: str
    #: What is new, in the publisher's words (signed with the rest of the metadata).
    notes: str
    #: Bytes to download (the archive, or the patches when they are smaller).
    size: int


class _VerifyingSession(requests.Session):
    """Verifies with the given trust store even where REQUESTS_CA_BUNDLE says otherwise."""

    def __init__(self, verify: str | bool) -> None:
        super().__init__()
        self._verify = verify

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("verify", self._verify)
        return super().request(*args, **kwargs)


class _Fetcher(AuthRequestsFetcher):
    """tufup's fetcher (progress per chunk), verifying HTTPS with the app's trust store."""

    def __init__(self, verify: str | bool) -> None:
        super().__init__()
        self.verify = verify

    def _get_session(self, url: str) -> requests.Session:
        parsed = parse.urlparse(url)
        key = (parsed.scheme, parsed.hostname or "")
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = _VerifyingSession(self.verify)
            session.headers["User-Agent"] = f"{APP_ID}/{__version__} tuf/{tuf.__version__}"
        return session


class _Client(Client):
    """tufup's client, refreshing the metadata once so our own refresh keeps its errors.

    tufup's check swallows a refused refresh into "no update"; refreshing first lets each refusal
    reach the person in plain words."""

    _refreshed = False

    def __init__(self, *, verify: str | bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fetcher = _Fetcher(verify)

    def refresh(self) -> None:
        if not self._refreshed:
            super().refresh()
            self._refreshed = True


class UpdateClient:
    def __init__(
        self,
        installation: Installation,
        folders: UpdateFolders,
        server: str,
        *,
        verify: str | bool = True,
    ) -> None:
        self.installation = installation
        self.folders = folders
        self.server = server.strip().rstrip("/")
        self.verify = verify

    def _client(self) -> _Client:
        if not self.server:
            raise UpdateError(
                Problem.NOT_AVAILABLE,
                "No update server is set. Enter its address in Settings > Updates.",
            )
        if not self.server.startswith("https://"):
            raise UpdateError(
                Problem.NOT_AVAILABLE,
                f"The update server address must start with https:// (it is {self.server}).",
            )
        self.folders.ensure()
        trusted = self.folders.metadata / "root.json"
        if not trusted.is_file():
            shipped = self.installation.trusted_root
            if not shipped.is_file():
                raise UpdateError(
                    Problem.NOT_AVAILABLE,
                    "This copy was built without the publisher's update key, so it cannot "
                    "verify updates. Install a new version with its installer.",
                )
            shutil.copyfile(shipped, trusted)
        try:
            return _Client(
                app_name=APP_ID,
                app_install_dir=self.installation.folder,
                current_version=self.installation.version,
                metadata_dir=self.folders.metadata,
                metadata_base_url=f"{self.server}/metadata/",
                target_dir=self.folders.targets,
                target_base_url=f"{self.server}/targets/",
                extract_dir=self.folders.unpacking,
                verify=self.verify,
            )
        except Exception as exc:
            raise plain_error(exc, self.server) from exc

    def check(self) -> Offer | None:
        """The newest signed version above the installed one; None when up to date."""
        client = self._client()
        return self._check(client)

    def _check(self, client: _Client) -> Offer | None:
        try:
            client.refresh()
            found = client.check_for_updates()
        except Exception as exc:
            raise plain_error(exc, self.server) from exc
        if found is None or not client.new_targets:
            return None
        custom: dict[str, Any] = found.custom or {}
        notes = custom.get("notes", "")
        return Offer(
            version=str(found.version),
            installed=self.installation.version,
            notes=notes if isinstance(notes, str) else "",
            size=sum(target.length for target in client.new_targets.values()),
        )

    def download(self, progress: DownloadProgress | None = None) -> StagedUpdate | None:
        """Checks, downloads and unpacks the newest version beside the installed one.

        None when there is nothing newer. The installed copy is not touched."""
        client = self._client()
        offer = self._check(client)
        if offer is None:
            return None
        staged: list[StagedUpdate] = []

        def stage(src_dir: Path, dst_dir: Path, **_: Any) -> None:
            staged.append(self._stage(Path(src_dir), offer))

        def hook(bytes_downloaded: int, bytes_expected: int) -> None:
            if progress is not None:
                progress(bytes_downloaded, bytes_expected)

        shutil.rmtree(self.folders.unpacking, ignore_errors=True)
        self.folders.unpacking.mkdir(parents=True)
        try:
            client.download_and_apply_update(
                skip_confirmation=True, install=stage, progress_hook=hook
            )
        except Exception as exc:
            raise plain_error(exc, self.server) from exc
        finally:
            shutil.rmtree(self.folders.unpacking, ignore_errors=True)
        if not staged:
            raise UpdateError(
                Problem.FAILED,
                "The downloaded update could not be put together; it will be downloaded whole "
                "next time. Nothing was changed.",
            )
        return staged[0]

    def _stage(self, unpacked: Path, offer: Offer) -> StagedUpdate:
        says = bundle_version(unpacked)
        if says and says != offer.version:
            raise refused(
                f"The downloaded update says it is version {says}, not version {offer.version} "
                "as offered, so it was refused."
            )
        staging = self.installation.staging
        shutil.rmtree(staging, ignore_errors=True)
        shutil.move(str(unpacked), str(staging))
        return write_staged(self.folders, offer.version, offer.installed, staging)

"""What every wizard page works with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.context import AppContext
from app.ui.controller import Controller
from app.ui.opener import open_url
from app.ui.wizard.defaults import SetupDefaults


@dataclass
class SetupContext:
    ctx: AppContext
    controller: Controller
    defaults: SetupDefaults
    #: Opens a web page in the browser (QDesktopServices, which tests intercept).
    open_url: Callable[[str], bool] = open_url
    #: The saved Salesforce sign-in was refused: it is never shown as connected.
    renew_sign_in: bool = False

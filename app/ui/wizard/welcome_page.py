"""Welcome: what setup will do and what to have at hand."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizardPage

from app import APP_NAME

INTRO = (
    f"<p>{APP_NAME} keeps QuickBooks Desktop and Salesforce in step. Setup takes a few "
    "minutes:</p><ol>"
    "<li><b>QuickBooks</b>: connect the company file through Conductor. You need your Conductor "
    "keys, and someone at the computer that runs QuickBooks.</li>"
    "<li><b>Salesforce</b>: sign in in your browser.</li>"
    "<li><b>Check Salesforce</b> for the fields this app needs.</li>"
    "<li><b>Choose what to sync.</b></li>"
    "<li><b>Match existing records</b>, so nothing is created twice.</li>"
    "<li><b>Preview</b> the first sync. Nothing is written until you click Sync now.</li>"
    "</ol>"
)


class WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome")
        self.setSubTitle("Connect QuickBooks Desktop and Salesforce.")
        text = QLabel(INTRO)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addStretch(1)

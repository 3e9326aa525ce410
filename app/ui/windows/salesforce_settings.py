"""Settings > Salesforce: which price book mirrored items go in, whether inactive QuickBooks
customers get accounts, and the record type of new accounts."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLineEdit, QWidget

from app.store import Store
from app.store.settings import ACCOUNT_RECORD_TYPE, CUSTOMERS_INCLUDE_INACTIVE, PRICE_BOOK


class SalesforceSettings(QGroupBox):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__("Salesforce", parent)
        self.store = store
        self.price_book = QLineEdit(store.get(PRICE_BOOK))
        self.price_book.setPlaceholderText("Standard only")
        self.price_book.setToolTip(
            "The name of a price book that also lists every QuickBooks item at its QuickBooks "
            "price. Items always get a standard price, which Salesforce needs to sell them."
        )
        self.record_type = QLineEdit(store.get(ACCOUNT_RECORD_TYPE))
        self.record_type.setPlaceholderText("Salesforce's default")
        self.record_type.setToolTip(
            "The record type (its API name, e.g. Customer) of accounts made for QuickBooks "
            "customers. Setup offers the org's record types to choose from."
        )
        self.include_inactive = QCheckBox("Make accounts for inactive QuickBooks customers too")
        self.include_inactive.setChecked(store.get(CUSTOMERS_INCLUDE_INACTIVE))
        form = QFormLayout(self)
        form.addRow("Price book for items", self.price_book)
        form.addRow("Record type of new accounts", self.record_type)
        form.addRow(self.include_inactive)

    def save(self) -> None:
        self.store.set(PRICE_BOOK, self.price_book.text().strip())
        self.store.set(ACCOUNT_RECORD_TYPE, self.record_type.text().strip())
        self.store.set(CUSTOMERS_INCLUDE_INACTIVE, self.include_inactive.isChecked())

"""QuickBooks currencies by name, as the ISO 4217 codes Salesforce's CurrencyIsoCode takes.

QuickBooks names its built-in currencies by their standard ISO 4217 names ("US Dollar", "Euro");
a transaction names its currency that way (`currency.fullName`). A user-defined currency, or a
name already written as a three-letter code, is taken as it is.
"""

from __future__ import annotations

import re

_CODES = {
    "us dollar": "USD",
    "euro": "EUR",
    "british pound sterling": "GBP",
    "canadian dollar": "CAD",
    "australian dollar": "AUD",
    "new zealand dollar": "NZD",
    "japanese yen": "JPY",
    "swiss franc": "CHF",
    "mexican peso": "MXN",
    "chinese yuan renminbi": "CNY",
    "hong kong dollar": "HKD",
    "singapore dollar": "SGD",
    "indian rupee": "INR",
    "south african rand": "ZAR",
    "swedish krona": "SEK",
    "norwegian krone": "NOK",
    "danish krone": "DKK",
}
_CODE = re.compile(r"^[A-Z]{3}$")


def iso_code(name: object) -> str | None:
    """The ISO 4217 code of a QuickBooks currency name; None when it has none."""
    if not isinstance(name, str) or not name.strip():
        return None
    text = name.strip()
    if _CODE.match(text):
        return text
    return _CODES.get(text.lower())

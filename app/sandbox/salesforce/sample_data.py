"""A seeded org: accounts that match (and nearly match) the QuickBooks sandbox's customers, extra
accounts QuickBooks has never seen, contacts, products (half of them priced), opportunities with
line items, and the demo user. The same seed always gives the same org, ids and timestamps included.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.sandbox import sample
from app.sandbox.salesforce import ids
from app.sandbox.salesforce.default_org import CONVERSION_RATES, STAGES
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import ObjectDef
from app.sandbox.salesforce.writes import Writer

SEED_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SEED_DATE = date(2026, 1, 5)
DEMO_USERNAME = "demo.user@qbsync-demo.example"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the sandbox's published demo sign-in
_FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery")
_LAST_NAMES = ("Nguyen", "Smith", "Garcia", "Patel", "Kim", "Brown", "Lopez", "Walker", "Chen")


@dataclass(frozen=True)
class SampleSize:
    qb_customers: int = 40
    accounts_extra: int = 8
    items: int = 20
    opportunities: int = 12


def _variants() -> list[Callable[[str], str]]:
    """Small spelling differences a person makes typing a company name into another system."""
    return [
        lambda name: name.replace(" Inc.", " Inc").replace(" Co.", " Company"),
        lambda name: name.replace(" & ", " and "),
        lambda name: name.rsplit(" ", 1)[0] if " " in name else name,
        lambda name: name.upper(),
        lambda name: name.replace(" ", "  ", 1),
    ]


def near_duplicate(name: str, rng: random.Random) -> str:
    options = _variants()
    rng.shuffle(options)
    for option in options:
        changed = option(name)
        if changed != name:
            return changed
    return name + "."


def priced_by_hand(items: int) -> int:
    """How many seeded products have a standard price: the first half, at least one."""
    return max(1, (items + 1) // 2) if items else 0


class _Seeder:
    def __init__(self, org: Org, seed: int) -> None:
        self.org = org
        self.seed = seed
        self.writer = Writer(org)
        self.schema = org.schema

    def obj(self, name: str) -> ObjectDef:
        return self.schema.stored_object(name)

    def row(self, obj: ObjectDef, fields: dict[str, Any]) -> dict[str, Any]:
        """A complete stored row, system fields included, written without the API's checks."""
        out: dict[str, Any] = {f.name: 0 for f in obj.fields.values() if f.type == "boolean"}
        out.update(fields)
        out.update(self.org.new_record(obj))
        if obj.get("OwnerId") is not None:
            out["OwnerId"] = self.org.user_id
        return out

    def identity(self) -> None:
        user = self.obj("User")
        user_id = ids.make(user.key_prefix, 1_000_000 + self.seed)
        self.org.store.set_meta("org_id", ids.make("00D", 1_000_000 + self.seed))
        self.org.store.set_meta("user_id", user_id)
        row = self.row(
            user,
            {
                "Username": DEMO_USERNAME,
                "FirstName": "Dana",
                "LastName": "Reyes",
                "Name": "Dana Reyes",
                "Email": "dana.reyes@qbsync-demo.example",
                "Alias": "dreyes",
                "IsActive": 1,
            },
        )
        row["Id"] = user_id
        self.org.store.insert(user, row)

    def record_types(self) -> None:
        """The account record types the sales team uses, and one retired."""
        record_type = self.obj("RecordType")
        rows = [
            ("Customer", "Customer", 1),
            ("Partner", "Partner", 1),
            ("Former Customer", "Former_Customer", 0),
        ]
        self.org.store.insert_many(
            record_type,
            [
                self.row(
                    record_type,
                    {"Name": n, "DeveloperName": d, "SobjectType": "Account", "IsActive": a},
                )
                for n, d, a in rows
            ],
        )

    def currencies(self) -> None:
        """The currencies the org offers once multiple currencies are enabled."""
        currency = self.obj("CurrencyType")
        rows = [
            {"IsoCode": code, "ConversionRate": rate, "DecimalPlaces": 2, "IsActive": 1}
            | {"IsCorporate": int(code == "USD")}
            for code, rate in CONVERSION_RATES.items()
        ]
        self.org.store.insert_many(currency, [self.row(currency, r) for r in rows])

    def accounts(self, size: SampleSize) -> list[dict[str, Any]]:
        account, contact = self.obj("Account"), self.obj("Contact")
        accounts, contacts = [], []
        total = size.qb_customers + size.accounts_extra
        for index in range(total):
            profile = sample.customer(self.seed, index)
            rng = random.Random(f"{self.seed}:salesforce:account:{index}")
            in_quickbooks = index < size.qb_customers
            name = profile.name
            if in_quickbooks and rng.random() < 0.15:
                name = near_duplicate(name, rng)
            accounts.append(
                self.row(
                    account,
                    {
                        "Name": name,
                        "Type": "Customer - Direct" if in_quickbooks else "Prospect",
                        "BillingStreet": profile.street,
                        "BillingCity": profile.city,
                        "BillingState": profile.state,
                        "BillingPostalCode": profile.postal_code,
                        "BillingCountry": "United States",
                        "Phone": profile.phone,
                        "Email__c": profile.email,
                        "Sync_To_QuickBooks__c": int(
                            rng.random() < (0.4 if in_quickbooks else 0.6)
                        ),
                    },
                )
            )
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            contacts.append(
                self.row(
                    contact,
                    {
                        "FirstName": first,
                        "LastName": last,
                        "Name": f"{first} {last}",
                        "AccountId": accounts[-1]["Id"],
                        "Title": "Accounts Payable",
                        "Email": profile.email,
                        "Phone": profile.phone,
                    },
                )
            )
        self.org.store.insert_many(account, accounts)
        self.org.store.insert_many(contact, contacts)
        return accounts

    def products(self, size: SampleSize) -> list[tuple[str, float]]:
        """Products entered by hand before any sync, one per QuickBooks item; the sales team has
        priced only the first half in the standard price book, so the rest cannot be sold on an
        opportunity until the sync gives them a price. Returns (price book entry id, price)."""
        product, pricebook, entry = (
            self.obj("Product2"),
            self.obj("Pricebook2"),
            self.obj("PricebookEntry"),
        )
        book = self.row(pricebook, {"Name": "Standard Price Book", "IsActive": 1, "IsStandard": 1})
        self.org.store.insert(pricebook, book)
        products, entries = [], []
        for index in range(size.items):
            item = sample.item(self.seed, index)
            service = item.kind == "service"
            products.append(
                self.row(
                    product,
                    {
                        "Name": item.name,
                        "ProductCode": f"{'SVC' if service else 'GDS'}-{index + 1:04d}",
                        "Description": item.description,
                        "IsActive": 1,
                        "Family": "Services" if service else "Goods",
                    },
                )
            )
            if index >= priced_by_hand(size.items):
                continue
            entries.append(
                self.row(
                    entry,
                    {
                        "Name": item.name,
                        "Pricebook2Id": book["Id"],
                        "Product2Id": products[-1]["Id"],
                        "UnitPrice": float(item.price),
                        "IsActive": 1,
                    },
                )
            )
        self.org.store.insert_many(product, products)
        self.org.store.insert_many(entry, entries)
        return [(e["Id"], e["UnitPrice"]) for e in entries]

    def opportunities(
        self, size: SampleSize, accounts: list[dict[str, Any]], products: list[tuple[str, float]]
    ) -> None:
        if not accounts:
            return
        opportunity, line_item = self.obj("Opportunity"), self.obj("OpportunityLineItem")
        open_stages = [s for s in STAGES if s not in {"Closed Won"}]
        for index in range(size.opportunities):
            rng = random.Random(f"{self.seed}:salesforce:opportunity:{index}")
            account = rng.choice(accounts)
            won = index % 2 == 0
            stage = "Closed Won" if won else rng.choice(open_stages)
            close = (
                SEED_DATE - timedelta(days=rng.randint(1, 60))
                if won
                else SEED_DATE + timedelta(days=rng.randint(7, 90))
            )
            opportunity_id = self.writer.create(
                opportunity,
                {
                    "Name": f"{account['Name']} - order {index + 1}",
                    "AccountId": account["Id"],
                    "StageName": stage,
                    "CloseDate": close.isoformat(),
                    "Amount": float(rng.randint(500, 5000)),
                    "Type": "Existing Customer",
                },
            )
            if not products or not (won or rng.random() < 0.5):
                continue
            for entry_id, price in rng.sample(products, k=min(len(products), rng.randint(1, 3))):
                self.writer.create(
                    line_item,
                    {
                        "OpportunityId": opportunity_id,
                        "PricebookEntryId": entry_id,
                        "Quantity": rng.randint(1, 5),
                        "UnitPrice": price,
                        "Description": "Seeded line",
                    },
                )


def seed_org(org: Org, seed: int, size: SampleSize) -> None:
    """Fill an empty org; call once, inside no other transaction."""
    seeder = _Seeder(org, seed)
    with org.clock.frozen(SEED_TIME), org.store.transaction():
        seeder.identity()
        seeder.record_types()
        seeder.currencies()
        accounts = seeder.accounts(size)
        products = seeder.products(size)
        seeder.opportunities(size, accounts, products)
        org.store.set_meta("seed", str(seed))

"""The seeded sample company both sandboxes draw from, so their records can be matched.

Profiles are generated lazily and deterministically from (seed, index): the QuickBooks sandbox
turns them into customers and items, the Salesforce sandbox into accounts and products, and a
benchmark can ask for index 99,999 without building the 99,999 before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

_FIRST = (
    "Acme",
    "Blue Ridge",
    "Cedar",
    "Delta",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Maple",
    "Northwind",
    "Oakmont",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Union",
    "Valley",
    "Willow",
    "Yellowstone",
)
_SECOND = (
    "Bakery",
    "Builders",
    "Consulting",
    "Dental",
    "Electric",
    "Farms",
    "Garage",
    "Hardware",
    "Interiors",
    "Joinery",
    "Kitchens",
    "Landscaping",
    "Medical",
    "Nursery",
    "Optics",
    "Plumbing",
    "Roofing",
    "Supply",
    "Tiling",
    "Upholstery",
    "Vineyards",
    "Welding",
)
_SUFFIX = ("LLC", "Inc.", "Co.", "Ltd", "& Sons", "Group")
_STREETS = ("Main St", "Oak Ave", "Pine Rd", "Elm St", "Lake Dr", "Hill Rd", "River Way")
_CITIES = (
    ("Springfield", "IL", "62701"),
    ("Portland", "OR", "97201"),
    ("Austin", "TX", "73301"),
    ("Madison", "WI", "53703"),
    ("Boulder", "CO", "80302"),
    ("Raleigh", "NC", "27601"),
)
_SERVICES = (
    "Consulting hour",
    "Installation",
    "Site visit",
    "Design work",
    "Maintenance plan",
    "Training session",
    "Inspection",
    "Repair labour",
    "Project management",
    "Support",
)
_GOODS = (
    "Copper pipe 10ft",
    "Oak board",
    "LED panel",
    "Steel bracket",
    "Paint 1gal",
    "Tile box",
    "Cable 50m",
    "Valve kit",
    "Filter pack",
    "Sealant tube",
)


@dataclass(frozen=True)
class CustomerProfile:
    index: int
    name: str
    email: str
    phone: str
    street: str
    city: str
    state: str
    postal_code: str


@dataclass(frozen=True)
class ItemProfile:
    index: int
    name: str
    kind: str  # "service" or "non_inventory"
    price: Decimal
    description: str


def customer(seed: int, index: int) -> CustomerProfile:
    rng = random.Random(f"{seed}:customer:{index}")
    first = _FIRST[index % len(_FIRST)]
    second = _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    suffix = rng.choice(_SUFFIX)
    cycle = index // (len(_FIRST) * len(_SECOND))
    name = f"{first} {second} {suffix}" + (f" {cycle + 1}" if cycle else "")
    slug = f"{first}{second}".lower().replace(" ", "")
    city, state, postal = rng.choice(_CITIES)
    return CustomerProfile(
        index=index,
        name=name,
        email=f"accounts@{slug}{cycle or ''}.example.com",
        phone=f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        street=f"{rng.randint(1, 9999)} {rng.choice(_STREETS)}",
        city=city,
        state=state,
        postal_code=postal,
    )


def customers(seed: int, count: int) -> list[CustomerProfile]:
    return [customer(seed, i) for i in range(count)]


def item(seed: int, index: int) -> ItemProfile:
    rng = random.Random(f"{seed}:item:{index}")
    service = index % 2 == 0
    names = _SERVICES if service else _GOODS
    base = names[(index // 2) % len(names)]
    cycle = index // (2 * len(names))
    name = base + (f" {cycle + 1}" if cycle else "")
    price = (Decimal(rng.randint(1500, 25000)) / 100).quantize(Decimal("0.01"))
    return ItemProfile(
        index=index,
        name=name,
        kind="service" if service else "non_inventory",
        price=price,
        description=f"{base} ({'service' if service else 'goods'})",
    )


def items(seed: int, count: int) -> list[ItemProfile]:
    return [item(seed, i) for i in range(count)]

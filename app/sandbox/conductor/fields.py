"""How request properties become stored fields: copied, money, references, addresses.

Each writable resource declares a rule per request property. A property the spec allows but that
no rule covers is refused with a clear message instead of being silently dropped, so a client
never believes the sandbox stored something it did not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.values import money, parse_money, rate

if TYPE_CHECKING:
    from app.sandbox.conductor.company import Company

ADDRESS_KEYS = (
    "line1",
    "line2",
    "line3",
    "line4",
    "line5",
    "city",
    "state",
    "postalCode",
    "country",
    "note",
)


@dataclass(frozen=True)
class Plain:
    target: str | None = None

    def apply(
        self, company: Company, body: dict[str, Any], key: str, value: Any, within: str
    ) -> None:
        body[self.target or key] = value


@dataclass(frozen=True)
class Money:
    target: str | None = None
    precise: bool = False  # prices and rates keep up to 5 decimals

    def apply(
        self, company: Company, body: dict[str, Any], key: str, value: Any, within: str
    ) -> None:
        amount = parse_money(key, value)
        body[self.target or key] = rate(amount) if self.precise else money(amount)


@dataclass(frozen=True)
class Ref:
    """A flat `xxxId` in the request, `{id, fullName}` in the record.

    `kinds` empty means this company file keeps no records of that list (classes, terms, sales
    reps...), so every id is an invalid reference, as QuickBooks would report it.
    """

    target: str
    label: str
    kinds: tuple[str, ...] = ()

    def apply(
        self, company: Company, body: dict[str, Any], key: str, value: Any, within: str
    ) -> None:
        body[self.target] = self.resolve(company, value, within)

    def resolve(self, company: Company, value: str, within: str) -> dict[str, Any]:
        found = company.find(value, self.kinds) if self.kinds else None
        if found is None:
            raise errors.invalid_reference(self.label, value, within)
        return company.reference(found)


@dataclass(frozen=True)
class Address:
    def apply(
        self, company: Company, body: dict[str, Any], key: str, value: Any, within: str
    ) -> None:
        body[key] = {k: value.get(k) for k in ADDRESS_KEYS}


@dataclass(frozen=True)
class Nested:
    """An object whose own properties follow rules; updates merge into what is stored."""

    rules: Mapping[str, Any]
    ignored: Collection[str] = ()

    def apply(
        self, company: Company, body: dict[str, Any], key: str, value: Any, within: str
    ) -> None:
        current = dict(body.get(key) or {})
        assign(company, current, value, self.rules, within, skip=self.ignored)
        body[key] = current


@dataclass(frozen=True)
class Computed:
    """A value derived from the request value by a function (e.g. a barcode's `value`)."""

    target: str
    compute: Callable[[Any], Any]

    def apply(
        self, company: Company, body: dict[str, Any], key: str, value: Any, within: str
    ) -> None:
        body[self.target] = self.compute(value)


def assign(
    company: Company,
    body: dict[str, Any],
    request: Mapping[str, Any],
    rules: Mapping[str, Any],
    within: str,
    *,
    skip: Collection[str] = (),
) -> None:
    for key, value in request.items():
        if key in skip:
            continue
        rule = rules.get(key)
        if rule is None:
            raise unsupported(key, within)
        rule.apply(company, body, key, value, within)


def unsupported(key: str, within: str) -> errors.ConductorError:
    return errors.invalid_request(
        f'"{key}" is valid in Conductor\'s API, but this sandbox does not emulate it on '
        f"{within} requests.",
        code="SANDBOX_UNSUPPORTED_FIELD",
    )

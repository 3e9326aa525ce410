"""What the sandbox promises about SystemModstamp, each from Salesforce's documentation."""

from __future__ import annotations

from datetime import datetime, timedelta

from simple_salesforce import Salesforce

from app.sandbox.salesforce import SalesforceSandbox


def _stamp(sf: Salesforce, record_id: str) -> datetime:
    return datetime.strptime(sf.Account.get(record_id)["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")


def test_system_modstamp_is_kept_to_the_second_so_writes_tie(sf: Salesforce) -> None:
    """Object Reference, "System Fields"; SOQL dateTime values are to the second, so two writes in
    one second share a SystemModstamp.
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/system_fields.htm
    """
    stamps = [_stamp(sf, sf.Account.create({"Name": f"Tie {n}"})["id"]) for n in range(6)]
    assert {s.microsecond for s in stamps} == {0}
    assert stamps == sorted(stamps)
    assert len(set(stamps)) < len(stamps)  # six quick writes share seconds


def test_a_late_commit_is_stamped_before_records_already_visible(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    """SOAP API Developer Guide, "GetUpdatedResult" (latestDateCovered): changes that started
    before a time but completed after it carry the earlier time, so a reader must read back.
    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm
    """
    seen = _stamp(sf, sf.Account.create({"Name": "Seen first"})["id"])
    sandbox.set_config(commit_lag_seconds=120)
    late = _stamp(sf, sf.Account.create({"Name": "Committed late"})["id"])
    sandbox.set_config(commit_lag_seconds=0)
    assert late <= seen - timedelta(seconds=110)
    since = seen.strftime("%Y-%m-%dT%H:%M:%SZ")
    soql = f"SELECT Name FROM Account WHERE SystemModstamp >= {since}"  # noqa: S608
    newer = sf.query_all(soql)["records"]
    assert "Committed late" not in {r["Name"] for r in newer}

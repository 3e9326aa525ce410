"""The pure core: workflows, field maps, money and text rules, mapping, matching, error catalog.

Nothing here performs I/O, imports Qt, the SDKs or other packages of the app. Records arrive as
plain dicts: QuickBooks records in Conductor's wire shape (camelCase keys, money as decimal strings,
references as `{"id", "fullName"}`), Salesforce records keyed by API field names.
"""

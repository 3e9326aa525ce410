"""Salesforce: OAuth, a refreshing token session, REST/Collections/Composite/Bulk 2.0, schema."""

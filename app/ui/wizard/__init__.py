"""The setup wizard: QuickBooks, Salesforce, schema check, workflows, matching, first preview."""

"""Built-in emulators of Conductor (QuickBooks Desktop) and Salesforce, for demo mode and tests."""

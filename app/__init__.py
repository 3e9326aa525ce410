"""QuickBooks Desktop <-> Salesforce sync."""

__version__ = "0.1.0"
APP_NAME = "QuickBooks Salesforce Sync"
APP_ID = "qbsf"

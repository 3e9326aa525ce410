"""The company file's preferences, as `GET /preferences` shows them.

Only the closing date and multicurrency change what the sandbox does; the rest is the fixed
setup of the sample company (accrual books, no sales tax, no inventory sites).
"""

from __future__ import annotations

from typing import Any

from app.sandbox.conductor.company import Company


def render(company: Company) -> dict[str, Any]:
    settings = company.settings()
    home = settings["homeCurrency"]
    body = {
        "accounting": {
            "isUsingAccountNumbers": True,
            "isRequiringAccounts": True,
            "isUsingClassTracking": False,
            "defaultTransactionClass": None,
            "isUsingAuditTrail": True,
            "isAssigningJournalEntryNumbers": True,
            "closingDate": settings["closingDate"],
        },
        "financeCharges": {
            "annualInterestRate": 0,
            "minimumFinanceCharge": 0,
            "gracePeriod": 0,
            "financeChargeAccount": None,
            "isAssessingForOverdueCharges": False,
            "calculateChargesFrom": "due_date",
            "isMarkedToBePrinted": False,
        },
        "jobsAndEstimates": {
            "isUsingEstimates": True,
            "isUsingProgressInvoicing": False,
            "isPrintingItemsWithZeroAmounts": False,
        },
        "multiCurrency": (
            {"isMultiCurrencyEnabled": True, "homeCurrency": company.currency(home)}
            if home
            else None
        ),
        "multiLocationInventory": None,
        "purchasesAndVendors": {
            "isUsingInventory": False,
            "daysBillsAreDue": 30,
            "isAutomaticallyUsingDiscounts": False,
            "defaultDiscountAccount": None,
        },
        "reports": {"agingReportBasis": "age_from_due_date", "summaryReportBasis": "accrual"},
        "salesAndCustomers": {
            "defaultShippingMethod": None,
            "defaultShipmentOrigin": None,
            "defaultMarkupPercentage": None,
            "isTrackingReimbursedExpensesAsIncome": False,
            "isAutoApplyingPayments": True,
            "priceLevels": None,
        },
        "salesTax": None,
        "timeTracking": None,
        "appAccessRights": {
            "isAutomaticLoginAllowed": True,
            "automaticLoginUserName": "Admin",
            "isPersonalDataAccessAllowed": False,
        },
        "itemsAndInventory": None,
    }
    return company.spec.complete("qbd_preferences", body)

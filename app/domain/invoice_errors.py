"""What the bookkeeper reads when QuickBooks' answer to an invoice create is not the invoice
that was approved."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.user_error import ErrorAction, ErrorKind, UserError

REPLY_MISMATCH = "local.invoice_reply_mismatch"


def invoice_reply_mismatch(
    ref_number: str, invoice_id: str, differences: Sequence[str]
) -> UserError:
    return UserError(
        code=REPLY_MISMATCH,
        title="QuickBooks saved a different invoice from the one approved",
        what_happened=(
            f"QuickBooks created invoice {ref_number or invoice_id}, but what it saved differs "
            f"from the approved invoice: {'; '.join(differences)}. The sync stopped so nothing "
            "more is created until someone has looked."
        ),
        what_to_do=(
            f"Open invoice {ref_number or invoice_id} in QuickBooks and compare it with the "
            "opportunity; correct it there if needed. It waits in the review queue: approve it "
            "again to link it as QuickBooks has it, or void it there and skip the opportunity."
        ),
        action=ErrorAction.OPEN_QUICKBOOKS_HELP,
        kind=ErrorKind.CONFIGURATION,
        retryable=False,
        details=f"QuickBooks invoice id {invoice_id}",
    )

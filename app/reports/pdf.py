"""The run report as a PDF: A4, numbered pages, the run's facts, the reconciliation, what needs
attention and every record it touched, linked both ways.

Rendered with QtGui (QTextDocument laid out for a QPdfWriter), which needs a QGuiApplication:
the tray's is used when there is one; otherwise one is made, off screen when this computer has
no display. Call it from the thread that owns the application.
"""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from app.engine.books import money
from app.engine.books.model import Totals
from app.engine.report import RunReport, workflow_title

#: More rows than an accountant reads on paper; the CSV export has them all.
MAX_RECORDS = 2000
RESOLUTION = 300
MARGIN_MM = 15.0
FOOTER_PT = 14

_app: QGuiApplication | None = None

STYLE = """
body { font-family: 'Helvetica', 'Arial', sans-serif; font-size: 9pt; color: #1b1b1b; }
h1 { font-size: 16pt; margin: 0 0 6pt 0; }
h2 { font-size: 11.5pt; margin: 14pt 0 4pt 0; color: #1f3b63; }
table { border-collapse: collapse; }
th { background: #e8edf3; text-align: left; font-weight: bold; }
td { vertical-align: top; }
td.key { color: #555555; }
.ok { color: #1e6b2f; font-weight: bold; }
.bad { color: #9b1c1c; font-weight: bold; }
.small { font-size: 8pt; color: #555555; }
"""


def write_pdf(report: RunReport, path: Path) -> None:
    _ensure_application()
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )
    writer.setTitle(report.title)
    writer.setCreator("QuickBooks Salesforce Sync")
    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)
    document.setDefaultFont(QFont("Helvetica", 9))
    document.setDefaultStyleSheet(STYLE)
    document.setHtml(report_html(report))
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    footer = FOOTER_PT * RESOLUTION / 72
    body = QSizeF(page.width(), page.height() - footer)
    document.setPageSize(body)
    pages = document.pageCount()
    painter = QPainter(writer)
    try:
        for number in range(pages):
            if number:
                writer.newPage()
            painter.save()
            painter.translate(0, -number * body.height())
            document.drawContents(
                painter, QRectF(0, number * body.height(), body.width(), body.height())
            )
            painter.restore()
            painter.setFont(QFont("Helvetica", 7))
            painter.drawText(
                QRectF(0, body.height(), body.width(), footer),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                f"{report.title} - page {number + 1} of {pages}",
            )
    finally:
        painter.end()


def report_html(report: RunReport) -> str:
    parts = [f"<h1>{_e(report.title)}</h1>", _facts(report.facts())]
    reconciliation = report.reconciliation
    parts.append("<h2>Reconciliation</h2>")
    if reconciliation is None:
        parts.append("<p>This run was not followed by a reconciliation.</p>")
    else:
        mark = "ok" if reconciliation.clean else "bad"
        verdict = "The books agree." if reconciliation.clean else "The books differ."
        parts.append(f'<p class="{mark}">{verdict}</p>')
        parts.extend(f"<p>{_e(line)}</p>" for line in reconciliation.report_lines()[:2])
        if reconciliation.reused_from is not None:
            parts.append(
                "<p class=\"small\">QuickBooks' side is the previous check's, brought up to date "
                "with the records this sync read; Salesforce was read again.</p>"
            )
        if reconciliation.customers:
            rows = [
                (c.name, _figures(c.open_invoices.quickbooks), _figures(c.open_invoices.salesforce))
                for c in reconciliation.customers
            ]
            parts.append(
                _grid(("Customer", "QuickBooks: open / total", "Salesforce: open / total"), rows)
            )
        if reconciliation.differences:
            rows = [
                (
                    workflow_title(d.workflow),
                    d.ref,
                    d.customer,
                    d.kind.value,
                    "" if d.quickbooks_amount is None else money(d.quickbooks_amount),
                    "" if d.salesforce_amount is None else money(d.salesforce_amount),
                    d.detail,
                )
                for d in reconciliation.differences
            ]
            header = ("", "Ref", "Customer", "Difference", "QuickBooks", "Salesforce", "Detail")
            parts.append(_grid(header, rows))
    attention = report.attention
    if attention:
        parts.append("<h2>Needs attention</h2>")
        rows = [
            (workflow_title(r.workflow), r.record, r.outcome, r.message or r.code or "")
            for r in attention
        ]
        parts.append(_grid(("", "Record", "Outcome", "What happened"), rows))
    parts.append("<h2>Records</h2>")
    if not report.records:
        parts.append("<p>No record was created or changed.</p>")
    else:
        shown = report.records[:MAX_RECORDS]
        rows = [
            (
                workflow_title(r.workflow),
                r.record,
                r.outcome,
                r.quickbooks_id or "",
                r.salesforce_id or "",
                "<br/>".join(_e(c.text()) for c in r.changes),
            )
            for r in shown
        ]
        header = ("", "Record", "Outcome", "QuickBooks id", "Salesforce id", "Changed fields")
        parts.append(_grid(header, rows, raw_last=True))
        if len(report.records) > len(shown):
            more = len(report.records) - len(shown)
            parts.append(f'<p class="small">... and {more} more records: see the CSV export.</p>')
    return f"<html><body>{''.join(parts)}</body></html>"


def _figures(totals: Totals) -> str:
    return f"{totals.count} / {money(totals.total)}"


def _facts(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f'<tr><td class="key">{_e(k)}</td><td>{_e(v)}</td></tr>' for k, v in rows)
    return f'<table cellpadding="2" cellspacing="0">{cells}</table>'


def _grid(header: tuple[str, ...], rows: list[tuple[str, ...]], *, raw_last: bool = False) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for n, row in enumerate(rows):
        shade = ' bgcolor="#f6f8fa"' if n % 2 else ""
        cells = [
            f"<td>{value if raw_last and i == len(row) - 1 else _e(value)}</td>"
            for i, value in enumerate(row)
        ]
        body.append(f"<tr{shade}>{''.join(cells)}</tr>")
    return (
        '<table width="100%" cellpadding="3" cellspacing="0" border="0">'
        f"<thead><tr>{head}</tr></thead>{''.join(body)}</table>"
    )


def _e(text: str) -> str:
    return html.escape(str(text))


def _ensure_application() -> None:
    global _app
    if QGuiApplication.instance() is not None:
        return
    args = [sys.argv[0] if sys.argv else "qbsf"]
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and not os.environ.get("QT_QPA_PLATFORM"):
        args += ["-platform", "offscreen"]
    _app = QGuiApplication(args)

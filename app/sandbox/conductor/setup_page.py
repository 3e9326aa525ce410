"""The auth flow page an `authFlowUrl` opens: the QuickBooks Desktop setup, played in one click.

GET shows the steps a person follows on the QuickBooks PC (download the Web Connector file,
open it, enter the password, allow access) and opens the connection; POST stands for finishing
them and activates it, then redirects to the session's `redirectUrl` or says it is done.
"""

from __future__ import annotations

from html import escape

from werkzeug.wrappers import Request, Response

from app.sandbox.conductor.connections import Directory

PREFIX = "/setup/"

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;"
    "color:#1d2330}h1{font-size:1.4rem}li{margin:.4rem 0}button{font-size:1rem;"
    "padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#2b6cb0;color:#fff;"
    "cursor:pointer}.note{color:#5a6275;font-size:.9rem}"
)


def serve(directory: Directory, request: Request) -> Response:
    secret = request.path[len(PREFIX) :].strip("/")
    session = directory.session(secret)
    if session is None:
        return _page("Link not found", "<p>This setup link is not valid.</p>", 404)
    if directory.session_expired(session):
        return _page(
            "Link expired",
            "<p>This setup link has expired. Ask for a new one and try again.</p>",
            410,
        )
    end_user = directory.open_setup(session)
    company = escape(end_user["companyName"])
    if request.method == "POST":
        directory.finish_setup(session)
        if session.get("redirectUrl"):
            return Response(status=303, headers={"Location": session["redirectUrl"]})
        return _page(
            "QuickBooks Desktop is connected",
            f"<p>{company} is now connected to QuickBooks Desktop. You can close this tab.</p>",
        )
    if request.method != "GET":
        return _page("Not allowed", "<p>Use the link in a browser.</p>", 405)
    if directory.is_active(end_user["id"]):
        intro = "<p>This QuickBooks Desktop connection is already set up.</p>"
    else:
        intro = ""
    body = f"""{intro}
<p>Connect <strong>{company}</strong> to QuickBooks Desktop. On the computer that runs
QuickBooks Desktop:</p>
<ol>
<li>Open QuickBooks Desktop and sign in to the company file as Admin, in single-user mode.</li>
<li>Download the QuickBooks Web Connector file (<code>.qwc</code>) and open it in QuickBooks
Web Connector.</li>
<li>Enter the password shown here into the Web Connector and click <em>Update Selected</em>.</li>
<li>When QuickBooks asks, choose <em>Yes, always; allow access even if QuickBooks is not
running</em>.</li>
</ol>
<form method="post"><button type="submit">Finish the Web Connector setup</button></form>
<p class="note">Sandbox: the button stands for all four steps above.</p>"""
    return _page("Set up QuickBooks Desktop", body)


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(html, status=status, mimetype="text/html")

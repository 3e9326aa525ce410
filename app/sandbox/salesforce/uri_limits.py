"""How large a request's URI and headers may be before Salesforce refuses it.

"In each REST call, the maximum length for the combined URI and headers is 16,384 bytes. A request
exceeding this limit returns a 431 Request Header Fields Too Large error. If the URI itself exceeds
this limit, the request returns a 414 URI Too Long error." (Salesforce Help, "Maximum number of rows
returned by SOQL queries over the REST API", knowledge article 000386264,
https://help.salesforce.com/s/articleView?id=000386264&type=1). The refusal comes from the web
tier before the API reads the request, so it has no JSON error body, needs no session and is not
counted against the daily API limit; the answer's body is not documented, so a short text says
which limit was passed.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from app.sandbox._http import RequestHead

#: The documented limit of URI plus headers, in bytes.
MAX_URI_AND_HEADERS = 16_384


def refusal(head: RequestHead) -> Response | None:
    """414 when the URI alone is over the limit, 431 when URI and headers together are."""
    if head.uri_bytes > MAX_URI_AND_HEADERS:
        return Response("URI Too Long", status=414, mimetype="text/plain")
    if head.total_bytes > MAX_URI_AND_HEADERS:
        return Response("Request Header Fields Too Large", status=431, mimetype="text/plain")
    return None

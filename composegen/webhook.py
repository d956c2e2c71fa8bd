"""`composegen status --webhook URL`: POST the status as JSON when something needs attention.

The URL often carries a token (a chat or monitoring service's secret path), so it is never printed,
not even in an error: errors name what failed, never where.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from composegen.errors import UserError

DEFAULT_TIMEOUT = 10.0


class WebhookError(Exception):
    """The alert could not be delivered; the message never holds the URL."""


def check_url(url: str) -> str:
    """`url` when it is an http(s) URL with a host; a UserError (without the URL) otherwise."""
    try:
        parts = urllib.parse.urlsplit(url)
        has_host = bool(parts.hostname)
    except ValueError:
        has_host, parts = False, None
    if parts is None or parts.scheme not in ("http", "https") or not has_host:
        raise UserError("--webhook: not an http:// or https:// URL with a host (the URL is not shown: it may hold a token)")
    return url


def post(url: str, payload: dict, timeout: float = DEFAULT_TIMEOUT) -> int:
    """POST `payload` as JSON; the HTTP status. WebhookError when it fails or answers non-2xx."""
    request = urllib.request.Request(check_url(url), data=json.dumps(payload).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "composegen"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"the webhook answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = getattr(reason, "strerror", None) or (reason if isinstance(reason, str) else type(reason).__name__)
        raise WebhookError(f"the webhook could not be reached: {_without(text, url)}") from None
    except TimeoutError:
        raise WebhookError(f"the webhook did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise WebhookError(f"the webhook could not be reached: {_without(exc.strerror or type(exc).__name__, url)}") from None
    except Exception as exc:  # http.client's own errors (a bad status line, ...): never their text, it may quote the URL
        raise WebhookError(f"the webhook request failed ({type(exc).__name__})") from None


def _without(text: str, url: str) -> str:
    text = str(text)
    host = urllib.parse.urlsplit(url).netloc
    for secret in (url, host):
        if secret:
            text = text.replace(secret, "<webhook>")
    return text

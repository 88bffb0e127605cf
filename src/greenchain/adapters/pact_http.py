"""HTTP for the PACT client: the token request (OAuth2 client credentials with HTTP Basic) and
JSON GET/POST with a bearer token, over HTTPS (a CA file can be given for self-signed hosts),
retried with exponential backoff on connection errors and 5xx answers."""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from greenchain.domain.errors import InvalidDataError


class UrllibPactTransport:
    def __init__(
        self, cafile: str | None = None, attempts: int = 4, backoff_s: float = 0.5
    ) -> None:
        self._context = ssl.create_default_context(cafile=cafile)
        self._attempts = attempts
        self._backoff = backoff_s

    def _send(self, request: urllib.request.Request) -> tuple[int, dict[str, str], Any]:
        delay = self._backoff
        for attempt in range(self._attempts):
            try:
                with urllib.request.urlopen(request, timeout=30, context=self._context) as answer:
                    body = answer.read()
                    headers = {k.lower(): v for k, v in answer.headers.items()}
                    return answer.status, headers, json.loads(body) if body else None
            except urllib.error.HTTPError as exc:
                body = exc.read()
                if exc.code >= 500 and attempt + 1 < self._attempts:
                    time.sleep(delay)
                    delay *= 2
                    continue
                headers = {k.lower(): v for k, v in exc.headers.items()}
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                return exc.code, headers, parsed
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if attempt + 1 < self._attempts:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise InvalidDataError(f"{request.full_url}: not reachable ({exc})") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def token(self, base_url: str, client_id: str, secret: str) -> tuple[int, Any]:
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        request = urllib.request.Request(
            base_url.rstrip("/") + "/auth/token",
            data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        status, _, body = self._send(request)
        return status, body

    def get(self, url: str, token: str) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
        )
        return self._send(request)

    def post(self, url: str, token: str, body: Any) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/cloudevents+json; charset=UTF-8",
            },
            method="POST",
        )
        return self._send(request)

"""What a request must pass before the app sees it: a bearer token when tokens are
configured (read-only tokens only for GET/HEAD/OPTIONS), and a body no larger than the
limit (413 past it, checked on the declared length and on the bytes actually sent).

Reads may also present the token in the `eioku_token` cookie, which the web app sets:
a `<video>` or `<img>` element cannot send an Authorization header. Writes never accept
the cookie, so another site cannot make a browser change anything."""

import hmac
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import unquote

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api.errors import error_response
from pipeline.api.routers.web import is_web_path
from pipeline.settings import Settings

OPEN_PATHS = frozenset({"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_COOKIE = "eioku_token"


def _matches(presented: str, tokens: Iterable[str]) -> bool:
    # every token is compared, in constant time, so timing tells nothing about them
    results = [hmac.compare_digest(presented.encode(), token.encode()) for token in tokens]
    return any(results)


class AccessMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            body = await self._bounded_body(scope, receive)
            if body is not None:
                await self.app(scope, _replay(body, receive), send)
                return
            refusal = error_response(
                413,
                "body_too_large",
                f"request body larger than {self.settings.max_body_bytes} bytes",
                "body",
            )
        await refusal(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        settings = self.settings
        path = scope["path"]
        if not settings.requires_token or path in OPEN_PATHS or is_web_path(path):
            return None
        if path == "/metrics" and settings.metrics_public:
            return None
        presented = _bearer_token(scope)
        if presented is None and scope["method"] in READ_METHODS:
            presented = _cookie_token(scope)
        if presented is not None and _matches(presented, settings.api_tokens):
            return None
        if presented is not None and _matches(presented, settings.api_read_tokens):
            if scope["method"] in READ_METHODS:
                return None
            return error_response(403, "read_only_token", "this token may only read")
        return error_response(
            401,
            "unauthorized",
            "a valid bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def _bounded_body(self, scope: Scope, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None when it is larger than the limit."""
        limit = self.settings.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > limit:
            return None
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > limit:
                return None
            if not message.get("more_body", False):
                return messages


def _bearer_token(scope: Scope) -> str | None:
    header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _cookie_token(scope: Scope) -> str | None:
    header = dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(TOKEN_COOKIE)
    return unquote(morsel.value) if morsel is not None and morsel.value else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """The body messages already read, then whatever the client sends next."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed

"""One error shape for every 4xx (and the rare 5xx): ``{"error": {"code", "message", "field"}}``.

FastAPI's own validation errors, Starlette's 404/405 and every Eioku error (one handler:
the error's kind gives the status) are all turned into it here."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from pipeline.api.models import ErrorResponse
from pipeline.db.availability import database_location, is_unavailable
from pipeline.errors import EiokuError, ErrorKind

log = logging.getLogger(__name__)

# a failure (ErrorKind.FAILURE) is the 500 answer of any unexpected exception
STATUS_OF_KIND = {
    ErrorKind.INVALID_PARAMETER: 422,
    ErrorKind.UNUSABLE_INPUT: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNAVAILABLE: 503,
}


class ApiError(EiokuError):
    """An error only the API answers, with its status (and headers) chosen where it is
    raised: 401, 403, 413, 416, the frame decoder's 503, or a domain error given the
    API's own message."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, field, code=code)
        self.status_code = status_code
        self.headers = headers


def invalid(field: str, message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(422, code, message, field)


def not_found(code: str, message: str, field: str | None = None) -> ApiError:
    return ApiError(404, code, message, field)


HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
RETRY_LATER = {"Retry-After": "5"}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Unknown video, run or nothing found"},
    422: {"model": ErrorResponse, "description": "Invalid parameter; `field` names it"},
    401: {"model": ErrorResponse, "description": "No valid bearer token (when tokens are set)"},
    413: {"model": ErrorResponse, "description": "Request body over the limit"},
    503: {"model": ErrorResponse, "description": "The database does not answer"},
}
FORBIDDEN_RESPONSE: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorResponse, "description": "Path outside the allowed roots"}
}


def error_response(
    status_code: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status_code, headers=headers)


def _field_of(location: tuple[Any, ...]) -> str | None:
    """("query", "limit") -> "limit"; ("body", "analyzers", 0) -> "analyzers.0"."""
    parts = [str(part) for part in location[1:]] or [str(part) for part in location]
    return ".".join(parts) or None


async def _eioku_error(_request: Request, exc: Exception) -> JSONResponse:
    """Any Eioku error in the one shape, its status from its kind; a failure of the
    configuration or of Eioku itself goes on to the 500 answer (and the log) instead."""
    assert isinstance(exc, EiokuError)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, str(exc), exc.field, exc.headers)
    if exc.kind is ErrorKind.FAILURE:
        raise exc
    status = STATUS_OF_KIND[exc.kind]
    headers = RETRY_LATER if status == 503 else None
    return error_response(status, exc.code, str(exc), exc.field, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":  # its location is a byte offset, not a field
        return error_response(422, "invalid_parameter", "body: not valid JSON", "body")
    field = _field_of(tuple(first.get("loc", ())))
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    return error_response(422, "invalid_parameter", message, field)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI could not parse the body: bad input like any other
        return error_response(422, "invalid_parameter", str(exc.detail), "body")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route matching the path
        headers["Allow"] = ", ".join(allowed_methods(request))
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers=headers)


def allowed_methods(request: Request) -> list[str]:
    routes: list[BaseRoute] = request.app.state.api_routes
    methods = {
        method
        for route in routes
        if isinstance(route, APIRoute) and route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods
    }
    return sorted(methods)


async def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value (out of range, bad encoding): the client's input.
    return error_response(422, "invalid_parameter", "a parameter value is not acceptable")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if not is_unavailable(exc):
        log.error("database error", exc_info=exc)
        return await _unexpected(request, exc)
    url = request.app.state.eioku.settings.database_url
    message = f"database unavailable: {database_location(url)}"
    return error_response(503, "database_unavailable", message, headers=RETRY_LATER)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(500, "internal_error", "unexpected server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(EiokuError, _eioku_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _unexpected)

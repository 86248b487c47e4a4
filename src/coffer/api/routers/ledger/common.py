"""What the ledger API's modules share: the router (every endpoint registers on it), path
and query parameter types, the default error response, and cursor paging."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from coffer.api import schemas as S
from coffer.api.deps import FILTER_BODY_DOC, ReadScope, WriteScope, filter_body, ledger_of, state
from coffer.api.ledger_filters import INVALID_CURSOR
from coffer.api.ledger_queries import Queries, decode_cursor, encode_cursor, page_size, parse_time
from coffer.errors import NotFound, ValidationError
from coffer.ledger import Ledger

DEFAULT_ERROR: dict[int | str, dict[str, Any]] = {
    "default": {"model": S.ErrorResponse, "description": "Error"}
}
# every endpoint documents the error body as its default response
router = APIRouter(prefix="/api/ledger", tags=["ledger"], responses=DEFAULT_ERROR)
LedgerName = Annotated[str, Path(pattern=r"^[0-9a-zA-Z_-]{1,63}$", max_length=63)]
Address = Annotated[str, Path(max_length=1000)]
TxId = Annotated[int, Path(ge=0, le=2**63 - 1)]
MetadataKey = Annotated[str, Path(max_length=1000)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
PageSize = Annotated[int | None, Query(alias="pageSize", ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=10_000)]
Pit = Annotated[datetime | None, Query()]
Expand = Annotated[list[str] | None, Query()]


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else parse_time(moment)


def _no_content() -> Response:
    return Response(status_code=204)


def cursor_state(cursor: str | None, first: dict[str, Any]) -> dict[str, Any]:
    """The paging state: the one ``cursor`` carries, or ``first`` (the first page's, made
    of the query's parameters) without a cursor."""
    return decode_cursor(cursor) if cursor else first


class CursorQuery:
    """What every cursor-paged list of the ledger API takes: ``pageSize``, ``cursor`` and
    Formance's filter body (:func:`~coffer.api.deps.filter_body`). ``size`` is the first
    page's size (the default when ``pageSize`` is absent)."""

    def __init__(
        self,
        page_size_: PageSize = None,
        cursor: Cursor = None,
        query: Any = Depends(filter_body),
    ) -> None:
        self.size, self.cursor, self.query = page_size(page_size_), cursor, query

    def state(self, first: dict[str, Any]) -> dict[str, Any]:
        """The paging state (:func:`cursor_state`); ``first`` is the first page's."""
        return cursor_state(self.cursor, first)

    def filtered_state(self, **first: Any) -> dict[str, Any]:
        """The paging state of a list the filter body narrows: the first page's holds the
        filter (``q``) then ``first``."""
        return self.state({"q": self.query, **first})


Paging = Annotated[CursorQuery, Depends()]


@contextlib.contextmanager
def cursor_fields() -> Iterator[None]:
    """Read the fields of a decoded cursor: a missing field or one of the wrong type is an
    invalid cursor (400), not a crash."""
    try:
        yield
    except (TypeError, ValueError, KeyError):
        raise ValidationError(INVALID_CURSOR) from None


def optional_int(state_: dict[str, Any], key: str) -> int | None:
    """The cursor field ``key`` as an int, None when absent or null."""
    value = state_.get(key)
    return None if value is None else int(value)


def cursor_page(
    size: int,
    has_more: bool,
    data: list[Any],
    next_state: dict[str, Any] | None = None,
    previous_state: dict[str, Any] | None = None,
) -> JSONResponse:
    """Formance's cursor page: ``next`` (when there is more) and ``previous`` (when given)
    are the paging states encoded as cursors."""
    body: dict[str, Any] = {"pageSize": size, "hasMore": has_more, "data": data}
    if has_more and next_state is not None:
        body["next"] = encode_cursor(next_state)
    if previous_state is not None:
        body["previous"] = encode_cursor(previous_state)
    return JSONResponse({"cursor": body})


def filtered_get(
    path: str, response_model: type[Any], operation_id: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a ``GET`` endpoint of the ledger API that takes Formance's filter body
    (:func:`~coffer.api.deps.filter_body`), documented in the OpenAPI."""
    return router.get(
        path,
        response_model=response_model,
        operation_id=operation_id,
        openapi_extra=FILTER_BODY_DOC,
    )


def created(
    path: str,
    response_model: type[Any],
    operation_id: str,
    summary: str | None = None,
    on: APIRouter = router,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register on ``on`` (the ledger API's router by default) a ``POST`` endpoint that
    answers 201 with ``response_model``."""
    return on.post(
        path,
        status_code=201,
        response_model=response_model,
        operation_id=operation_id,
        summary=summary,
    )


def add_count_route(
    path: str,
    name: str,
    operation_id: str,
    count: Callable[[Queries, int, object, int | None], int],
) -> None:
    """Register Formance's ``HEAD`` endpoint at ``path`` that answers 204 with the number
    of objects the filter body matches (as of ``pit``) in the ``Count`` header."""

    def count_objects(
        request: Request,
        ledger: LedgerName,
        pit: Pit = None,
        query: Any = Depends(filter_body),
        _principal: Any = ReadScope,
    ) -> Response:
        ledger_id = ledger_of(request, ledger).ledger_id
        total = count(state(request).queries, ledger_id, query, _micros(pit))
        return Response(status_code=204, headers={"Count": str(total)})

    router.head(
        path,
        name=name,
        status_code=204,
        operation_id=operation_id,
        openapi_extra=FILTER_BODY_DOC,
    )(count_objects)


def add_get_route(
    path: str,
    param: tuple[str, Any],
    names: tuple[str, str],
    response_model: type[Any],
    find: Callable[[Request, int, Any, int | None, list[str] | None], dict[str, Any] | None],
    describe: Callable[[Any], str],
) -> None:
    """Register Formance's ``GET {path}`` of one object, with ``expand`` and ``pit``.
    ``param`` is the path parameter naming the object (its name and annotated type),
    ``names`` the endpoint's name and operation id. ``find(request, ledger id, key, pit in
    microseconds, expand)`` is the object's JSON, None when it does not exist (or not yet
    at ``pit``): a 404 that ``describe(key)`` does not exist in the ledger."""
    name, annotation = param

    def get_one(
        request: Request,
        ledger: LedgerName,
        expand: Expand = None,
        pit: Pit = None,
        _principal: Any = ReadScope,
        **path_params: Any,
    ) -> Any:
        key = path_params[name]
        ledger_id = ledger_of(request, ledger).ledger_id
        data = find(request, ledger_id, key, _micros(pit), expand)
        if data is None:
            raise NotFound(f"{describe(key)} does not exist in ledger {ledger!r}")
        return JSONResponse({"data": data})

    _path_param(get_one, name, annotation)
    endpoint_name, operation_id = names
    router.get(path, name=endpoint_name, response_model=response_model, operation_id=operation_id)(
        get_one
    )


def _path_param(endpoint: Callable[..., Any], name: str, annotation: Any) -> None:
    """Give ``endpoint`` (which takes ``**path``) the path parameter ``name`` after
    ``ledger``, as FastAPI reads it (the OpenAPI shows it in that place)."""
    signature = inspect.signature(endpoint)
    params = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    params.insert(
        2, inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation)
    )
    endpoint.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]


def add_metadata_routes(
    path: str,
    subject: str,
    param: tuple[str, Any],
    operation_ids: tuple[str, str],
    set_metadata: Callable[[Ledger, Any, dict[str, str], str | None], object],
    delete_metadata: Callable[[Ledger, Any, str], object],
) -> None:
    """Register Formance's ``POST {path}/metadata`` (add or replace keys) and ``DELETE
    {path}/metadata/{key}`` of ``subject`` (account, transaction), both answering 204.
    ``param`` is the path parameter naming the object: its name and annotated type."""
    name, annotation = param

    def add(
        request: Request,
        ledger: LedgerName,
        body: dict[str, str],
        idempotency_key: IdempotencyKey = None,
        _principal: Any = WriteScope,
        **path_params: Any,
    ) -> Response:
        set_metadata(ledger_of(request, ledger), path_params[name], body, idempotency_key)
        return _no_content()

    def delete(
        request: Request,
        ledger: LedgerName,
        key: MetadataKey,
        _principal: Any = WriteScope,
        **path_params: Any,
    ) -> Response:
        delete_metadata(ledger_of(request, ledger), path_params[name], key)
        return _no_content()

    for endpoint, method, route, operation_id, endpoint_name in (
        (add, router.post, f"{path}/metadata", operation_ids[0], f"add_{subject}_metadata"),
        (
            delete,
            router.delete,
            f"{path}/metadata/{{key}}",
            operation_ids[1],
            f"delete_{subject}_metadata",
        ),
    ):
        _path_param(endpoint, name, annotation)
        method(
            route,
            name=endpoint_name,
            status_code=204,
            operation_id=operation_id,
        )(endpoint)

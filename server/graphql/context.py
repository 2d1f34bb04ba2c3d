"""The per-request context: database access, settings and the request's DataLoaders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from server.auth.identity import Viewer, viewer_from_request
from server.auth.scoping import scoped_reads
from server.db import Database
from server.settings import Settings

__all__ = ["Context", "Info", "context_of"]

_NO_OPTION: Any = object()


class Context:
    """What every resolver sees for one request (or one websocket operation).

    Resolvers run concurrently and an AsyncSession must never be shared between concurrent tasks,
    so every read (a resolver's query or a DataLoader batch) opens its own short session, and every
    mutation runs in one transaction of its own. DataLoaders live as long as the context, so their
    caches never outlive a request.
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        request: Any = None,
        response: Any = None,
        viewer: Viewer | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.request = request
        self.response = response
        # Who is asking: set by the access guard (HTTP) or on connection_init (websockets); reads are scoped to it.
        self.viewer: Viewer = viewer or viewer_from_request(request)
        self.connection_params: Any = None
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A fresh session for one read, scoped to the viewer's rows; it never crosses resolver boundaries."""
        async with scoped_reads(self.database, self.viewer) as session:
            yield session

    def forget_loaded(self) -> None:
        """Drop the DataLoaders and what they cached: a websocket runs every operation on one context, and each
        operation must read the rows as they are now, as a new HTTP request would."""
        self._loaders.clear()

    def loader(
        self, batch: Callable[..., Awaitable[Sequence[Any]]], *, option: Hashable = _NO_OPTION
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for `batch`, called as `batch(context, keys)`.

        With `option` (a filter shared by the whole batch, such as a stage), one loader exists per option
        value and the call is `batch(context, keys, option)`.
        """
        cache_key = (batch, option)
        existing = self._loaders.get(cache_key)
        if existing is None:
            extra: tuple[Any, ...] = () if option is _NO_OPTION else (option,)

            async def load(keys: list[Any]) -> Sequence[Any]:
                return await batch(self, keys, *extra)

            existing = DataLoader(load_fn=load)
            self._loaders[cache_key] = existing
        return existing


Info: TypeAlias = strawberry.Info[Context, None]


def context_of(info: Info) -> Context:
    return info.context

"""Persistence: the data model, engines and sessions, and migrations."""

from server.db import access as _access  # noqa: F401  (registers the access tables on Base.metadata)
from server.db import alerts as _alerts  # noqa: F401  (registers the alert tables on Base.metadata)
from server.db import channels as _channels  # noqa: F401  (registers the communication channels on Base.metadata)
from server.db import connectors as _connectors  # noqa: F401  (registers the connector table on Base.metadata)
from server.db import delivery as _delivery  # noqa: F401  (registers the delivery plan tables on Base.metadata)
from server.db import guidelines as _guidelines  # noqa: F401  (registers the guideline tables on Base.metadata)
from server.db import rates as _rates  # noqa: F401  (registers the rate history tables on Base.metadata)
from server.db import rollup_tables as _rollup_tables  # noqa: F401  (registers the rollup tables on Base.metadata)
from server.db.models import Base
from server.db.session import Database

__all__ = ["Base", "Database"]

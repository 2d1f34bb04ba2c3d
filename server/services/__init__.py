"""Platform services: business rules, SQL metrics, demo data, jobs."""

__all__: list[str] = []

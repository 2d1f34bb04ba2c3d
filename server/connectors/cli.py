"""`labelops import FORMAT FILE --project NAME`: bring a labeling tool's export into a project."""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from server.connectors.formats import FORMATS

    parser = subparsers.add_parser(
        "import",
        help="import labeling history from Label Studio, Labelbox or a CSV file (idempotent)",
        description="Import labeling history into an existing project. Re-importing a file changes nothing; a "
        "newer export updates what changed. Ends with a report of rows created, updated, skipped and rejected.",
    )
    parser.add_argument("format", choices=FORMATS, help="the file's format")
    parser.add_argument("file", help="the export file ('-' reads standard input)")
    parser.add_argument("--project", required=True, help="name of the LabelOps project to import into")
    parser.add_argument(
        "--vendor", default=None, help="vendor of the labelers (default: the source's name, or the CSV's vendor column)"
    )
    parser.add_argument("--dry-run", action="store_true", help="read and check everything, write nothing")
    parser.add_argument("--mapping", default=None, help="csv: a TOML file mapping fields to columns")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="csv: map one field to a column (repeat; answer may be given several times)",
    )
    parser.add_argument(
        "--time-format", default=None, help="csv: strftime pattern of the timestamps (default ISO 8601)"
    )
    parser.add_argument("--time-zone", default=None, help="zone of timestamps without an offset (default UTC)")
    parser.add_argument("--batch-size", type=int, default=None, help="labels per transaction (default 20000)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy async URL (default: $LABELOPS_DATABASE_URL)")
    from server.platform_commands import guarded

    # Each batch is its own transaction, with its rollups: an interrupted import leaves whole batches.
    interrupted = "interrupted; the batches written before stay, and importing the file again completes it"
    parser.set_defaults(handler=guarded(_import, interrupted=interrupted))


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (what the progress bar shows)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n: int = self.raw.readinto(buffer)
        self.count += n or 0
        return n


def _import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from server.connectors.csv import Mapping
    from server.connectors.formats import build_format
    from server.connectors.importer import DEFAULT_BATCH_SIZE, import_records
    from server.platform_commands import UsageError, run_interruptible, settings_of, with_database
    from server.services.schema import upgrade_database

    try:
        mapping = None
        if args.format == "csv":
            mapping = Mapping.load(args.mapping, args.map, time_format=args.time_format, time_zone=args.time_zone)
        elif args.mapping or args.map or args.time_format:
            raise ValueError("--mapping, --map and --time-format apply to the csv format only")
        fmt = build_format(args.format, mapping=mapping, time_zone=args.time_zone or "UTC")
    except (ValueError, OSError) as error:
        raise UsageError(str(error)) from error
    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    try:
        raw = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise UsageError(f"FILE {args.file}: {error.strerror}") from error
    counting = _Counting(raw)
    size = None if args.file == "-" else os.fstat(raw.fileno()).st_size
    stream = io.TextIOWrapper(io.BufferedReader(counting), encoding="utf-8-sig", newline="")
    bar = tqdm(total=size, unit="B", unit_scale=True, desc=f"import {args.format}", file=sys.stderr, disable=None)

    def progress(rows: int) -> None:
        bar.update(counting.count - bar.n)
        bar.set_postfix(rows=rows, refresh=False)

    async def action(database: Any) -> int:
        await upgrade_database(database)
        report = await import_records(
            database,
            fmt,
            stream,
            project=args.project,
            vendor=args.vendor,
            dry_run=args.dry_run,
            batch_size=DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size,
            progress=progress,
        )
        progress(report.rows)
        bar.close()
        print(report.describe())
        return 0

    try:
        return run_interruptible(with_database(settings_of(args), action))
    except UnicodeDecodeError as error:
        bad = error.object[error.start : error.start + 1].hex()
        raise UsageError(f"FILE {args.file} is not UTF-8 text (byte 0x{bad}): the import stopped there") from None
    finally:
        bar.close()
        stream.close()

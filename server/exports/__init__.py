"""Exports: dashboard tables, metrics slices and simulation results as CSV over HTTP."""

from __future__ import annotations

from server.exports.csv_stream import csv_chunks, safe_cell
from server.exports.endpoint import ExportApp
from server.exports.tables import TABLES, Table

__all__ = ["TABLES", "ExportApp", "Table", "csv_chunks", "safe_cell"]

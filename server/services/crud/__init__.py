"""Create, update and archive per record: checks shared by all, one module per record type."""

"""The demo workspace: its catalog, the generated labeling queue, and seeding it into a database."""

"""SQL storage (SQLAlchemy 2 async): SQLite by default, PostgreSQL by URL."""

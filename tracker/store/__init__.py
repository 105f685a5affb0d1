"""The store: tables, engine, schema migrations, and the stored history and settings the later steps read back."""

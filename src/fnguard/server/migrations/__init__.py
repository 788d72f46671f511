"""Alembic migrations of the serve store (a package so that a wheel ships them)."""

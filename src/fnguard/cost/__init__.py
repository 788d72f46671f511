"""Denial of wallet: what an attack on each entry point costs, and what bounds it."""

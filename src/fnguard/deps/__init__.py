"""Dependencies (risk 3): what each function ships, which of it is known-vulnerable, and how much it matters.

- :mod:`.inventory` — one parser per dependency-file format, behind :class:`~.inventory.interface.DependencyParser`;
- :mod:`.versions` — ordering and pins per ecosystem (PEP 440, SemVer/npm);
- :mod:`.vulndb` — OSV advisories: the bundled snapshot, the user cache (``fnguard db``), raw dumps;
- :mod:`.matching` — OSV range semantics and the smallest fixing version;
- :mod:`.reachability` and :mod:`.blast` — does the handler import it, and what could it then touch;
- :mod:`.audit` and :mod:`.ranking` — the per-function result that rules, ``fnguard deps`` and SBOMs share.
"""

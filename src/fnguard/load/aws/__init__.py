"""A live AWS account, read-only, to the application model: ``fnguard scan --aws``.

One :class:`~fnguard.model.App` per region (``format`` ``aws``, ``source``
``aws:<account>:<region>``), read through boto3 by one module per service and written as the
CloudFormation template that would deploy it, so that the very same loader semantics and
analyses apply. The modules:

- :mod:`.client` — session, retries (botocore ``adaptive``), paging, bounded pool, error messages
- :mod:`.functions`, :mod:`.code` — Lambda, and the deployed packages unpacked for analysis
- :mod:`.roles` — IAM roles, inline and attached policies at their default version
- :mod:`.apigateway`, :mod:`.s3`, :mod:`.sns`, :mod:`.sources`, :mod:`.events` — what invokes a function
- :mod:`.template`, :mod:`.names`, :mod:`.region` — the synthesized template and the App
- :mod:`.scan` — the scan pipeline over the account (load, analyse, suppress)
"""

from __future__ import annotations

from fnguard.load.aws.client import Options

__all__ = ["Options"]

"""Property-based run of schemathesis against the OpenAPI document the server itself serves.

Every operation gets generated inputs (valid and invalid) with an admin token; responses must be
documented, match their schema, and never be a server error. Examples are bounded
($FNGUARD_SCHEMATHESIS_EXAMPLES, default 12 per operation) to keep the suite fast.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from server_helpers import Server

EXAMPLES = int(os.environ.get("FNGUARD_SCHEMATHESIS_EXAMPLES", "12"))


@pytest.fixture
def api_schema(server: Server, db_url: str) -> Any:
    """The served document; on PostgreSQL the (slow) coverage phase is left to the SQLite run.

    The fuzzing phase still runs on both, which is what finds backend-specific failures
    (NUL characters, JSONB limits).
    """
    phases = {"coverage": {"enabled": db_url.startswith("sqlite")}}
    config = SchemathesisConfig.from_dict({"phases": phases})
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", server.app, headers=server.headers("admin"),
                                          config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
def test_api_conforms_to_its_openapi_document(case: Any, server: Server) -> None:
    case.call_and_validate(headers=server.headers("admin"))

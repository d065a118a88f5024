"""schemathesis against /openapi.json: no 5xx, responses match the schema, 4xx are problems.

Every operation gets a bounded number of generated requests with a valid token (the rate limit
is raised so that it does not answer instead of the code under test).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from radlink.app import create_app
from radlink.runtime import Runtime
from tests.conftest import World

EXAMPLES = 40


def _problem_json(response: Any) -> None:
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), (
            f"{response.status_code} answered with {content_type!r}"
        )


# SQLite only: the schema is the same on both databases; one run is enough.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_operation_conforms_to_the_schema(
    runtime: Runtime, world: World, db_url: str
) -> None:
    rt = Runtime.create(
        runtime.settings.model_copy(update={"api_rate": 1000.0, "api_burst": 1000}),
        engine=runtime.engine,
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(rt))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "no operations in /openapi.json"
    headers = {"x-access-token": world.alice.token}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            # Not "schema-valid means accepted": the body schema lists the fields, while the
            # rules between them (tags or clinicalInfo, a known SiteID …) answer 422 or 403.
            response = case.call_and_validate(
                headers=headers, excluded_checks=[positive_data_acceptance]
            )
            _problem_json(response)

        run()

"""Schemathesis against the OpenAPI document, in process (WSGI): for every operation,
generated valid and invalid requests; no answer is a server error and every answer
conforms to the document (status, content type, headers, body schema), and operations
that need credentials refuse requests without them.

One database holds the small district, a published and a frozen plan; each operation is
called with fresh tokens of a role it admits. Examples are bounded (`MAX_EXAMPLES` per
operation and generation mode) so that the run stays short.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

import web.api.views  # noqa: F401  (registers the operations)
from web.api.spec import build_spec

MAX_EXAMPLES = 12
BASE_URL = "http://localhost"
# A schema-valid request may still break a domain rule (a planner's token without a body,
# a seed too short): 422 is an accepted answer to it, like 404 and 409.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422"]
            }
        }
    }
)
CURRENT = {}


def wsgi(environ, start_response):
    """The app of the running test, so that the schema, loaded at collection, sends every
    request in process to it."""
    return CURRENT["app"](environ, start_response)


# The document as the app serves it (test_openapi checks that the served one is this one).
schema = schemathesis.openapi.from_dict(build_spec(), config=CONFIG)
schema.app = wsgi
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def role_for(operation) -> str | None:
    roles = operation.definition.raw.get("x-roles")
    if not roles:
        return None
    return next(r for r in ("planner", "admin", "auditor", "officer") if r in roles)


@pytest.fixture
def api_app(app, db_session, small_district, plan_file, plan_to):
    plan_to(db_session, plan_file, "published")
    plan_to(db_session, plan_file, "frozen", code="SC-2027-002")
    CURRENT["app"] = app
    yield app
    CURRENT.clear()


def test_every_operation_is_fuzzed():
    assert len(OPERATIONS) >= 20
    assert all(op.definition.raw["responses"] for op in OPERATIONS)


def fuzzer(operation, headers):
    """A Hypothesis test of one operation: generated requests, every check on each answer."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case):
        case.call_and_validate(headers=headers, base_url=BASE_URL)

    return fuzz


def test_api_conforms_to_its_document(api_app, small_district, token):
    cert_no = small_district["officers"][0].cert_no
    for operation in OPERATIONS:
        role = role_for(operation)
        # fresh tokens per operation: a fuzzed DELETE /tokens/{id} may revoke earlier ones
        headers = {}
        if role is not None:
            headers = token(
                role, "SC" if role == "planner" else None, cert_no if role == "officer" else None
            )

        fuzzer(operation, headers)()

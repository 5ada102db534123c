"""Schemathesis against the live OpenAPI document, in process (WSGI): for every operation,
generated valid and invalid requests; no answer is a server error and every answer
conforms to the document (status, content type, headers, body schema).

Each operation runs on a database holding the small district and a published plan, with
a token of a role the operation admits; examples are bounded so the run stays short.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

import web.api.views  # noqa: F401  (registers the operations)
from web.api.spec import build_spec

MAX_EXAMPLES = 25
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
    """The app of the running test (`api_app`), so that the schema, loaded at collection,
    sends every request in process to it."""
    return CURRENT["app"](environ, start_response)


# The document as the app serves it (test_openapi checks that the served one is this one).
schema = schemathesis.openapi.from_dict(build_spec(), config=CONFIG)
schema.app = wsgi


@pytest.fixture
def api_app(app, db_session, small_district, plan_file, plan_to, token, request):
    plan_to(db_session, plan_file, "published")
    plan_to(db_session, plan_file, "frozen", code="SC-2027-002")
    tokens = {
        "admin": token("admin"),
        "planner": token("planner", "SC"),
        "auditor": token("auditor"),
        "officer": token("officer", cert_no=small_district["officers"][0].cert_no),
    }
    request.node.api_tokens = tokens
    CURRENT["app"] = app
    yield app
    CURRENT.clear()


def headers_for(case, tokens) -> dict:
    roles = case.operation.definition.raw.get("x-roles")
    if not roles:
        return {}
    for role in ("planner", "admin", "auditor", "officer"):
        if role in roles:
            return tokens[role]
    return {}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_document(case, request, api_app):
    case.call_and_validate(headers=headers_for(case, request.node.api_tokens), base_url=BASE_URL)

"""The OpenAPI 3.1 document: valid, complete, and its browsable page uses local assets."""

import re

from openapi_spec_validator import validate

from web.api.core import OPERATIONS


def test_the_document_is_valid_openapi_3_1(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema


def test_every_api_route_is_in_the_document_with_its_schemas(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in (
            "api.static",
            "api.openapi_json",
            "api.docs",
        ):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    assert len(documented) == len(OPERATIONS)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ok = next(r for s, r in op["responses"].items() if s.startswith("2"))
            assert "content" in ok, (path, method)
            assert op["responses"]["default"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorEnvelope"
            }
            if op["security"]:
                assert "403" in op["responses"] and "401" in op["responses"]


def test_private_fields_are_absent_from_public_schemas(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("PublicPlan", "PublicInspection", "PublicOfficer"):
        props = set(schemas[name]["properties"])
        assert not props & {"credit_class", "stratum", "ticket", "phone", "note", "team"}, name


def test_the_reference_page_loads_only_local_assets(client):
    page = client.get("/api/v1/docs?lang=en").get_data(as_text=True)
    assert "API reference" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(not s.startswith(("http:", "https:", "//")) or "beian" in s for s in sources)
    assert "/api/v1/assets/docs.js" in page
    script = client.get("/api/v1/assets/docs.js")
    assert script.status_code == 200 and b"openapi" in script.get_data().lower()
    assert b"innerHTML" not in script.get_data()


def test_the_served_document_is_the_generated_one(client):
    """test_schemathesis fuzzes `build_spec()`; the app serves exactly that."""
    from web.api.spec import build_spec

    assert client.get("/api/v1/openapi.json").get_json() == build_spec()

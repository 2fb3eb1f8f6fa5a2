"""schemathesis over the coordinator, check-in and subscription operations with a coordinator's token, so their
200 answers (not only the 403 a family member gets) are checked against the document too."""
# ruff: noqa: F811  (make_api is a pytest fixture imported from tests/api_support.py)
from __future__ import annotations

import pytest
import schemathesis

from tests.api_support import make_api  # noqa: F401  (fixture)
from tests.test_api_schema import _explore

PREFIXES = ("/api/v1/coordinator/", "/api/v1/checkin", "/api/v1/subscriptions", "/api/v1/events",
            "/api/v1/canteen/")
SUBSCRIPTIONS = {"notice": {"template_id": "SUB_NOTICE", "fields": {"thing1": "title"}}}


@pytest.mark.slow
def test_coordinator_operations_answer_to_their_schema(make_api):
    api = make_api(miniapp__rate_limit="100000/minute", miniapp__rate_limit_ip="100000/minute",
                   miniapp__login_rate_limit="100000/minute", miniapp__subscriptions=SUBSCRIPTIONS)
    headers = api.login("demo-admin")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api.say.app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(PREFIXES):
            _explore(operation, headers, failures)
    assert failures == []

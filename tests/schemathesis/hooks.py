"""Schemathesis hooks for exchange (loaded by run.sh through SCHEMATHESIS_HOOKS).

* The super admin's access token on every protected operation: logged in once, fetched again after a 401
  (the fuzzer calls logout, so any token may die mid-run).
* The run's own admin is never the target of the admin user operations: a reset password or a demotion
  would lock the fuzzer out of the admin API for the rest of the run. Such calls go to a spare account.
* A password that fits the schema may still be too easy to guess (zxcvbn, not expressible in JSON
  Schema): a `400 validation.too_weak` answer to schema-valid data is the documented behaviour. So is
  `400 auth.wrong_password` from `PUT /api/v1/users/me/password`: the fuzzer cannot know the password.
* The two user ids of a direct conversation id (`d:<a>:<b>`) must come in ascending order: stated in the
  parameter's description, not expressible as a pattern, so `400 validation.invalid_format` for a
  schema-valid id in the other order is the documented behaviour.
* Adding an unknown user to a group answers `404 user.not_found`: the group the stateful phase just
  created is there, the user is not (schemathesis reads any 404 after a create as "created resource not
  found").
* Deleting a user is a soft delete (docs/api.md: admins list, inspect and restore deleted accounts), so
  `GET /api/v1/admin/users/{id}` after a delete answers 200 with `deleted_at` set, not 404.
"""

import json
import os
import urllib.parse
import urllib.request

import schemathesis

BASE = os.environ["SCHEMATHESIS_BASE"]
USER = os.environ["SCHEMATHESIS_ADMIN_USER"]
PASSWORD = os.environ["SCHEMATHESIS_ADMIN_PASSWORD"]


def _call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{BASE}{path}", data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _login():
    return _call("POST", "/api/v1/auth/login", {"username": USER, "password": PASSWORD})["access_token"]


def _spare(token):
    """The spare account's id, created by the first run (run.sh fuzzes the main and the cron API in turn)."""
    found = _call("GET", "/api/v1/admin/users?search=fuzz_spare&deleted=include", token=token)["items"]
    if found:
        return found[0]["id"]
    spare = {"username": "fuzz_spare", "email": "fuzz_spare@example.com", "password": PASSWORD}
    return _call("POST", "/api/v1/admin/users", spare, token=token)["id"]


_setup_token = _login()
ADMIN_ID = _call("GET", "/api/v1/users/me", token=_setup_token)["id"]
SPARE_ID = _spare(_setup_token)


@schemathesis.auth(refresh_interval=600)
class AdminToken:
    """Logs the super admin in and sends `Authorization: Bearer <access token>`."""

    def get(self, case, ctx):
        return _login()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Admin user operations aimed at the run's own admin go to the spare account instead."""
    params = case.path_parameters
    if params and params.get("id") == ADMIN_ID and case.operation.path.startswith("/api/v1/admin/users/"):
        params["id"] = SPARE_ID


def _body(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _direct_id_out_of_order(case):
    conversation = (case.path_parameters or {}).get("id", "")
    # Path parameters may already be percent-encoded (`d%3A...`).
    parts = urllib.parse.unquote(conversation).split(":") if isinstance(conversation, str) else []
    return len(parts) == 3 and parts[0] == "d" and parts[1].lower() > parts[2].lower()


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """Keeps every failure except the two documented behaviours above."""
    kind = type(failure).__name__
    if kind == "RejectedPositiveData" and response.status_code == 400:
        code = _body(response).get("code")
        if code == "validation.invalid_format" and _direct_id_out_of_order(case):
            return False
        return code not in ("validation.too_weak", "auth.wrong_password")
    if kind == "EnsureResourceAvailability" and response.status_code == 404:
        return _body(response).get("code") != "user.not_found"
    if kind == "UseAfterFree" and response.status_code == 200 and case.operation.path.startswith("/api/v1/admin/users/"):
        return not _body(response).get("deleted_at")
    return True

"""A FHIR URL no view answers (a malformed id, an unknown resource, a wrong method) is answered
as FHIR: an OperationOutcome with FHIR's issue type, never the staff's HTML error page."""
import pytest

from tests.web.test_fhir_messaging import token  # noqa: F401 (fixture)


@pytest.mark.parametrize("path, status, issue_type", [
    ("/fhir/Patient/abc", 404, "not-found"),
    ("/fhir/Patient/1/2", 404, "not-found"),
    ("/fhir/NoSuchResource", 404, "not-found"),
    ("/fhir/", 404, "not-found"),
])
def test_an_unmatched_fhir_url_is_a_fhir_not_found(client, token, path, status, issue_type):  # noqa: F811
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome", body
    assert body["issue"][0]["code"] == issue_type
    assert b"<html" not in response.data.lower()


def test_a_wrong_method_says_which_are_allowed(client, token):  # noqa: F811
    response = client.delete("/fhir/Patient", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert response.get_json()["issue"][0]["code"] == "not-supported"
    assert "GET" in response.headers["Allow"]


def test_an_id_beyond_any_integer_column_is_not_found_not_a_server_error(client, token):  # noqa: F811
    response = client.get("/fhir/Patient/" + "9" * 30, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404, response.data[:300]
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_the_staff_pages_keep_their_html_error_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"

"""Hostile and malformed input: always a clear 4xx naming the problem, nothing stored."""

import base64
import io
import os

import pytest

from tests import dists
from tests.conftest import basic_auth, upload_fields

ADMIN = basic_auth("admin", "admin-secret")
WHEEL = dists.wheel_filename("demo", "1.0")
WHEEL_BYTES = dists.wheel_bytes("demo", "1.0")


@pytest.fixture
def storage_dir(settings):
    return settings.raw.path("storage.dir")


def stored_files(storage_dir):
    found = []
    for root, _dirs, files in os.walk(storage_dir):
        found += [os.path.join(root, f) for f in files]
    return found


def assert_clear_4xx(response, status=400, words=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] and body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    if words:
        assert words.lower() in body["message"].lower()


@pytest.mark.parametrize("fields, words", [
    ({"version": "../../../x"}, "version"),
    ({"version": "../good-alpha/9.9"}, "version"),
    ({"name": "/etc/passwd"}, "name"),
    ({"name": "other-project"}, "not a file of project"),
    ({"version": "2.0"}, "not a file of version"),
    ({"name": "x" * 1000}, "longer than"),
    ({"sha256_digest": "0" * 64}, "sha256_digest"),
    ({"md5_digest": "0" * 32}, "md5_digest"),
    ({"blake2_256_digest": "0" * 64}, "blake2_256_digest"),
    ({":action": "submit"}, ":action"),
    ({"requires_python": ">=3.8; rm -rf"}, "requires_python"),
])
def test_bad_upload_fields_are_400_and_store_nothing(client, storage_dir, fields, words):
    response = client.post("/simple/", data=upload_fields(WHEEL, WHEEL_BYTES, **fields), headers=ADMIN)
    assert_clear_4xx(response, 400, words)
    assert stored_files(storage_dir) == []


@pytest.mark.parametrize("filename", [
    "../demo-1.0.tar.gz", "a/../../demo-1.0.tar.gz", "..\\demo-1.0.tar.gz", "%2e%2e%2fdemo-1.0.tar.gz",
    "demo-1.0.html", "demo-1.0.tar.gz\r\nX-Injected: 1", "\u212aelvin-1.0.tar.gz", "",
])
def test_bad_filenames_are_400(client, storage_dir, filename):
    data = dists.sdist_bytes("demo", "1.0")
    fields = upload_fields("demo-1.0.tar.gz", data)
    fields["content"] = (io.BytesIO(data), filename)
    response = client.post("/simple/", data=fields, headers=ADMIN)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert stored_files(storage_dir) == []


@pytest.mark.parametrize("filename, data, words", [
    (WHEEL, b"", "empty"),
    (WHEEL, b"this is not a zip", "not a valid"),
    ("demo-1.0.tar.gz", b"plain text", "not a valid"),
    (WHEEL, dists.wheel_bytes("other", "1.0"), "dist-info"),
    (WHEEL, dists.wheel_bytes("demo", "1.0", dist_info_name="other"), "dist-info"),
])
def test_bad_archives_are_400(client, storage_dir, filename, data, words):
    response = client.post("/simple/", data=upload_fields(filename, data), headers=ADMIN)
    assert_clear_4xx(response, 400, words)
    assert stored_files(storage_dir) == []


def test_missing_content_field_is_400(client, storage_dir):
    fields = upload_fields(WHEEL, WHEEL_BYTES)
    del fields["content"]
    response = client.post("/simple/", data=fields, headers=ADMIN, content_type="multipart/form-data")
    assert_clear_4xx(response, 400, "content")


def test_wrong_content_type_is_400(client):
    response = client.post("/simple/", data=b'{"name": "demo"}', headers={**ADMIN, "Content-Type": "application/json"})
    assert_clear_4xx(response, 400, "multipart")


def test_malformed_multipart_is_400(client, storage_dir):
    body = b"--XYZ\r\nContent-Disposition: form-data; name=\"content\"; filename=\"demo-1.0.tar.gz\"\r\n\r\nabc"
    response = client.post("/simple/", data=body,
                           headers={**ADMIN, "Content-Type": "multipart/form-data; boundary=XYZ"})
    assert 400 <= response.status_code < 500
    assert stored_files(storage_dir) == []


def test_body_larger_than_the_limit_is_413(make_app, make_settings, tmp_path):
    client = make_app(make_settings(**{"pypi.max_upload_size": "1K"})).test_client()
    data = dists.sdist_bytes("demo", "1.0") + b"\0" * 4096
    response = client.post("/simple/", data=upload_fields("demo-1.0.tar.gz", data), headers=ADMIN)
    assert_clear_4xx(response, 413, "larger than")


def test_body_shorter_than_content_length_is_400(app, storage_dir):
    from werkzeug.test import EnvironBuilder

    fields = upload_fields(WHEEL, WHEEL_BYTES)
    builder = EnvironBuilder(path="/simple/", method="POST", data=fields, headers=ADMIN)
    environ = builder.get_environ()
    body = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(body[: len(body) // 2])  # the client went away midway
    environ["CONTENT_LENGTH"] = str(len(body))
    response = app.response_class.from_app(app.wsgi_app, environ)
    assert 400 <= response.status_code < 500
    assert stored_files(storage_dir) == []


@pytest.mark.parametrize("header", [
    "Basic !!!notbase64",
    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Bearer abc",
    "Basic " + base64.b64encode(b"admin:" + b"x" * 100_000).decode(),
    "Basic " + base64.b64encode(b"admin:" + b"x" * 5000).decode(),
])
def test_malformed_or_huge_credentials_are_401_not_500(client, header):
    response = client.get("/simple/", headers={"Authorization": header})
    assert_clear_4xx(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", [
    "/simple/%ff%fe/", "/simple/" + "x" * 1000 + "/", "/simple/..%2f..%2fetc/", "/api/package/%ff/x.whl",
    "/api/package/demo/..%2F..%2Fcache.sqlite", "/pypi/%00/json",
])
def test_bad_paths_are_404_not_500(client, path):
    response = client.get(path, headers=ADMIN)
    assert response.status_code in (400, 404), response.get_data(as_text=True)


def test_bad_yank_body_is_400(client, upload):
    assert upload(WHEEL, WHEEL_BYTES).status_code == 200
    response = client.post(f"/api/package/demo/{WHEEL}/yank", data=b"{not json",
                           headers={**ADMIN, "Content-Type": "application/json"})
    assert_clear_4xx(response, 400, "JSON")
    response = client.post(f"/api/package/demo/{WHEEL}/yank", json={"reason": "x" * 5000}, headers=ADMIN)
    assert_clear_4xx(response, 400, "reason")


def test_bad_xmlrpc_is_a_fault_not_500(client):
    for body in (b"<not xml", b"<?xml version='1.0'?><methodCall><methodName>drop</methodName></methodCall>",
                 b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                 b"<methodCall><methodName>&b;</methodName></methodCall>"):
        response = client.post("/pypi", data=body, headers={"Content-Type": "text/xml"})
        assert response.status_code == 400
        assert b"fault" in response.data.lower()


def test_racing_uploads_of_one_filename_store_one_file(app, storage_dir):
    """1.x let 2-4 of 20 racing uploads win, and served a hash of other bytes."""
    import hashlib
    import threading

    results = []

    def attempt(i):
        client = app.test_client()
        data = dists.wheel_bytes("demo", "1.0", summary=f"variant {i}")
        response = client.post("/simple/", data=upload_fields(WHEEL, data), headers=ADMIN)
        results.append((response.status_code, data))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [data for status, data in results if status == 200]
    assert len(winners) == 1
    assert sorted(status for status, _ in results) == [200] + [409] * 19
    served = app.test_client().get(f"/api/package/demo/{WHEEL}", headers=ADMIN).data
    assert served == winners[0]
    page = app.test_client().get("/simple/demo/", headers=ADMIN).get_data(as_text=True)
    assert f"#sha256={hashlib.sha256(served).hexdigest()}" in page

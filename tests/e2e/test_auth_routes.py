"""``ppc serve``: auth-api and index-api on one port, routed by path."""

import time

import requests

from .conftest import ADMIN, READER


def test_one_port_serves_both_apis(server):
    users = requests.get(f"{server.base_url}/admin/user/", auth=ADMIN, timeout=10)
    assert users.status_code == 200
    assert {"username": READER[0], "admin": False} in users.json()
    assert requests.get(f"{server.base_url}/admin/user/", auth=READER, timeout=10).status_code == 403
    assert requests.get(f"{server.base_url}/login", timeout=10).status_code == 200
    assert requests.get(f"{server.base_url}/remote/user_data", params={"username": READER[0]}, auth=ADMIN,
                        timeout=10).json() == {"username": READER[0], "admin": False, "groups": []}
    assert requests.get(f"{server.base_url}/simple/", auth=READER, timeout=10).status_code == 200


def test_a_1x_style_verify_password_stays_out_of_the_access_log(server):
    mark = server.log_mark()
    secret = "query-password-canary"
    response = requests.get(f"{server.base_url}/remote/verify", params={"username": READER[0], "password": secret},
                            auth=ADMIN, timeout=10)
    assert response.json() is False
    deadline = time.monotonic() + 5
    while "/remote/verify" not in server.log_since(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    logged = server.log_since(mark)
    assert "/remote/verify" in logged
    assert secret not in logged

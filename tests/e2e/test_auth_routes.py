"""``ppc serve``: auth-api and index-api on one port, routed by path."""

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

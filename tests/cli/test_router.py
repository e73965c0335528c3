"""The one-port router of the embedded default."""

from ppc_cli.router import PathRouter


def _app(name):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [name.encode()]
    return app


def call(router, path):
    return b"".join(router({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *a: None)).decode()


def test_auth_paths_go_to_auth_api_and_the_rest_to_index_api():
    router = PathRouter(_app("index"), _app("auth"))
    for path in ("/admin", "/admin/user/", "/api/user/bob", "/api/user/password", "/login", "/logout",
                 "/acct/login", "/remote/verify"):
        assert call(router, path) == "auth", path
    for path in ("/", "/simple/", "/api/package/", "/administrator", "/loginx", "/api/users", "/pypi/x/json",
                 "/health", ""):
        assert call(router, path) == "index", path

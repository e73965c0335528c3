"""Web login: a signed session cookie (Flask's itsdangerous session; HttpOnly,
SameSite=Lax, Secure with ``session.secure``) carrying the user name and a CSRF token.
1.x's paths (``/acct/login``, ``/acct/logout``) answer too."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, jsonify, session

from ppc_shared.errors import Unauthorized

from .context import access, current_identity, param_str, params

bp = Blueprint("login", __name__)

# The page a signup-token link opens (``/login#/?token=...``, 1.x's form): it reads the
# token from the fragment (never sent to a server, so it stays out of logs) and registers.
LOGIN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Log in</title></head><body>
<form id="login"><h1>Log in</h1>
<label>User <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button>Log in</button></form>
<form id="register" hidden><h1>Register</h1>
<label>Password <input name="password" type="password" autocomplete="new-password"></label>
<button>Register</button></form>
<p id="status"></p>
<script>
const status = document.getElementById("status");
const token = new URLSearchParams((location.hash.split("?")[1] || "")).get("token");
async function send(url, method, body) {
  const r = await fetch(url, {method, headers: {"Content-Type": "application/json"},
                              body: JSON.stringify(body), credentials: "same-origin"});
  const data = await r.json();
  status.textContent = r.ok ? "Done." : data.message;
}
if (token) {
  document.getElementById("login").hidden = true;
  const form = document.getElementById("register");
  form.hidden = false;
  form.onsubmit = (e) => { e.preventDefault();
    send("acct/tokenRegister".replace(/^/, location.pathname.replace(/login$/, "")), "PUT",
         {token, password: form.password.value}); };
}
document.getElementById("login").onsubmit = (e) => { e.preventDefault();
  const f = e.target;
  send(location.pathname, "POST", {username: f.username.value, password: f.password.value}); };
</script></body></html>
"""


def login_page():
    return Response(LOGIN_PAGE, mimetype="text/html")


def login():
    data = params()
    username = param_str(data, "username")
    password = param_str(data, "password")
    if not access().verify_user(username, password):
        raise Unauthorized("invalid username or password")
    session.clear()
    session["user"] = username
    session["csrf"] = secrets.token_urlsafe(32)
    return jsonify({"username": username, "admin": bool(access().is_admin(username)),
                    "csrf_token": session["csrf"]})


def logout():
    session.clear()
    return jsonify({})


def whoami():
    identity = current_identity()
    return jsonify({"username": identity.username, "admin": identity.is_admin,
                    "csrf_token": session.get("csrf") if session.get("user") else None})


for prefix in ("", "/acct"):
    name = prefix.strip("/") or "root"
    bp.add_url_rule(f"{prefix}/login", f"{name}_login_page", login_page, methods=["GET"])
    bp.add_url_rule(f"{prefix}/login", f"{name}_login", login, methods=["POST"])
    bp.add_url_rule(f"{prefix}/logout", f"{name}_logout", logout, methods=["GET", "POST"])
bp.add_url_rule("/api/user/me", "whoami", whoami, methods=["GET"])

#!/usr/bin/env python3
"""A Bearer-token front for a plain docker-registry, for the registry tests.

    token-proxy.py PORT BACKEND_PORT USER PASSWORD

Serves /token (the realm): with Basic USER:PASSWORD it grants every requested scope, with
no credentials it grants only the pull actions, with wrong credentials it answers 401.
Every /v2/ request must carry `Bearer TOKEN` for a token that grants the action the
request needs (pull for GET/HEAD, push otherwise) on its repository; else it answers 401
with a `WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge. Accepted
requests are forwarded to the registry on BACKEND_PORT unchanged (Host included, so the
upload locations the registry writes point back at the proxy).
"""
import base64
import http.client
import json
import re
import secrets
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, BACKEND, USER, PASSWORD = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
SERVICE = "token-proxy"
TOKENS = {}  # token -> {repository: set(actions)}


def grants(scopes, full):
    granted = {}
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) != 3 or parts[0] != "repository":
            continue
        actions = set(parts[2].split(","))
        granted.setdefault(parts[1], set()).update(actions if full else actions & {"pull"})
    return granted


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def token(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        authorization = self.headers.get("Authorization", "")
        full = False
        if authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            if (user, password) != (USER, PASSWORD):
                error = {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or password"}]}
                return self.reply(401, json.dumps(error).encode())
            full = True
        token = secrets.token_hex(16)
        TOKENS[token] = grants(query.get("scope", []), full)
        self.reply(200, json.dumps({"token": token, "expires_in": 300}).encode(),
                   [("Content-Type", "application/json")])

    def needed(self):
        match = re.match(r"^/v2/(.+?)/(manifests|blobs|tags)/", urllib.parse.urlparse(self.path).path)
        if not match:
            return None, None
        return match.group(1), "pull" if self.command in ("GET", "HEAD") else "push"

    def forward(self):
        if self.path.startswith("/token"):
            return self.token()
        body = self.body()
        repository, action = self.needed()
        authorization = self.headers.get("Authorization", "")
        granted = TOKENS.get(authorization[7:], None) if authorization.startswith("Bearer ") else None
        if granted is None or (repository and action not in granted.get(repository, set())):
            scope = f',scope="repository:{repository}:{action}"' if repository else ""
            challenge = f'Bearer realm="http://127.0.0.1:{PORT}/token",service="{SERVICE}"{scope}'
            error = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            return self.reply(401, json.dumps(error).encode(),
                              [("WWW-Authenticate", challenge), ("Content-Type", "application/json")])
        connection = http.client.HTTPConnection("127.0.0.1", BACKEND)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        passed = [(k, v) for k, v in response.getheaders()
                  if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        self.send_response(response.status)
        for name, value in passed:
            self.send_header(name, value)
        self.send_header("Content-Length", response.getheader("Content-Length") or str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        connection.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

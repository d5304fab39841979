"""A small Flask app for the end-to-end tests: answers every path.

/status/N answers with status N; /slow/S answers after S seconds; a body,
if any, is read and its length echoed; everything else echoes the request.
"""
import time

from flask import Flask, request

app = Flask(__name__)
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


@app.route("/status/<int:code>", methods=METHODS)
def status(code):
    return f"status {code}\n", code


@app.route("/slow/<float:seconds>", methods=METHODS)
def slow(seconds):
    time.sleep(min(seconds, 10.0))
    return "slow\n"


@app.route("/", defaults={"path": ""}, methods=METHODS)
@app.route("/<path:path>", methods=METHODS)
def echo(path):
    body = request.get_data()
    return f"{request.method} /{path} from {request.remote_addr} body {len(body)}\n"

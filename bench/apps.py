"""The yardstick for webhook throughput: a bare Flask app answering the same URL with an empty TwiML reply,
served by the same gunicorn command as Tangguh."""

from flask import Flask


def trivial() -> Flask:
    app = Flask(__name__)

    @app.post("/sms/twilio")
    def twilio():
        return "<?xml version='1.0' encoding='UTF-8'?><Response />", 200, {"Content-Type": "text/xml"}

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app

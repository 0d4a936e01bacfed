"""The baseline for bench/webhook.py: a Flask app that answers the Twilio webhook and does nothing else.

It parses the form (as ours does) and returns a fixed TwiML reply: no signature check,
no database, no Redis. Served by gunicorn as `bench.bare_app:app` from the repo root.
"""

from flask import Flask, Response, request

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>hola</Message></Response>'

app = Flask(__name__)


@app.post("/webhooks/twilio")
def webhook():
    request.form  # noqa: B018 - parse the body, to be fair to the real app
    return Response(TWIML, mimetype="application/xml")

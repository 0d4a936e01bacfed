"""Open311 GeoReport v2 server at /open311/v2/: the city's services and requests for third-party applications.

`views.py` the routes, `formats.py` JSON and XML as the spec shapes them (errors too), `catalogue.py` the
services and their definitions from the flows, `public.py` what a ticket shows the public (no personal data).
Filing a request goes through the chat's own path (bot/conversation/form_requests.py).
"""

"""Public HTTP: the landing pages, the departments' API, request limits."""

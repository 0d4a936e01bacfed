"""What a process tells its operators: structured log lines that name the request and job, and optional Sentry.

`context` carries the process's role and the current request and job ids to every log record;
`jsonlogs` writes records as one JSON object per line; `setup` installs both behind the privacy
Redactor (bot.privacy.logs); `gunicorn` gives gunicorn's own logs the same shape; `sentry` reports
errors to Sentry when SENTRY_DSN is set, scrubbed of personal data.
"""

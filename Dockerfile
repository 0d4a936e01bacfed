# Ventanilla's image: one image, the Procfile's processes chosen by the command.
#   docker run IMAGE web      gunicorn, as the Procfile's web line (the default)
#   docker run IMAGE worker   python worker.py
#   docker run IMAGE relay    ventanilla outbox relay
#   docker run IMAGE ventanilla db upgrade   any other command runs as given
# compose.yaml runs them all with PostgreSQL and Redis. No secret is baked in: they come from the environment.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# The package as a wheel (no dev or test extras); its dependencies are installed in the final stage.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    FLOWS_PATH=/app/flows.yaml \
    MEDIA_DIR=/data/media
RUN groupadd --system --gid 10001 ventanilla \
    && useradd --system --uid 10001 --gid ventanilla --home-dir /app --no-create-home --shell /usr/sbin/nologin ventanilla
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
# Read-only for the service: the code, the Procfile it runs (with gunicorn's settings: its logs, the metrics hooks)
# and the shipped flows (mount the city's own over it).
COPY Procfile gunicorn.conf.py wsgi.py worker.py flows.yaml parks.csv ./
COPY docker/entrypoint.sh docker/healthcheck.py /usr/local/bin/
# Writable for it: instance/ (what the CLI keeps there) and the media store (a volume in compose.yaml).
RUN mkdir -p /app/instance /data/media && chown ventanilla:ventanilla /app/instance /data/media
VOLUME ["/data/media"]
USER 10001:10001
EXPOSE 8000
# The web process's /healthz (liveness); compose.yaml turns it off for the processes that serve no HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["python", "/usr/local/bin/healthcheck.py"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["web"]

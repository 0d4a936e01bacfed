#!/bin/sh
# The image's entry point: a Procfile process name (web, worker, relay) runs that Procfile line through
# the shell, as honcho and Heroku-style platforms do ($PORT, ${WEB_CONCURRENCY:-2}); anything else runs as given.
set -eu
procfile=${PROCFILE:-/app/Procfile}
if [ "$#" -eq 1 ]; then
    line=$(grep -E "^$1:" "$procfile" | head -n 1 || true)
    if [ -n "$line" ]; then
        exec /bin/sh -c "exec ${line#*:}"
    fi
fi
exec "$@"

"""Jobs by outbox kind: each job registers itself with @job("kind"), and the outbox looks it up by kind."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from rq import get_current_job

from bot.metrics import timed_job
from bot.observability.context import bound

__all__ = ["JOBS", "JobRegistryError", "job", "job_for", "load_jobs"]

Job = Callable[[int], str]  # takes an outbox id, returns what it did

JOBS: dict[str, Job] = {}


class JobRegistryError(LookupError):
    """A kind registered twice, or an outbox kind no job carries out."""


def job(kind: str) -> Callable[[Job], Job]:
    """Register the decorated function as the job that carries out outbox rows of this kind, timed
    (bot.metrics: job durations) and logging with its RQ job's id and request's id; RQ finds the
    wrapped function by the same module and name."""

    def register(func: Job) -> Job:
        if kind in JOBS and inspect.unwrap(JOBS[kind]) is not func:
            raise JobRegistryError(f"outbox kind {kind!r} already has a job: {JOBS[kind].__qualname__}")
        JOBS[kind] = timed_job(kind, _in_job_context(func))
        return JOBS[kind]

    return register


def _in_job_context(func: Job) -> Job:
    """Run func with the RQ job's id and the id of the request that led to it on its log lines
    (and on outbox rows it creates); called outside RQ (tests, the CLI), it runs as it is."""

    @functools.wraps(func)
    def in_context(outbox_id: int) -> str:
        current = get_current_job()
        if current is None:
            return func(outbox_id)
        with bound(request_id=current.meta.get("request_id"), job_id=current.id):
            return func(outbox_id)

    return in_context


def job_for(kind: str) -> Job:
    """Return the job that carries out an outbox kind."""
    try:
        return load_jobs()[kind]
    except KeyError:
        raise JobRegistryError(f"no job carries out outbox kind {kind!r}") from None


def load_jobs() -> dict[str, Job]:
    """Import every job module, which registers its jobs; return the registry."""
    # Imported here, not at the top: the job modules import the outbox, which imports this module.
    from bot.jobs import (  # noqa: F401
        campaign_jobs,
        followup_jobs,
        message_jobs,
        privacy_jobs,
        request_media,
        ticket_jobs,
    )

    return JOBS

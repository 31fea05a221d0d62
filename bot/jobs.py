"""APScheduler jobs for the daily cycle, rebuilt from the store whenever subscriptions change.

One poll job runs in arXiv's announcement window (US Eastern night); one posting job runs per
distinct (time zone, HH:MM) slot, posting every subscription in that slot.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.daily import ARXIV_ZONE, DailyCycle

log = logging.getLogger(__name__)

POLL_HOURS = "0-5"  # arXiv's nightly update lands around 00:00 US Eastern
POLL_EVERY_MIN = "*/10"
MISFIRE_GRACE_S = 15 * 60
POLL_JOB_ID = "poll"
RETRY_JOB_ID = "retry"
TIDY_JOB_ID = "tidy"
RETRY_EVERY_MIN = "*/5"


def slot_job_id(zone: str, hhmm: str) -> str:
    """The stable id of the posting job for one (zone, HH:MM) slot."""
    return f"post:{zone}:{hhmm}"


def ensure_slot(scheduler: AsyncIOScheduler, cycle: DailyCycle, zone: str, hour: int,
                minute: int) -> bool:
    """Add the posting job of one (zone, HH:MM) slot if it is missing; whether it was added.
    What a command changes costs one job, however many slots the bot has."""
    job_id = slot_job_id(zone, f"{hour:02d}:{minute:02d}")
    if scheduler.get_job(job_id) is not None:
        return False
    _add_slot(scheduler, cycle, job_id, zone, hour, minute)
    return True


def _add_slot(scheduler: AsyncIOScheduler, cycle: DailyCycle, job_id: str, zone: str, hour: int,
              minute: int) -> None:
    scheduler.add_job(
        post_slot, CronTrigger(hour=hour, minute=minute, timezone=zone),
        args=(cycle, zone, hour, minute), id=job_id, replace_existing=True, coalesce=True,
        misfire_grace_time=MISFIRE_GRACE_S, max_instances=1,
    )


def rebuild_jobs(scheduler: AsyncIOScheduler, cycle: DailyCycle) -> list[str]:
    """Make the scheduler's posting jobs match the store's enabled subscriptions; returns job ids."""
    slots: dict[str, tuple[str, int, int]] = {}
    for sub in cycle.store.subscriptions(enabled_only=True):
        hhmm = f"{sub.post_time:%H:%M}"
        slots[slot_job_id(sub.timezone, hhmm)] = (sub.timezone, sub.post_time.hour, sub.post_time.minute)
    for job in scheduler.get_jobs():
        if job.id.startswith("post:") and job.id not in slots:
            job.remove()
    for job_id, (zone, hour, minute) in sorted(slots.items()):
        if scheduler.get_job(job_id) is None:
            _add_slot(scheduler, cycle, job_id, zone, hour, minute)
    if scheduler.get_job(POLL_JOB_ID) is None:
        scheduler.add_job(
            poll, CronTrigger(hour=POLL_HOURS, minute=POLL_EVERY_MIN, timezone=ARXIV_ZONE), args=(cycle,),
            id=POLL_JOB_ID, coalesce=True, misfire_grace_time=MISFIRE_GRACE_S, max_instances=1,
        )
    if scheduler.get_job(TIDY_JOB_ID) is None:  # once a day, drop slots nobody posts in
        scheduler.add_job(
            rebuild_jobs, CronTrigger(hour=12, minute=0, timezone="UTC"), args=(scheduler, cycle),
            id=TIDY_JOB_ID, coalesce=True, misfire_grace_time=MISFIRE_GRACE_S, max_instances=1,
        )
    if scheduler.get_job(RETRY_JOB_ID) is None:
        scheduler.add_job(
            retry, CronTrigger(minute=RETRY_EVERY_MIN), args=(cycle,), id=RETRY_JOB_ID,
            coalesce=True, misfire_grace_time=MISFIRE_GRACE_S, max_instances=1,
        )
    return sorted(slots)


async def retry(cycle: DailyCycle) -> None:
    """Try again the digests that failed for a passing reason, once their backoff has passed."""
    results = await cycle.retry_failed()
    if results:
        log.info("retried %d digests: %d messages", len(results), sum(r.messages for r in results))


async def post_slot(cycle: DailyCycle, zone: str, hour: int, minute: int) -> None:
    """Post the digests of every enabled subscription in one slot."""
    subs = [s for s in cycle.store.subscriptions(enabled_only=True)
            if s.timezone == zone and (s.post_time.hour, s.post_time.minute) == (hour, minute)]
    results = await cycle.post_due(subs)
    sent = sum(r.messages for r in results)
    log.info("slot %s %02d:%02d: %d subscriptions, %d messages", zone, hour, minute, len(subs), sent)


async def poll(cycle: DailyCycle) -> None:
    """One scheduled poll of every needed feed that has not brought tonight's batch yet."""
    await cycle.poll(until_new=True)

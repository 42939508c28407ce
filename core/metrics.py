"""What the bot counts for its operators, exported in the Prometheus text format (`/metrics`, see
bootstrap/ops_http.py and the README's "Operation").

Why a facade: the places that count (the dispatcher, the delivery of intros, the store's health, the engagement
writer, the matching rounds) say *what happened* in the bot's own words (`command_done("profile set", "ok")`);
which library turns that into a time series is decided here alone, so that features never import
prometheus_client and the metric names, labels and buckets stay in one place where operators can read them.

All metrics live in one registry of this process (`REGISTRY`), counted from the start of the process; an app
started twice in one process (tests) adds to the same series, as Prometheus counters are meant to be read as
rates and increases. Labels are kept to small, fixed sets (command names, platforms, outcomes), never ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "REGISTRY", "exposition"]

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
CONTENT_TYPE = CONTENT_TYPE_LATEST

_COMMANDS = Counter("kindred_commands", "Commands run, by command and outcome (ok, refused, store_down, error).",
                    ["command", "outcome"], registry=REGISTRY)
_ANSWER = Histogram("kindred_answer_seconds", "Time from a command or button reaching the bot to its first answer.",
                    ["platform"], registry=REGISTRY,
                    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 10.0, 30.0))
_API_CALLS = Counter("kindred_platform_api_calls", "Calls to a platform's API.", ["platform"], registry=REGISTRY)
_API_ERRORS = Counter("kindred_platform_api_errors", "Platform API calls that failed in the end (after retries).",
                      ["platform"], registry=REGISTRY)
_API_429 = Counter("kindred_platform_rate_limited", "Platform API answers of 429 (rate limited), retried or not.",
                   ["platform"],
                   registry=REGISTRY)
_EVENTS = Counter("kindred_events_recorded", "Engagement events written to the store.", registry=REGISTRY)
_EVENTS_REJECTED = Counter("kindred_events_rejected", "Engagement events the store refused for good.",
                           registry=REGISTRY)
_QUEUE = Gauge("kindred_writer_queue_depth", "Events accepted but not yet written, by writer.", ["writer"],
               registry=REGISTRY)
_ROUNDS = Counter("kindred_rounds", "Intro rounds planned and stored by this process.", registry=REGISTRY)
_ROUND_SECONDS = Histogram("kindred_round_seconds", "How long an intro round took, from claim to its last intro.",
                           registry=REGISTRY, buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600))
_ROUND_LAST = Gauge("kindred_round_last_run_timestamp_seconds", "When the last intro round finished (Unix time).",
                    registry=REGISTRY)
_PLACED = Counter("kindred_round_members_placed", "Members placed in a group by intro rounds.", registry=REGISTRY)
_UNPLACED = Counter("kindred_round_members_unplaced", "Members intro rounds could not place.", registry=REGISTRY)
_INTROS = Counter("kindred_intros", "Intros opened, by outcome (sent, deferred: rate limited, failed).",
                  ["outcome"], registry=REGISTRY)
_GREETINGS = Counter("kindred_greetings_sent", "Newcomers greeted, by way (dm, channel).", ["via"],
                     registry=REGISTRY)
_STORE_ERRORS = Counter("kindred_store_errors", "Requests and jobs that met a store that did not answer.",
                        registry=REGISTRY)
_OUTAGES = Counter("kindred_store_outages", "Store outages (from the first failure to the store answering again).",
                   registry=REGISTRY)
_OUTAGE_SECONDS = Counter("kindred_store_outage_seconds", "Time the store was unavailable, counted when an outage "
                          "ends.", registry=REGISTRY)
_STORE_DOWN = Gauge("kindred_store_down", "1 while the store is unavailable.", registry=REGISTRY)
_READY = Gauge("kindred_ready", "1 when the last look found the store answering and every platform connected "
               "(as /readyz; refreshed at every scrape of /metrics).", registry=REGISTRY)
_JOBS = Counter("kindred_jobs", "Scheduled jobs run, by job and outcome.", ["job", "outcome"], registry=REGISTRY)

COMMAND_OUTCOMES = ("ok", "refused", "store_down", "error")


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)


def command_done(command: str, outcome: str) -> None:
    """A command ran to its end (`outcome`: one of `COMMAND_OUTCOMES`)."""
    _COMMANDS.labels(command, outcome).inc()


def answer_timer(platform: str, then: Callable[[], None] | None = None) -> Callable[[], None]:
    """Start timing a request; the function returned records the time to the first answer once (later calls
    record nothing), so that it can be called from every place an answer may come from. It calls `then` each
    time (the dispatcher's release of background work, which is idempotent)."""
    start = time.perf_counter()
    done = False

    def answered() -> None:
        nonlocal done
        if then is not None:
            then()
        if not done:
            done = True
            _ANSWER.labels(platform).observe(time.perf_counter() - start)

    return answered


def platform_call(platform: str, *, failed: bool = False) -> None:
    """One call to a platform's API (its retries included), and whether it failed in the end."""
    _API_CALLS.labels(platform).inc()
    if failed:
        _API_ERRORS.labels(platform).inc()


def rate_limited(platform: str) -> None:
    """The platform answered 429 (the call is retried after the time it asks for, or fails)."""
    _API_429.labels(platform).inc()


def events_written(rows: int, rejected: int = 0) -> None:
    _EVENTS.inc(rows)
    if rejected:
        _EVENTS_REJECTED.inc(rejected)


def watch_queue(writer: str, depth: Callable[[], int]) -> None:
    """Report `depth()` as the writer's queue depth whenever metrics are read."""
    _QUEUE.labels(writer).set_function(depth)


def round_done(seconds: float, placed: int, unplaced: int) -> None:
    """An intro round was planned, stored and its intros sent."""
    _ROUNDS.inc()
    _ROUND_SECONDS.observe(max(seconds, 0.0))
    _ROUND_LAST.set_to_current_time()
    _PLACED.inc(placed)
    _UNPLACED.inc(unplaced)


def intro(outcome: str) -> None:
    """An intro was opened ("sent"), put off by a rate limit ("deferred") or could not be delivered ("failed")."""
    _INTROS.labels(outcome).inc()


def greeting_sent(via: str) -> None:
    _GREETINGS.labels(via).inc()


def store_error() -> None:
    _STORE_ERRORS.inc()


def store_down(down: bool, lasted: float = 0.0) -> None:
    """The store became unavailable (`down`), or answered again after `lasted` seconds."""
    if down:
        _OUTAGES.inc()
        _STORE_DOWN.set(1)
    else:
        _STORE_DOWN.set(0)
        _OUTAGE_SECONDS.inc(max(lasted, 0.0))


def ready(is_ready: bool) -> None:
    _READY.set(1 if is_ready else 0)


def job_done(job: str, outcome: str) -> None:
    _JOBS.labels(job, outcome).inc()


def value(name: str, labels: dict[str, str] | None = None) -> float:
    """The current value of one sample (`kindred_commands_total`, labels), 0 when it has none yet: for tests and
    the console."""
    found = REGISTRY.get_sample_value(name, labels or {})
    return found or 0.0

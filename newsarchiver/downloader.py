"""Scrapy's downloader with its per-slot limit kept for bursts.

Scrapy 2.19's ``Downloader._process_queue`` starts each queued download as a
task and counts it in ``slot.transferring`` only once the task runs. Requests
that reach a slot in one burst (an article's images: the media pipeline hands
them all to ``engine.download`` at once, past the scheduler and its back-out)
all find the slot free, so 400 images went out at once against a host whose
limit is 8. Here a request counts as transferring from the moment it leaves the
queue: the limit (``CONCURRENT_REQUESTS_PER_DOMAIN``, ``--concurrency``) holds
for every request, whichever way it came.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class SlotBoundDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        """Scrapy's own loop, but the request is counted before its task runs
        (``Downloader._download`` adds it again, a set, and removes it when done)."""
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

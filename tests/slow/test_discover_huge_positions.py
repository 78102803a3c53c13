"""A discovery state edited by hand to huge positions costs page reads, not articles
(20 discover runs: ``-m slow``; the other budgets are in e2e/test_discover_budgets.py)."""

from __future__ import annotations

import json

from newsarchiver.archive.layout import discovery_state
from newsarchiver.sample_site import SampleSite
from tests.e2e.test_discover_budgets import archived, discover, newest_first


def test_hand_edited_huge_positions_cost_reads_not_articles(tmp_path):
    out = tmp_path / "o"
    articles = newest_first(40)
    with SampleSite(articles) as site:
        listing = site.listing_url(1, 5)
        assert discover(listing, out, "--max-pages", "2").code == 0
        path = discovery_state(out, listing)
        data = json.loads(path.read_text("utf-8"))
        data["regions"][0]["tail_at"] = 10**9
        data["page_size"] = 10**6
        path.write_text(json.dumps(data), "utf-8")
        for _ in range(20):
            assert discover(listing, out, "--max-pages", "2").code == 0
        assert archived(out) == {a.code for a in articles}


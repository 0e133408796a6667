"""The built demo site's feed and subscribe page (issue 14): a feed people can use."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

ATOM = {"a": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/"}


def test_the_feed_has_level_and_roles_as_categories_and_a_thumbnail(demo_site: Path) -> None:
    root = ET.parse(demo_site / "feed.xml").getroot()  # noqa: S314 - the feed this build just wrote
    entry = next(e for e in root.findall("a:entry", ATOM) if e.findtext("a:title", "", ATOM) == "Shift handover basics")
    categories = [(c.get("scheme"), c.get("term"), c.get("label")) for c in entry.findall("a:category", ATOM)]
    assert categories == [
        (None, "beginner", None),
        ("role", "line-operator", "Line operator"),
        ("role", "shift-lead", "Shift lead"),
    ]
    links = {link.get("rel"): link.get("href") for link in entry.findall("a:link", ATOM)}
    assert links == {
        "alternate": "r/shift-handover-basics/index.html",
        "enclosure": "media/shift-handover-basics/poster.jpg",
    }
    thumbnail = entry.find("media:thumbnail", ATOM)
    assert thumbnail is not None and thumbnail.get("url") == "media/shift-handover-basics/poster.jpg"
    assert (demo_site / "media" / "shift-handover-basics" / "poster.jpg").is_file()


def test_the_footer_leads_people_to_a_page_not_to_raw_xml(demo_site: Path) -> None:
    home = (demo_site / "index.html").read_text()
    assert '<a href="subscribe.html">Follow new clips</a>' in home
    assert 'href="feed.xml">New resources feed' not in home
    page = (demo_site / "subscribe.html").read_text()
    assert "<h1>Follow new clips</h1>" in page
    assert '<a id="feed-link" href="feed.xml">feed.xml</a>' in page
    assert '<link rel="alternate" type="application/atom+xml"' in page  # readers still find the feed

"""The confidentiality crawl: every public page and JSON file of a worked district,
searched for every confidential value of the database.

Starting at `/`, the crawler follows every same-site link (pages, JSON, CSV downloads,
both languages) as an anonymous visitor, then searches each response for: officers'
phone numbers, conflict notes, recusal notes, credit-risk classes per entity (a credit
code next to its class, in any form), sealed plans' tickets and strata keys, and the
names and plans of unpublished plans. Any hit fails with the URL and the value.
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import (
    AssignmentEnd,
    Conflict,
    Entity,
    Inspection,
    Officer,
    Plan,
    PlanPopulation,
    ResultVersion,
)
from scheduler.plans import recusal

ACTOR = Actor.system("test")
LINK = re.compile(r'(?:href|src|data-bundle-url|data-commitment-url)="([^"]+)"')
SKIP_PREFIXES = ("/login", "/logout", "/staff", "/me", "/static/", "/api/")
MAX_PAGES = 3000
# Re-orderings and language twins of pages already crawled (both languages are crawled
# from the home page on: the language is kept in a cookie).
SKIP_ARGS = re.compile(r"[?&](?:sort|dir|per_page|lang)=")


def _text_of(resp) -> str:
    """A response's text; an XLSX download's worksheets and shared strings."""
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(resp.data)) as book:
            return "\n".join(
                book.read(name).decode() for name in book.namelist() if name.endswith(".xml")
            )
    return resp.get_data(as_text=True)


def crawl(client, start="/"):
    """{url: text} of every public page reachable from `start`, in Chinese then English."""
    out = _crawl(client, start + "?lang=zh")
    english = _crawl(client, start + "?lang=en")
    out.update({url + " (en)": text for url, text in english.items()})
    return out


def _crawl(client, start):
    seen, out = set(), {}
    queue = deque([start])
    while queue and len(out) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url)
        if resp.status_code in (301, 302, 303):
            queue.append(resp.headers["Location"])
            continue
        assert resp.status_code in (200, 404), f"{url}: {resp.status_code}"
        text = _text_of(resp)
        out[url] = text
        if "html" not in resp.mimetype:
            continue
        for link in LINK.findall(text):
            link = link.replace("&amp;", "&")
            parts = urlsplit(urljoin(url, link))
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (("?" + parts.query) if parts.query else "")
            if path.startswith(SKIP_PREFIXES) or path in seen or SKIP_ARGS.search(path):
                continue
            queue.append(path)
    assert len(out) < MAX_PAGES, "the crawl did not finish"
    return out


CODE = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")
# What may stand between a credit code and its class in a leak: JSON, CSV, table cells.
GAP = r"(?:[\"',:;|\s]|</?t[dhr][^>]*>|</?span[^>]*>){1,12}"


class Secrets:
    """Every confidential value of the database, and a fast search for them."""

    def __init__(self, db_session):
        self.plain: list[tuple[str, str]] = []  # (what, exact text)
        from scheduler.models import Assignment

        for officer in db_session.scalars(select(Officer).where(Officer.phone != "")):
            self.plain.append((f"phone of {officer.cert_no}", officer.phone))
        for conflict in db_session.scalars(select(Conflict).where(Conflict.note != "")):
            self.plain.append((f"conflict note {conflict.id}", conflict.note))
        for a in db_session.scalars(select(Assignment).where(Assignment.end_note != "")):
            self.plain.append((f"recusal note {a.id}", a.end_note))
        for v in db_session.scalars(select(ResultVersion)):
            for name in ("findings", "return_reason", "follow_up"):
                if getattr(v, name):
                    self.plain.append((f"{name} of result version {v.id}", getattr(v, name)))
        for plan in db_session.scalars(select(Plan)):
            by = (plan.rules or {}).get("strata", {}).get("by")
            if by in ("credit_class", "credit_class_item"):
                tickets = db_session.scalars(
                    select(Inspection.ticket).where(
                        Inspection.plan_id == plan.id, Inspection.ticket.is_not(None)
                    )
                )
                self.plain += [(f"sealed ticket of {plan.code}", t) for t in tickets]
            key = getattr(plan, "strata_key", None)
            if key:
                hexed = key.hex() if isinstance(key, bytes) else str(key)
                self.plain.append((f"strata key of {plan.code}", hexed))
            if plan.published_at is None:
                self.plain.append((f"unpublished plan {plan.code}", plan.name))
        self.classes = dict(db_session.execute(select(Entity.uscc, Entity.credit_class)).all())

    def __len__(self):
        return len(self.plain) + len(self.classes)

    def find(self, text: str) -> list[str]:
        hits = [what for what, value in self.plain if value in text]
        for match in CODE.finditer(text):
            klass = self.classes.get(match.group(0))
            if klass is None:
                continue
            after = text[match.end() : match.end() + 80]
            before = text[max(0, match.start() - 80) : match.start()]
            if re.match(GAP + re.escape(klass) + r"(?![A-Za-z0-9])", after) or re.search(
                r"(?<![A-Za-z0-9])" + re.escape(klass) + GAP + r"$", before
            ):
                hits.append(f"class of {match.group(0)}")
        return hits


def test_no_confidential_value_on_any_public_page(client, db_session, portal_plans, disclosed):
    officers = db_session.scalars(select(Officer).order_by(Officer.id)).all()
    for i, officer in enumerate(officers):
        officer.phone = f"1391234{i:04d}"
    inspection = db_session.scalars(
        select(Inspection).where(Inspection.plan_id == portal_plans["open"].id)
    ).first()
    db_session.add(
        Conflict(
            officer=officers[-1],
            entity_id=inspection.entity_id,
            kind="relative",
            declared_on=inspection.plan.window_start,
            note="检查对象法定代表人系其表兄（保密备注）",
        )
    )
    db_session.commit()
    from scheduler.plans.queries import team_of

    member = team_of(db_session, inspection.id)[0]
    recusal.replace_member(
        db_session,
        inspection.plan.code,
        inspection.uscc,
        member.officer.cert_no,
        AssignmentEnd.RECUSAL_OFFICER,
        "曾在该企业任职，申请回避（保密）",
        ACTOR,
    )
    db_session.commit()

    pages = crawl(client)
    # the crawl reached every kind of public page
    for prefix in ("/plans/SC-", "/entities/9", "/officers/3", "/results", "/verify.py"):
        assert any(u.startswith(prefix) for u in pages), prefix
    assert any(u.endswith("bundle.json") for u in pages)
    assert any(u.endswith("commitment.json") for u in pages)
    assert any("format=csv" in u for u in pages)

    secrets = Secrets(db_session)
    assert len(secrets.plain) > 10 and len(secrets.classes) > 400
    assert any(what.startswith("findings") for what, _ in secrets.plain)
    assert any(what.startswith("return_reason") for what, _ in secrets.plain)
    hits = [f"{url}: {what}" for url, text in pages.items() for what in secrets.find(text)]
    assert hits == [], "\n".join(hits[:50])


def test_the_search_finds_each_kind_of_leak(db_session, portal_plans, disclosed):
    """The crawl's search would find the leaks it looks for (it is not vacuous)."""
    entity = db_session.scalars(select(Entity)).first()
    secrets = Secrets(db_session)
    u, c = entity.uscc, entity.credit_class
    other = "B" if c == "A" else "A"
    assert secrets.find(f'["{u}", "{c}"]') == [f"class of {u}"]
    assert secrets.find(f"{u},{c}\n") == [f"class of {u}"]
    assert secrets.find(f"<td>{c}</td><td>{u}</td>") == [f"class of {u}"]
    assert secrets.find(f'["{u}", "{other}"]') == []
    assert secrets.find(f"{u} 测试主体") == []
    assert secrets.find("计划：未公示计划") == ["unpublished plan SC-2027-003"]
    version = db_session.scalars(select(ResultVersion).where(ResultVersion.findings != "")).first()
    assert f"findings of result version {version.id}" in secrets.find(f"<p>{version.findings}</p>")
    plan = portal_plans["sealed"]
    ticket = db_session.scalars(
        select(Inspection.ticket).where(
            Inspection.plan_id == plan.id, Inspection.ticket.is_not(None)
        )
    ).first()
    assert secrets.find(ticket) == ["sealed ticket of SC-2027-001"]
    lines = zlib.decompress(db_session.get(PlanPopulation, plan.id).lines_zlib).decode()
    assert len(secrets.find(lines)) == plan.population_size

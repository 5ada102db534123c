"""Independent oracles of the domain rules (规则的独立判定), written from DOMAIN.md, the
README's plan rules and spec draw-v1 sections 3-4, never from the code under test.

They read the database with plain SQL (no model helper such as `certified_for`, no
service) and decide, per rule, who may inspect what; the tests compare what the services
stored or exported with these answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text

DONE = ("scheduled", "published", "closed")


def days(start: dt.date, end: dt.date):
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------- spec draw-v1, sections 3-4


def ticket(seed: str, plan_code: str, key: str) -> str:
    return hashlib.sha256(f"{seed}|{plan_code}|{key}".encode()).hexdigest()


def k_of(n: int, ratio_bp: int | None = None, count: int | None = None) -> int:
    """Section 3: k = ceil(N * bp / 10000) capped at N, or the count capped at N."""
    if ratio_bp is not None:
        whole, rest = divmod(n * ratio_bp, 10000)
        return min(n, whole + (1 if rest else 0))
    return min(n, count)


def bottom_k(seed: str, plan_code: str, keys: list[str], k: int) -> list[str]:
    return sorted(keys, key=lambda key: (ticket(seed, plan_code, key), key))[:k]


def cost(seed: str, plan_code: str, inspection_key: str, cert_no: str) -> int:
    digest = hashlib.sha256(f"{seed}|{plan_code}|officer|{inspection_key}|{cert_no}".encode())
    return int.from_bytes(digest.digest()[:5], "big")


# ---------------------------------------------------------------- the directory, as rows


@dataclass
class OfficerRow:
    id: int
    cert_no: str
    body: str
    unit_town: int | None
    valid_from: dt.date
    valid_to: dt.date
    status: str
    competences: frozenset[str]


@dataclass
class EntityRow:
    id: int
    uscc: str
    type: str
    industry: str
    town: int


def _plan_row(session, code: str):
    row = session.execute(
        text("SELECT id, window_start, window_end, lead_body_id, rules FROM plan WHERE code = :c"),
        {"c": code},
    ).one()
    rules = row.rules if isinstance(row.rules, dict) else __import__("json").loads(row.rules)
    return row.id, as_date(row.window_start), as_date(row.window_end), row.lead_body_id, rules


def _plan_items(session, plan_id: int):
    """(body code, category, entity types, industries, kind) of the plan's items, in order."""
    return session.execute(
        text(
            "SELECT b.code, i.category_zh, i.entity_types, i.industries, i.kind, i.code "
            "FROM plan_item pi JOIN item i ON i.id = pi.item_id JOIN body b ON b.id = i.body_id "
            "WHERE pi.plan_id = :p ORDER BY pi.position"
        ),
        {"p": plan_id},
    ).all()


def item_fits(entity_types: str, industries: str, etype: str, industry: str) -> bool:
    return etype in entity_types and (industries == "*" or industry in industries)


def _officers(session) -> list[OfficerRow]:
    return [
        OfficerRow(
            r.id,
            r.cert_no,
            r.body,
            r.town_id,
            as_date(r.cert_valid_from),
            as_date(r.cert_valid_to),
            r.cert_status,
            frozenset(c for c in (r.competences or "").split(";") if c),
        )
        for r in session.execute(
            text(
                "SELECT o.id, o.cert_no, b.code AS body, u.town_id, o.cert_valid_from, "
                "o.cert_valid_to, o.cert_status, o.competences FROM officer o "
                "JOIN body b ON b.id = o.body_id JOIN unit u ON u.id = o.unit_id"
            )
        )
    ]


def _leaves(session) -> dict[int, list[tuple[dt.date, dt.date]]]:
    out = defaultdict(list)
    for oid, start, end in session.execute(
        text("SELECT officer_id, starts_on, ends_on FROM leave_period")
    ):
        out[oid].append((as_date(start), as_date(end)))
    return out


def on_leave_every_day(periods, start: dt.date, end: dt.date) -> bool:
    return all(any(a <= d <= b for a, b in periods) for d in days(start, end))


def on_leave_on(periods, day: dt.date) -> bool:
    return any(a <= day <= b for a, b in periods)


def certificate_covers(o: OfficerRow, start: dt.date, end: dt.date) -> bool:
    """A valid certificate on every day from start to end (DOMAIN.md, README match rule)."""
    return o.status == "valid" and all(o.valid_from <= d <= o.valid_to for d in days(start, end))


def last_inspectors(session, entity_id: int, body: str, before: dt.date) -> set[int]:
    """The officers of the body's most recent inspection of the entity before `before`,
    from the imported history and from this system's scheduled (or later) plans."""
    candidates = []  # (date, officer ids)
    for hid, day in session.execute(
        text(
            "SELECT h.id, h.inspected_on FROM inspection_history h JOIN body b ON b.id = h.body_id "
            "WHERE h.entity_id = :e AND b.code = :b"
        ),
        {"e": entity_id, "b": body},
    ):
        if as_date(day) < before:
            oids = {
                r[0]
                for r in session.execute(
                    text("SELECT officer_id FROM history_officer WHERE history_id = :h"),
                    {"h": hid},
                )
            }
            candidates.append((as_date(day), oids))
    for iid, day in session.execute(
        text(
            "SELECT i.id, i.visit_date FROM inspection i JOIN plan p ON p.id = i.plan_id "
            "WHERE i.entity_id = :e AND i.visit_date IS NOT NULL AND p.state IN "
            "('scheduled', 'published', 'closed')"
        ),
        {"e": entity_id},
    ):
        if as_date(day) < before:
            oids = {
                r[0]
                for r in session.execute(
                    text(
                        "SELECT a.officer_id FROM assignment a JOIN body b ON b.id = a.body_id "
                        "WHERE a.inspection_id = :i AND b.code = :b AND a.active = :t"
                    ),
                    {"i": iid, "b": body, "t": True},
                )
            }
            if oids:
                candidates.append((as_date(day), oids))
    if not candidates:
        return set()
    latest = max(day for day, _ in candidates)
    return set().union(*(oids for day, oids in candidates if day == latest))


def _entities_of_plan(session, plan_id: int) -> list[EntityRow]:
    return [
        EntityRow(r.id, r.uscc, r.type, r.industry, r.town_id)
        for r in session.execute(
            text(
                "SELECT e.id, e.uscc, e.type, e.industry, e.town_id FROM inspection i "
                "JOIN entity e ON e.id = i.entity_id WHERE i.plan_id = :p ORDER BY e.uscc"
            ),
            {"p": plan_id},
        )
    ]


def needed_categories(items, body: str, e: EntityRow) -> set[str]:
    return {
        cat
        for b, cat, types, industries, _kind, _code in items
        if b == body and item_fits(types, industries, e.type, e.industry)
    }


def why_not_eligible(
    session, plan_code: str, e: EntityRow, o: OfficerRow, body: str, *, on_day=None, ctx=None
) -> str | None:
    """The first rule that keeps officer `o` of `body` off the plan's inspection of `e`, or
    None when he or she may take it. `on_day`: the inspection's date (the replacement rule
    after scheduling) instead of the whole window."""
    ctx = ctx or context(session, plan_code)
    plan_id, start, end, _lead, rules = ctx["plan"]
    if o.body != body:
        return "body"
    first, last = (on_day, on_day) if on_day else (start, end)
    if not certificate_covers(o, first, last):
        return "certificate"
    periods = ctx["leaves"].get(o.id, [])
    if on_leave_on(periods, on_day) if on_day else on_leave_every_day(periods, start, end):
        return "leave"
    need = needed_categories(ctx["items"], body, e)
    if o.competences and not need <= o.competences:
        return "competence"
    if rules.get("cross_jurisdiction") and o.unit_town == e.town:
        return "jurisdiction"
    if (o.id, e.id) in ctx["conflicts"]:
        return "conflict"
    if o.id in last_inspectors(session, e.id, body, start):
        return "rotation"
    return None


def context(session, plan_code: str) -> dict:
    plan = _plan_row(session, plan_code)
    return {
        "plan": plan,
        "items": _plan_items(session, plan[0]),
        "officers": _officers(session),
        "leaves": _leaves(session),
        "conflicts": {
            (o, e) for o, e in session.execute(text("SELECT officer_id, entity_id FROM conflict"))
        },
    }


def eligible_pairs(session, plan_code: str) -> set[tuple[str, str]]:
    """Every (inspection key, certificate number) the match may use: per body taking part
    whose items fit the entity, that body's officers who pass every rule."""
    ctx = context(session, plan_code)
    plan_id = ctx["plan"][0]
    bodies = [
        r[0]
        for r in session.execute(
            text(
                "SELECT b.code FROM plan_body pb JOIN body b ON b.id = pb.body_id "
                "WHERE pb.plan_id = :p"
            ),
            {"p": plan_id},
        )
    ]
    out = set()
    for e in _entities_of_plan(session, plan_id):
        for body in bodies:
            if not needed_categories(ctx["items"], body, e):
                continue
            for o in ctx["officers"]:
                if (
                    o.body == body
                    and why_not_eligible(session, plan_code, e, o, body, ctx=ctx) is None
                ):
                    out.add((f"{plan_code}/{e.uscc}", o.cert_no))
    return out


def demand(session, plan_code: str) -> dict[tuple[str, str], int]:
    """(inspection key, body) -> team size, for the bodies whose items fit the entity."""
    ctx = context(session, plan_code)
    plan_id, *_rest, rules = ctx["plan"]
    out = {}
    for e in _entities_of_plan(session, plan_id):
        for body in {b for b, *_ in ctx["items"]}:
            if needed_categories(ctx["items"], body, e):
                out[f"{plan_code}/{e.uscc}", body] = int(rules["team_size"].get(body, 2))
    return out


def active_teams(session, plan_code: str) -> dict[tuple[str, str], list[tuple[str, bool, int]]]:
    """(inspection key, body) -> [(cert_no, is_leader, cost)] of the active members."""
    out = defaultdict(list)
    for uscc, body, cert_no, leader, c in session.execute(
        text(
            "SELECT i.uscc, b.code, o.cert_no, a.is_leader, a.cost FROM assignment a "
            "JOIN inspection i ON i.id = a.inspection_id JOIN plan p ON p.id = i.plan_id "
            "JOIN officer o ON o.id = a.officer_id JOIN body b ON b.id = a.body_id "
            "WHERE p.code = :c AND a.active = :t"
        ),
        {"c": plan_code, "t": True},
    ):
        out[f"{plan_code}/{uscc}", body].append((cert_no, bool(leader), int(c)))
    return out


def team_problems(session, plan_code: str, seed: str, cap: int | None = None) -> list[str]:
    """Every broken team rule of the stored match, [] when none: exact demand per body from
    distinct eligible officers, the spec's costs, the leader the smallest cost, the cap."""
    problems = []
    eligible = eligible_pairs(session, plan_code)
    teams = active_teams(session, plan_code)
    wanted = demand(session, plan_code)
    if set(teams) - set(wanted):
        problems.append(f"teams without demand: {sorted(set(teams) - set(wanted))}")
    load = defaultdict(int)
    for (ikey, body), size in sorted(wanted.items()):
        team = teams.get((ikey, body), [])
        certs = [c for c, _, _ in team]
        if len(team) != size:
            problems.append(f"{ikey} {body}: {len(team)} members, {size} wanted")
        if len(set(certs)) != len(certs):
            problems.append(f"{ikey} {body}: an officer twice")
        for cert_no, _leader, c in team:
            load[cert_no] += 1
            if (ikey, cert_no) not in eligible:
                problems.append(f"{ikey}: {cert_no} is not eligible")
            if c != cost(seed, plan_code, ikey, cert_no):
                problems.append(f"{ikey}: {cert_no} cost {c} is not the spec's")
        if team:
            leaders = [c for c, lead, _ in team if lead]
            smallest = min(team, key=lambda m: (m[2], m[0]))[0]
            if leaders != [smallest]:
                problems.append(f"{ikey} {body}: leaders {leaders}, smallest cost {smallest}")
    if cap is not None:
        problems += [f"{c}: {n} inspections over cap {cap}" for c, n in load.items() if n > cap]
    return problems

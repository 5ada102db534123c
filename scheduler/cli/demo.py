"""`flask demo load`: the deterministic demo district, into an empty database only."""

from __future__ import annotations

import click
from flask import current_app

from scheduler.cli.base import CLI_ACTOR, domain_command, progress_bar
from scheduler.db import db
from scheduler.demo_loader import load_demo
from scheduler.errors import DemoNotEmpty


@click.group("demo")
def demo_cli():
    """The demo district."""


@demo_cli.command("load")
@click.option(
    "--seed", default=1, show_default=True, type=click.IntRange(min=0), help="随机种子 / seed"
)
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True, max=10),
    help="规模 / scale (1.0: 2,304 officers, 217,000 entities)",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="数据库非空时跳过并正常退出 / skip (exit 0) when the database is not empty",
)
@click.option(
    "--plan",
    "with_plan",
    is_flag=True,
    help="再发布一个演示计划（含已公示结果）/ also publish a demo plan around today, with "
    "disclosed results and assignments for the officer login",
)
@domain_command
def demo_load(seed: int, scale: float, if_empty: bool, with_plan: bool):
    """Load the demo district into an empty database (the same seed gives the same district).

    载入演示辖区（同一种子生成完全相同的数据）；只能载入空数据库。
    """
    try:
        result = load_demo(db.session, seed, scale, actor=CLI_ACTOR, progress=progress_bar())
    except DemoNotEmpty:
        if not if_empty:
            raise
        click.echo(
            "数据库已有数据，未载入演示辖区 / the database already holds data; "
            "demo district not loaded"
        )
        return
    db.session.commit()
    plan_line = None
    if with_plan:
        from scheduler.results.core import today_cst
        from scheduler.results.demo import publish_demo_plan

        plan, cert, mine = publish_demo_plan(db.session, CLI_ACTOR, today_cst())
        db.session.commit()
        plan_line = (
            f"演示计划 / demo plan {plan.code} published; the officer login "
            f"(执法证号 / certificate {cert}) has {mine} inspections"
        )
        for u in result.users:
            if u["role"] == "officer":
                u["cert_no"] = cert

    n = result.counts
    click.echo(
        f"演示辖区已载入 / demo district loaded (seed {seed}, scale {scale:g}): "
        f"{n['officers']} officers, {n['entities']} entities, {n['conflicts']} conflicts, "
        f"{n['leave_periods']} leave periods, {n['history']} past inspections"
    )
    click.echo(f"digest {result.digest}")
    if current_app.config.get("FAIRDRAW_ENV") == "production":
        click.echo(
            "注意：演示账号的密码是公开的，请勿在正式系统中使用 / note: the demo accounts have "
            "published passwords; do not use them on a live system",
            err=True,
        )
    click.echo("演示账号 / demo logins:")
    for u in result.users:
        extra = f" ({u['body']})" if u["body"] else ""
        if u["cert_no"]:
            extra += f" 执法证号 / certificate {u['cert_no']}"
        state = "" if u["created"] else "  [已存在，未更改 / exists, unchanged]"
        click.echo(f"  {u['username']:<10} {u['password']:<20} {u['role']}{extra}{state}")
    if plan_line:
        click.echo(plan_line)
        click.echo("  执法人员登录后进入 /me/ / the officer lands on /me/ after logging in")

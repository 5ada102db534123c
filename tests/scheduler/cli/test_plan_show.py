"""`flask plan show`, `flask plan export` and the CLI's messages: Chinese first, then
English, times in China Standard Time, no Python reprs."""

import json
import re

from openpyxl import load_workbook

CODE = "SC-2027-001"
SEED = "16180339887498948482045868"
CJK = re.compile(r"[\u4e00-\u9fff]")
REPR = re.compile(r"\{'|\['|\(\'|None\b|datetime\.|<[a-z_.]+ object")


def _runner(app):
    runner = app.test_cli_runner()

    def ok(*args):
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        assert not REPR.search(result.output), result.output
        return result.output

    return ok


def test_every_step_speaks_chinese_first(app, small_district, plan_file, tmp_path):
    ok = _runner(app)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_file(), ensure_ascii=False), encoding="utf-8")
    outputs = [
        ok("plan", "create", "--from", str(path)),
        ok("plan", "freeze", CODE),
        ok("plan", "seed", CODE, SEED),
        ok("plan", "draw", CODE),
        ok("plan", "match", CODE),
        ok("plan", "schedule", CODE),
        ok("plan", "bundle", CODE, "--out", str(tmp_path / "b.json")),
        ok("plan", "bundle", CODE, "--auditor", "--out", str(tmp_path / "a.json")),
        ok("plan", "audit-export", CODE, "--out", str(tmp_path / "m.json")),
        ok("plan", "export", CODE, "--out", str(tmp_path / "p.xlsx")),
        ok("plan", "publish", CODE),
    ]
    for out in outputs:
        lines = [line for line in out.splitlines() if line.strip()]
        assert CJK.search(lines[0]), out  # Chinese first ...
        assert any(not CJK.search(line) and re.search("[a-z]{3}", line) for line in lines[1:])
    freeze = outputs[1]
    assert "+08:00" in freeze and "分层密钥" in freeze and "strata key" in freeze
    assert "stratum" in freeze and "分层" in freeze


def test_show_and_export(app, small_district, plan_file, tmp_path):
    ok = _runner(app)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_file(), ensure_ascii=False), encoding="utf-8")
    ok("plan", "run", "--from", str(path), "--seed", SEED)
    shown = ok("plan", "show", CODE)
    assert shown.index("范围") < shown.index("规则") < shown.index("Scope")
    for word in ("承诺", "种子", "匹配", "排期", "状态记录（北京时间）", "History"):
        assert word in shown
    assert "+08:00" in shown and SEED in shown
    data = json.loads(ok("plan", "show", CODE, "--json"))
    assert data["code"] == CODE and data["state"] == "scheduled" and data["sealed"]
    assert "strata_key" not in data and data["match"]["teams"] > 0
    out = ok("plan", "export", CODE, "--out", str(tmp_path / "p.xlsx"))
    assert "已导出" in out and "exported" in out
    assert len(load_workbook(tmp_path / "p.xlsx").sheetnames) == 5
    ok("plan", "export", CODE, "--format", "csv", "--out", str(tmp_path / "csv"))
    assert len(list((tmp_path / "csv").glob("*.csv"))) == 5
    bad = app.test_cli_runner().invoke(
        args=["plan", "export", CODE, "--out", str(tmp_path / "p.txt")]
    )
    assert bad.exit_code == 1 and ".xlsx" in bad.output and "Traceback" not in bad.output

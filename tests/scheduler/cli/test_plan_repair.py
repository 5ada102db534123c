"""`flask plan check|set` and `flask plan freeze --force` from the command line."""

import json

SEED = "16180339887498948482045868"
CODE = "SC-2027-001"


def test_check_set_and_forced_freeze(app, small_district, plan_file, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "plan.json"
    data = plan_file(mode="random", cap_per_officer=1, key_supervision={"flagged": False})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["plan", "create", "--from", str(path)]).exit_code == 0

    short = runner.invoke(args=["plan", "check", CODE])
    assert short.exit_code == 1
    assert "8 officers x cap 1 = 8" in short.output and "verdict: no full match" in short.output
    assert "上限 1" in short.output  # Chinese first, English below
    as_json = json.loads(runner.invoke(args=["plan", "check", CODE, "--json"]).output)
    assert as_json["feasible"] is False and as_json["bodies"][0]["eligible"] == 8

    refused = runner.invoke(args=["plan", "freeze", CODE])
    assert refused.exit_code == 1 and "--force" in refused.output

    no_reason = runner.invoke(args=["plan", "set", CODE, "cap_per_officer=30"])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    fixed = runner.invoke(
        args=["plan", "set", CODE, "cap_per_officer=30", "mode=balanced", "--reason", "试点"]
    )
    assert fixed.exit_code == 0, fixed.output
    assert "cap_per_officer: 1 -> 30" in fixed.output and "mode: random -> balanced" in fixed.output
    ok = runner.invoke(args=["plan", "check", CODE])
    assert ok.exit_code == 0 and "verdict: the officers can staff every team" in ok.output

    # Back to an impossible cap, then freeze with --force: frozen, and audited.
    runner.invoke(args=["plan", "set", CODE, "mode=random", "cap_per_officer=1", "--reason", "x"])
    forced = runner.invoke(args=["plan", "freeze", CODE, "--force"])
    assert forced.exit_code == 0 and "frozen" in forced.output

    typo = runner.invoke(args=["plan", "set", CODE, "cross_jurisdicton=true", "--reason", "x"])
    assert typo.exit_code == 1 and "did you mean cross_jurisdiction?" in typo.output


def test_repair_commands_answer_in_both_languages(app, small_district, plan_file, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "plan.json"
    data = plan_file(strata={"by": "credit_class", "counts": {"A": 4, "B": 3, "C": 2, "D": 1}})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["plan", "run", "--from", str(path), "--seed", SEED]).exit_code == 0

    def ok(*args):
        res = runner.invoke(args=list(args))
        assert res.exit_code == 0, res.output
        return res.output

    assert "has no short team" in ok("plan", "rematch", CODE)
    assert "every visit of SC-2027-001 is still valid" in ok("plan", "reschedule", CODE)
    shown = ok("plan", "diagnose", CODE)
    assert "verdict: feasible" in shown and "余量" in shown
    as_json = json.loads(ok("plan", "diagnose", CODE, "--json"))
    assert as_json["feasible"] is True and as_json["suggestions"] == []
    bad = runner.invoke(args=["plan", "assign", CODE, "91370282MA0000000X", "1", "--reason", "x"])
    assert bad.exit_code == 1 and "no inspection of" in bad.output
    assert "plan SC-2027-001 cancelled: 范围有误" in ok(
        "plan", "cancel", CODE, "--reason", "范围有误"
    )
    again = runner.invoke(args=["plan", "cancel", CODE, "--reason", "x"])
    assert again.exit_code == 1 and "cannot cancel" in again.output

"""Fill the Chinese catalogue from ZH below: `python web/translations/fill_zh.py`.

Message ids are English; Chinese is the default locale. Run after `make translations`.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

ZH = {
    "Wrong username or password.": "用户名或密码错误。",
    "Fairdraw": "公平抽查",
    "Double random, one disclosure": "双随机、一公开",
    "Workspace": "工作台",
    "Log out": "退出",
    "Staff login": "工作人员登录",
    "Directories": "名录库",
    "Market entities": "市场主体",
    "Officers": "执法人员",
    "Declared conflicts": "申报的回避关系",
    "Leave periods": "请假记录",
    "Audit events": "审计日志",
    "Random selection of inspected market entities, random matching of certified officers, "
    "and public disclosure of the results.": (
        "随机抽取检查对象，随机选派执法检查人员，抽查情况及查处结果及时向社会公开。"
    ),
    "enforcement bodies": "个行政执法主体",
    "certified officers": "名持证执法人员",
    "market entities in the directory": "户市场主体在检查对象名录库中",
    "Username": "用户名",
    "Password": "密码",
    "Log in": "登录",
    "Logged in as %(name)s, role %(role)s.": "当前用户 %(name)s，角色：%(role)s。",
    "Administrator": "系统管理员",
    "Planner": "计划员",
    "Officer": "执法人员",
    "Auditor": "审计员",
}

if __name__ == "__main__":
    path = Path(__file__).parent / "zh" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale="zh")
    missing = []
    for message in catalog:
        if message.id:
            if message.id in ZH:
                message.string = ZH[message.id]
                message.flags.discard("fuzzy")
            else:
                missing.append(message.id)
    with open(path, "wb") as f:
        write_po(f, catalog, width=100)
    if missing:
        raise SystemExit("untranslated: " + "; ".join(missing))

"""Chinese for the console's message ids (gathered by web/translations/fill_zh.py)."""

ZH = {
    "Directories": "名录库",
    "Market entities": "市场主体",
    "Officers": "执法人员",
    "Declared conflicts": "申报的回避关系",
    "Leave periods": "请假记录",
    "Audit events": "审计日志",
    "Logged in as %(name)s, role %(role)s.": "当前用户 %(name)s，角色：%(role)s。",
}

"""Chinese for the app-wide message ids: base.html's header and the role names
(gathered with every area's `zh.py` by web/translations/fill_zh.py)."""

ZH = {
    "Fairdraw": "公平抽查",
    "Double random, one disclosure": "双随机、一公开",
    "Workspace": "工作台",
    "Log out": "退出",
    "Staff login": "工作人员登录",
    "Administrator": "系统管理员",
    "Planner": "计划员",
    "Officer": "执法人员",
    "Auditor": "审计员",
}

"""Chinese for the login pages' message ids (gathered by web/translations/fill_zh.py)."""

ZH = {
    "Wrong username or password.": "用户名或密码错误。",
    "Username": "用户名",
    "Password": "密码",
    "Log in": "登录",
    "Your session has expired; please log in again.": "会话已过期，请重新登录。",
}

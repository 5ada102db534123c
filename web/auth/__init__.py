"""Login and logout (登录 / 退出). Views in `views`, templates in `templates/auth/`,
Chinese strings in `zh`."""

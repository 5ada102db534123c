"""The public portal (公示平台): no login, nothing confidential. Views in `views`,
templates in `templates/portal/`, Chinese strings in `zh`."""

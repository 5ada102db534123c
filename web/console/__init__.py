"""The staff console (工作台): planners, auditors and administrators. Views in `views`,
templates in `templates/console/`, Chinese strings in `zh`."""

"""The officer workspace (执法人员工作台, `/me/`): an officer's own inspections on a phone.
Views in `views`, templates in `templates/workspace/`, Chinese strings in `zh`."""

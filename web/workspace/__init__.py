"""The officer workspace (执法人员工作台): an officer's own inspections. Views go in
`views` (its blueprint is registered, with no route yet), templates in
`templates/workspace/`, Chinese strings in `zh`."""

"""The JSON API `/api/v1` for other systems and officers' apps (接口): see `views`."""

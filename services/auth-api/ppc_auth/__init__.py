"""auth-api: users, groups and package permissions as a service (built out in its own issue)."""

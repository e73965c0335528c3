"""The domain library every PyPICloud 2 service imports: settings, names, storage,
cache and access backends. It imports no web framework."""

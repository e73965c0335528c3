"""The ``ppc`` command: serve, make-config, gen-password, rebuild."""

"""The report: its models (the single source of truth), student text made safe, late policy, overrides."""

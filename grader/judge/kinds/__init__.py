"""The check kinds: one module per kind, each a `CheckKind` (`registry.KINDS`)."""

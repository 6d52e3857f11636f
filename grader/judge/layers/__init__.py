"""The gradable layers: one `LayerSpec` each (`registry.LAYERS`), their cases and known bugs."""

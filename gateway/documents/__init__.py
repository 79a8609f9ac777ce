"""Document types: the registry that ties root + CustomizationID to model, mapping and rule sets."""

"""Everything in Eioku that is not a model: storage, media, coordinator, query, CLI."""

"""Analyze stamps: a plain `eioku analyze` of a file it has already answered, answered
again without the planner, the ORM or any model code (docs/ARCHITECTURE.md, "Analyze
stamps")."""

"""vlmesh reference tooling: golden fixtures from HuggingFace transformers (issue 3)."""

"""Reference tooling that trains and ships the vlmesh demo InternVL3 (issue 9)."""

"""The shared semantic model: what the names in a file mean.

Computed lazily, once per file (`ModuleModel`) and once per run for facts
that cross files (`ProjectIndex`), and shared by every rule.
"""

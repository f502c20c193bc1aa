"""Output formats: one module per `--format` value.

Each module has a `render(diagnostics, context) -> str` function and is
registered in `dllint.reporting.FORMATTERS`. Findings arrive sorted, with
dllint's positions (1-based line, 1-based character column); each format
converts them to what its readers expect, here and nowhere else. Rule
metadata (names, summaries, documentation, URLs) comes from the registry
through `ReportContext`.
"""

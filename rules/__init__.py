"""dllint's rules, one module per rule (installed as `dllint.rules`)."""

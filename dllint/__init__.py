"""dllint: a static-analysis linter for deep-learning training code."""

__version__ = "0.1.0"

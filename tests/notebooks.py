"""Building .ipynb files for the tests: nbformat 4 JSON written as Jupyter
writes it (indent 1, sources as lists of lines, outputs and metadata kept)."""
import json


def code(source, outputs=None, execution_count=None):
    return {
        "cell_type": "code",
        "execution_count": execution_count,
        "metadata": {"tags": []},
        "outputs": outputs or [],
        "source": _lines(source),
    }


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(source)}


def _lines(source):
    """As Jupyter stores a source: lines with their newline, but the last without."""
    lines = source.splitlines(keepends=True)
    if lines and lines[-1].endswith("\n"):
        lines[-1] = lines[-1][:-1]
    return [line for line in lines if line]


def notebook(*cells, language="python"):
    document = {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": language, "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# An output as Jupyter stores it, with text the fixer must never touch.
STREAM = {"name": "stdout", "output_type": "stream", "text": ["epoch 1: loss 0.5\n", "  odd   spacing\t\n"]}

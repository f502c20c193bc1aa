import os
import sys

# `python -m dllint` puts the working folder first on sys.path, so a project
# with its own `click.py` or `torch.py` would have it imported in place of the
# real library: dllint would run the code it reads. It never imports from the
# working folder (dllint itself is already imported by now).
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from dllint.launcher import main  # noqa: E402

main()

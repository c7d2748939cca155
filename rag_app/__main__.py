"""`python -m rag_app`.

Run from the folder that holds a checkout named `rag_app` (`git clone … rag_app`), that folder is
an implicit namespace package `rag_app` that shadows an editable install, and `rag_app.__main__`
is found through it: put the real package first again before importing the CLI.
"""

import sys
from pathlib import Path

if getattr(sys.modules.get("rag_app"), "__file__", None) is None:  # the namespace, not this package
    del sys.modules["rag_app"]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag_app.cli import main  # noqa: E402

raise SystemExit(main())

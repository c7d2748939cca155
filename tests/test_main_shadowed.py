"""`python -m rag_app` from the folder holding a checkout named `rag_app` (the README's layout)."""

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rag_app"

# What an editable install does there: `rag_app` becomes a namespace package made of the checkout
# folder in the current directory and the real package's folder, so `rag_app.__main__` is found
# while `import rag_app` gives the namespace (ImportError: cannot import name '__version__').
SHADOWED = """
import importlib.machinery, importlib.util, runpy, sys
spec = importlib.machinery.ModuleSpec("rag_app", None, is_package=True)
spec.submodule_search_locations = ["rag_app", {package!r}]
sys.modules["rag_app"] = importlib.util.module_from_spec(spec)
sys.argv = ["rag_app", "--version"]
runpy.run_module("rag_app", run_name="__main__", alter_sys=True)
"""


def test_python_m_rag_app_works_beside_a_checkout_named_rag_app(tmp_path):
    (tmp_path / "rag_app").mkdir()  # the checkout: no __init__.py at its top
    code = SHADOWED.format(package=str(PACKAGE))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rag_app ") and "Traceback" not in done.stderr

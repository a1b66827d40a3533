import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_speech_package_imports_no_django() -> None:
    # A fresh interpreter: in the test process Django is already loaded by pytest-django.
    code = (
        "import sys, pkgutil, importlib, speech\n"
        "for m in pkgutil.iter_modules(speech.__path__): importlib.import_module('speech.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'django' or n.startswith(('django.', 'calls', 'mot_coach')))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

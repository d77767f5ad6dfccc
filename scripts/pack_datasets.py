"""Refresh the package's copy of the paper's data files from a source folder.

Usage: python scripts/pack_datasets.py SOURCE_FOLDER

Compresses every ``NAME.data`` and ``splits.json`` of SOURCE_FOLDER with xz into
``python/symhmc/data/`` and writes each file's SHA-256 (of the uncompressed bytes), rows and
features into ``python/symhmc/data/manifest.json``, keeping the sources and licences already
written there. Run it only when the paper's files themselves change.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import sys
from pathlib import Path

import numpy as np

PACKAGE_DATA = Path(__file__).resolve().parents[1] / "python" / "symhmc" / "data"


def main(source: Path) -> None:
    manifest_path = PACKAGE_DATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for name, entry in manifest["datasets"].items():
        raw = (source / f"{name}.data").read_bytes()
        table = np.loadtxt(source / f"{name}.data", ndmin=2)
        (PACKAGE_DATA / f"{name}.data.xz").write_bytes(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))
        entry.update(
            file=f"{name}.data.xz",
            sha256=hashlib.sha256(raw).hexdigest(),
            rows=table.shape[0],
            features=table.shape[1] - 1,
        )
    raw = (source / "splits.json").read_bytes()
    (PACKAGE_DATA / "splits.json.xz").write_bytes(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))
    manifest["splits"] = {"file": "splits.json.xz", "sha256": hashlib.sha256(raw).hexdigest()}
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(manifest['datasets'])} data sets and the splits to {PACKAGE_DATA}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))

"""Reference data of the district and the deterministic demo-district generator."""

from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.domain.fieldmap import MappingConfig
from app.domain.mapping_file import default_mapping

DATA = Path(__file__).parent / "data"


def load_example(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text("utf-8"))


@pytest.fixture
def config() -> MappingConfig:
    return default_mapping()

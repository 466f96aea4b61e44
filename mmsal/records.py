"""Result records as people read them: every float rounded to
:data:`DIGITS` significant digits (no float32 noise such as
``14.200000762939453``), written as indented JSON or one JSON line."""
import json
import math
from typing import Any

DIGITS = 6


def rounded(obj: Any, digits: int = DIGITS) -> Any:
    """``obj`` (nested dicts, lists, tuples) with every finite float rounded
    to ``digits`` significant digits; other values unchanged."""
    if isinstance(obj, float) and math.isfinite(obj):
        return float(f'{obj:.{digits}g}')
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj


def json_line(obj: Any) -> str:
    """``obj`` rounded, as one line of JSON (no newline)."""
    return json.dumps(rounded(obj))


def write_json(path: str, obj: Any) -> None:
    """Write ``obj`` rounded to ``path`` as indented JSON."""
    with open(path, 'w') as f:
        json.dump(rounded(obj), f, indent=1)
        f.write('\n')

"""Build dfi_casos/reports/data/mexico_states.json from the npm package @svg-maps/mexico (CC BY 4.0).

    npm pack @svg-maps/mexico && tar xzf svg-maps-mexico-*.tgz
    python dfi_casos/reports/data/simplify_map.py package/index.js > dfi_casos/reports/data/mexico_states.json

Absolute coordinates, Douglas-Peucker simplification (tolerance 0.6 px of the 793 × 498 view box),
rings under 2 px² dropped (tiny islets), one decimal; keyed by INEGI state code.
"""
from __future__ import annotations

import json
import re
import sys

TOLERANCE = 0.6
MIN_AREA = 2.0
#: The package's ids, mapped to INEGI codes.
IDS = {"agu": "01", "bcn": "02", "bcs": "03", "cam": "04", "coa": "05", "col": "06", "chp": "07", "chh": "08",
       "cmx": "09", "dur": "10", "gua": "11", "gro": "12", "hid": "13", "jal": "14", "mex": "15", "mic": "16",
       "mor": "17", "nay": "18", "nle": "19", "oax": "20", "pue": "21", "que": "22", "roo": "23", "slp": "24",
       "sin": "25", "son": "26", "tab": "27", "tam": "28", "tla": "29", "ver": "30", "yuc": "31", "zac": "32"}


def rings(path: str) -> list[list[tuple[float, float]]]:
    tokens = re.findall(r"[MmLlZz]|-?\d*\.?\d+(?:e-?\d+)?", path)
    found: list[list[tuple[float, float]]] = []
    x = y = 0.0
    command, ring = "", []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in "MmLlZz":
            command = t
            i += 1
            if t in "Zz":
                if ring:
                    found.append(ring)
                    x, y = ring[0]
                ring = []
            continue
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        if command in "ml":
            x, y = x + dx, y + dy
        else:
            x, y = dx, dy
        if command in "Mm":
            if ring:
                found.append(ring)
            ring = [(x, y)]
            command = "l" if command == "m" else "L"
        else:
            ring.append((x, y))
    if ring:
        found.append(ring)
    return found


def simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    start, end = points[0], points[-1]
    best, index = -1.0, 0
    for k in range(1, len(points) - 1):
        d = _distance(points[k], start, end)
        if d > best:
            best, index = d, k
    if best <= TOLERANCE:
        return [start, end]
    return simplify(points[: index + 1])[:-1] + simplify(points[index:])


def _distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return float(((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
    return float(abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5)


def area(points: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def to_path(all_rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in all_rings:
        half = len(ring) // 2  # split so the closing point is not lost by the simplification
        points = simplify(ring[: half + 1])[:-1] + simplify(ring[half:] + ring[:1])[:-1]
        if len(points) < 3 or area(points) < MIN_AREA:
            continue
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def main(source: str) -> None:
    text = open(source, encoding="utf-8").read()
    data = json.loads(text[text.index("{"): text.rindex("}") + 1])
    states = {IDS[loc["id"]]: to_path(rings(loc["path"])) for loc in data["locations"]}
    json.dump({"source": "npm @svg-maps/mexico 2.0.0 (MapSVG, mapsvg.com), CC BY 4.0; simplified",
               "licence": "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/",
               "viewBox": data["viewBox"], "states": dict(sorted(states.items()))},
              sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])

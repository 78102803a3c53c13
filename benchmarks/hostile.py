"""Cleaning cost of hostile bodies as they grow: the figures behind "linear in the input".

    python3 benchmarks/hostile.py              # 25 KB, 100 KB, 400 KB of each kind

Each line: CPU milliseconds to clean the body and make it safe for kramdown
(or to refuse it), at each size, and the growth from the smallest to the
largest (linear: x16 for 16 times the input; quadratic would be x256).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile_articles import HOSTILE_MARKUP, cleaning_cost  # noqa: E402

OUTLET = '<p class="em_media">（文章来源：河北日报）</p>'
KINDS = {**HOSTILE_MARKUP, "plain paragraphs": lambda n: "<p>段落文字。</p>" * (n // 13)}
SIZES = (25_000, 100_000, 400_000)


def main() -> None:
    print(f"{'body':28s}" + "".join(f"{size // 1000:>8d} KB" for size in SIZES) + "   growth")
    for name, make in KINDS.items():
        spent = [1000 * cleaning_cost(f"<p>x</p>{make(size)}{OUTLET}") for size in SIZES]
        growth = spent[-1] / max(spent[0], 0.01)
        print(f"{name:28s}" + "".join(f"{ms:8.1f} ms" for ms in spent) + f"   x{growth:.0f}")


if __name__ == "__main__":
    main()

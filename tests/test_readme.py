"""The README is the front door: it must stay true to the tree it describes."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_architecture_tree_names_every_top_level_folder_and_only_those():
    tree = README.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^([a-z]+)/ ", tree.split("```")[3], flags=re.M))
    on_disk = {p.name for p in ROOT.iterdir()
               if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in {"test-artifacts"}}
    assert listed == on_disk


def test_every_local_link_points_at_a_file():
    targets = re.findall(r"\]\(((?!https?:)[^)#]+)\)", README)
    assert targets
    assert [t for t in targets if not (ROOT / t).exists()] == []


def test_the_two_commands_come_first_and_it_stays_short():
    assert README.index("make run") < README.index("## Configuration")
    assert README.index("make test") < README.index("## Configuration")
    assert len(README.splitlines()) <= 250

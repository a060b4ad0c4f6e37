"""The several-machine recipe of docs/scaling.md, run for real: two data dirs, each checking
its own target, their `snapshots/` merged by plain copying into a third; `verify` accepts the
merged archive (hash chains are per target) and `replay` builds one site whose per-target
files are those each machine wrote."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from conftest import Site, nato_watch
from pages import edited, load_content, nato_page

T0 = datetime.fromisoformat("2024-07-16T08:30:00+00:00")


def config(data_dir: Path, targets: dict[str, str]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    blocks = "".join(f'[[targets]]\nname = "{n}"\nurl = "{u}"\n\n' for n, u in targets.items())
    (data_dir / "nato-watch.toml").write_text(
        blocks + "[fetch]\nretries = 1\nrespect_robots = false\n", encoding="utf-8"
    )


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_two_machines_archives_merge_by_copying_and_replay_into_one_site(
    site: Site, tmp_path: Path
) -> None:
    content = load_content()
    urls = {name: site.put(f"/{name}.htm", nato_page(content)) for name in ("rok", "jpn")}
    machines = {name: tmp_path / f"machine-{name}" for name in urls}
    for k, (name, data_dir) in enumerate(machines.items()):
        config(data_dir, {name: urls[name]})
        at = T0 + timedelta(minutes=k)
        assert nato_watch(data_dir, "check", now=lambda at=at: at).exit_code == 0
        edit = {"steadfast": f"steadfast ({name})"}
        site.put(f"/{name}.htm", nato_page(edited(content, replace_text=edit)))
        later = at + timedelta(days=1)
        result = nato_watch(data_dir, "check", now=lambda later=later: later)
        assert result.exit_code == 0 and "changed" in result.stdout, result.output

    merged = tmp_path / "merged"
    config(merged, urls)
    for data_dir in machines.values():  # `rsync` or `aws s3 sync` would do the same
        shutil.copytree(data_dir / "snapshots", merged / "snapshots", dirs_exist_ok=True)

    verified = nato_watch(merged, "verify")
    assert verified.exit_code == 0, verified.output
    for name in urls:  # replay takes one target at a time
        replayed = nato_watch(merged, "replay", "--target", name)
        assert replayed.exit_code == 0, replayed.output

    site_files = files(merged / "reports")
    for name, data_dir in machines.items():
        own = {k: v for k, v in files(data_dir / "reports").items() if k.startswith(f"{name}/")}
        assert own, f"{name}: its machine wrote reports"
        assert {k: site_files.get(k) for k in own} == own, f"{name}: the same files, byte for byte"
    front = (merged / "reports" / "index.html").read_text(encoding="utf-8")
    assert "rok/" in front and "jpn/" in front
    assert nato_watch(merged, "log", "--target", "jpn").stdout.count("\n") == 2

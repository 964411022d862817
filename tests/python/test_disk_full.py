"""A disk that fills up: a run that cannot fit a checkpoint and the final adapter does not start; one whose disk
fills while it trains stops with a checkpoint while one still fits, says how much a checkpoint needs, and resumes
once there is room. Each test runs tunepipe in its own mount namespace on a small tmpfs (`unshare`)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tunepipe_env import BIN, REPO, needs_quickstart, run_tunepipe
from test_training import LORA, series, write_pipeline

pytestmark = needs_quickstart


def in_small_disk(tmp_path: Path, size_kib: int, script: str) -> subprocess.CompletedProcess:
    """Runs the shell script with $DISK a fresh tmpfs of size_kib, visible to it alone."""
    disk = tmp_path / "disk"
    disk.mkdir(exist_ok=True)
    wrapper = f'set -e; mount -t tmpfs -o size={size_kib}k tmpfs "{disk}"; export DISK="{disk}"; {script}'
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", wrapper],
                          capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module", autouse=True)
def needs_unshare(tmp_path_factory):
    probe = in_small_disk(tmp_path_factory.mktemp("probe"), 64, "true")
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()}")


def test_a_run_whose_disk_cannot_hold_a_checkpoint_does_not_start(tmp_path):
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": 4})
    text = pipeline.read_text("utf-8").replace(str(tmp_path / "run"), str(tmp_path / "disk" / "run"))
    pipeline.write_text(text, "utf-8")
    # 1.5 MiB: the prepared splits (about 0.5 MiB) fit; room for a checkpoint and the adapter (estimated at
    # 1 MiB + the LoRA weights and moments each, before one is measured) does not.
    result = in_small_disk(tmp_path, 1536, f'"{BIN}" run "{pipeline}"')
    assert result.returncode == 1, result.stderr
    assert f"{tmp_path / 'disk' / 'run'}: error: [trainer] sft: the disk holding this output folder has " \
        in result.stderr
    assert "a checkpoint and the final adapter need about" in result.stderr


def test_a_disk_that_fills_while_training_stops_with_a_checkpoint_and_resumes(tmp_path):
    # Steps enough that the run cannot finish while the disk is being filled (30 once raced it in CI).
    steps = 300
    pipeline = write_pipeline(tmp_path, LORA, {"max_steps": steps, "logging_steps": 1})
    text = pipeline.read_text("utf-8").replace(str(tmp_path / "run"), str(tmp_path / "disk" / "run"))
    pipeline.write_text(text, "utf-8")
    run_dir = tmp_path / "disk" / "run"
    # Another writer fills the disk once training has begun (step 3), leaving room for one checkpoint (estimated
    # at about 1.3 MiB) but not two.
    script = f'''
"{BIN}" run "{pipeline}" 2> "$DISK/../stderr-1" &
run=$!
while ! grep -q '"step":3' "{run_dir}/events.jsonl" 2>/dev/null; do kill -0 $run || exit 3; sleep 0.05; done
free=$(df --output=avail -k "$DISK" | tail -1)
fill=$((free - 2048))
dd if=/dev/zero of="$DISK/filler" bs=1k count=$fill status=none || true
status=0; wait $run || status=$?; echo "first=$status"
cp -r "{run_dir}" "$DISK/../after-first"
rm "$DISK/filler"
status=0; "{BIN}" run "{pipeline}" --resume 2> "$DISK/../stderr-2" || status=$?; echo "second=$status"
cp -r "{run_dir}" "$DISK/../after-second"
'''
    result = in_small_disk(tmp_path, 64 * 1024, script)
    first_error = (tmp_path / "stderr-1").read_text()
    assert "first=1" in result.stdout, (result.stdout, result.stderr, first_error)
    assert "the disk holding this output folder has " in first_error
    assert "stopped while one still fits — checkpoint " in first_error
    assert "free some space, then `run --resume`" in first_error
    after_first = tmp_path / "after-first"
    checkpoints = sorted(int(p.name.split("-")[1]) for p in (after_first / "checkpoints").iterdir())
    assert len(checkpoints) == 1 and checkpoints[0] >= 3
    assert not (after_first / "adapter").exists()
    assert "second=0" in result.stdout, (tmp_path / "stderr-2").read_text()
    assert sorted(series(tmp_path / "after-second", "train/loss"))[-1] == steps
    assert (tmp_path / "after-second" / "adapter" / "adapter_model.safetensors").exists()

"""Manifest and settings-file parsing for `rom batch` (and `rom analyze --config`):
property tests over generated inputs, and the one-line errors for the usual mistakes."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rom.batch.manifest import KNOWN_COLUMNS, SIDES, parse_manifest, read_input
from rom.errors import ConfigError, InputError
from rom.settings import (
    SETTING_KEYS,
    config_settings,
    config_to_toml,
    effective_settings,
    given_settings,
    parse_settings,
    read_settings_file,
    resolve_config,
)

# --- settings ---------------------------------------------------------------------------

finite = st.floats(min_value=0, max_value=1e4, allow_nan=False, allow_infinity=False)
settings_values = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["lite", "full", "heavy"]),
        "person": st.one_of(
            st.integers(0, 9).map(str),
            st.tuples(st.integers(0, 4000), st.integers(0, 4000)).map(lambda p: f"{p[0]},{p[1]}"),
        ),
        "protocol": st.sampled_from(["shoulder-abduction", "cervical-rotation"]),
        "with_3d": st.booleans(),
        "cutoff_hz": finite,
        "max_gap_s": finite,
        "hampel": st.booleans(),
        "fps": st.floats(min_value=0.5, max_value=240, allow_nan=False),
        "overlay": st.booleans(),
    },
)


@given(settings_values)
@settings(max_examples=200, deadline=None)
def test_settings_written_by_config_to_toml_read_back_to_the_same_config(values) -> None:
    config = resolve_config(values)
    doc = tomllib.loads(config_to_toml(config, header={"note": "x"}))
    analysis, batch = parse_settings(doc)
    assert batch == {}
    again = resolve_config(analysis)
    assert again == config
    assert config_settings(again) == config_settings(config)


@given(settings_values, settings_values)
@settings(max_examples=100, deadline=None)
def test_flags_win_over_the_file_which_wins_over_the_defaults(flags, file_values) -> None:
    merged = effective_settings(flags, file_values)
    for key in SETTING_KEYS:
        if key in flags:
            assert merged[key] == flags[key]
        elif key in file_values:
            assert merged[key] == file_values[key]


toml_scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**31), 2**31),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
)


@given(st.dictionaries(st.sampled_from([*SETTING_KEYS, "batch", "cutof_hz"]), toml_scalars))
@settings(max_examples=300, deadline=None)
def test_any_settings_document_is_accepted_or_refused_with_a_config_error(doc) -> None:
    """Whatever a user writes, the answer is checked settings or a ConfigError naming the
    key; never another exception (a traceback)."""
    try:
        analysis, _ = parse_settings(doc)
    except ConfigError as exc:
        assert any(k in str(exc) for k in doc), str(exc)
        return
    try:
        resolve_config(analysis)
    except InputError:
        pass  # e.g. --person "abc": a one-line input error


def test_settings_file_errors_name_the_key_and_the_file(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("cutof_hz = 4\n")
    with pytest.raises(ConfigError, match=r"s.toml: unknown setting 'cutof_hz'; known: model"):
        read_settings_file(f)
    f.write_text('cutoff_hz = "four"\n')
    with pytest.raises(ConfigError, match="cutoff_hz must be a number"):
        read_settings_file(f)
    f.write_text("cutoff_hz = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_settings_file(f)
    f.write_text("[batch]\nworkers = 0\n")
    with pytest.raises(ConfigError, match="workers must be 1 or more"):
        read_settings_file(f)
    with pytest.raises(ConfigError, match="settings file not found"):
        read_settings_file(tmp_path / "none.toml")


def test_settings_file_paths_are_read_from_its_folder(tmp_path: Path) -> None:
    f = tmp_path / "sub" / "s.toml"
    f.parent.mkdir()
    f.write_text('protocols_file = "mine.toml"\n[batch]\nworkers = 3\n')
    analysis, batch = read_settings_file(f)
    assert analysis["protocols_file"] == tmp_path / "sub" / "mine.toml"
    assert batch == {"workers": 3}


# --- manifests --------------------------------------------------------------------------

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(
    extra=st.lists(
        st.text(alphabet="abcdefghij_", min_size=1, max_size=8).filter(
            lambda s: s not in KNOWN_COLUMNS
        ),
        max_size=3,
        unique=True,
    ),
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a.mp4", "sub/b.mov", "c d.mp4"]),
            st.sampled_from(["", "shoulder-abduction", "cervical-rotation"]),
            st.sampled_from(["", *SIDES, "Left"]),
            cell,
        ),
        min_size=1,
        max_size=6,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    bom=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_a_written_manifest_reads_back_row_for_row(tmp_path_factory, extra, rows, delimiter, bom):
    base = tmp_path_factory.mktemp("m")
    header = ["path", "protocol", "side", "subject", *extra]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    for path, protocol, side, subject in rows:
        w.writerow([path, protocol, side, subject, *("x" for _ in extra)])
    text = ("\ufeff" if bom else "") + buf.getvalue()
    entries = parse_manifest(text, base_dir=base, check_files=False)
    assert len(entries) == len([r for r in rows if any(c.strip() for c in r)])
    for entry, (path, protocol, side, subject) in zip(entries, rows):
        assert entry.path == base / path
        assert entry.protocol == (protocol or None)
        assert entry.side == (side.lower() or None)
        assert entry.columns["subject"] == subject.strip()
        assert set(entry.columns) == set(header)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_manifest_or_a_one_line_input_error(text) -> None:
    try:
        parse_manifest(text, base_dir=Path("/nonexistent"), check_files=False)
    except InputError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize(
    "text, message",
    [
        ("file,subject\na.mp4,s1\n", r"has no 'path' column \(columns: file, subject\)"),
        ("path\n", "lists no clips"),
        ("path,side\na.mp4,up\n", r"line 2: side 'up' is not one of left, right, both"),
        ("path,protocol\na.mp4,neck-twist\n", r"line 2: unknown protocol 'neck-twist'"),
        ("path,path\na.mp4,b.mp4\n", "column 'path' twice"),
        ("path,subject\na.mp4,s1\n,s2\n", "line 3 has an empty path"),
        (
            "path\na.mp4\nmissing.mp4\ngone.mp4\n",
            r"line 3: no such file 'missing.mp4' \(and 1 more row\);",  # not "1 more rows"
        ),
        # a user review: "no such file 'clips'" though the folder exists
        (
            "path\na.mp4\nclips\n",
            (
                r"line 3: 'clips' is a folder; a manifest lists clip files, one per row \(to "
                r"analyse every video in it, give the folder /.+/clips itself as INPUT\)"
            ),
        ),
    ],
)
def test_manifest_mistakes_get_one_line_naming_the_fix(tmp_path: Path, text, message) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "clips").mkdir()
    manifest = tmp_path / "clips.csv"
    manifest.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_input(manifest, known_protocols={"shoulder-abduction"})
    assert "\n" not in str(info.value)


def test_folder_input_finds_videos_recursively_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b.mp4", "sub/a.MOV", "sub/notes.txt", ".hidden/c.mp4", "sub/.d.mp4"):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    entries = read_input(tmp_path)
    assert [e.columns["path"] for e in entries] == ["b.mp4", "sub/a.MOV"]
    with pytest.raises(InputError, match="holds no videos"):
        read_input(_empty(tmp_path))
    with pytest.raises(InputError, match="is a video; rom batch takes a folder"):
        read_input(tmp_path / "b.mp4")


def _empty(tmp_path: Path) -> Path:
    d = tmp_path / "empty"
    d.mkdir()
    return d


def test_the_pipeline_never_imports_the_batch_package_or_dask() -> None:
    """rom.batch is an edge package: nothing below it knows it exists."""
    import subprocess
    import sys

    code = (
        "import sys, rom.cli, rom.pipeline, rom.settings, rom.pose.extract, rom.summary\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('rom.batch', 'dask', "
        "'distributed')))\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("command", ["analyze", "batch"])
def test_rom_analyze_and_batch_read_the_same_flags_and_config_file(tmp_path, command) -> None:
    """One settings resolution for both commands: the file's values, flags winning."""
    from rom.cli import build_parser

    f = tmp_path / "s.toml"
    f.write_text('cutoff_hz = 4.0\nwith_3d = false\nprotocol = "cervical-rotation"\n')
    args = build_parser().parse_args(
        [command, "in.mp4", "--out", str(tmp_path), "--config", str(f), "--cutoff-hz", "3"]
    )
    config = resolve_config(given_settings(args), args.config)
    assert config.filter.cutoff_hz == 3.0
    assert config.with_3d is False
    assert config.protocol == "cervical-rotation"
    assert config.filter.hampel is True  # the default


@pytest.mark.parametrize("name", ["medium", "Full", "heavvy"])
def test_a_mistyped_model_name_is_bad_input_not_a_missing_model(name: str) -> None:
    from rom.errors import InputError
    from rom.settings import resolve_config

    with pytest.raises(InputError, match="not a model name: choose lite, full or heavy"):
        resolve_config({"model": name})


def test_a_model_path_is_still_a_path(tmp_path) -> None:
    from rom.settings import resolve_config

    config = resolve_config({"model": str(tmp_path / "mine.task")})
    assert config.model_path == tmp_path / "mine.task"
    assert resolve_config({"model": "heavy"}).model_variant == "heavy"


def test_a_manifest_not_in_utf8_is_refused_naming_the_file_line_and_the_fix(tmp_path) -> None:
    """A user review: Excel's plain CSV export (Windows-1252) of a manifest naming
    "Müller" gave "cannot read manifest: 'utf-8' codec can't decode byte 0xfc in position
    34: invalid start byte", without what to do. It is refused (never read in a guessed
    encoding), in one line naming the file, the line and the export to choose."""
    (tmp_path / "a.mp4").write_bytes(b"x")
    manifest = tmp_path / "clips.csv"
    manifest.write_bytes("path,subject\na.mp4,Müller\n".encode("cp1252"))
    with pytest.raises(InputError) as info:
        read_input(manifest)
    message = str(info.value)
    assert "\n" not in message and "codec" not in message, message
    assert message.startswith(
        f"{manifest}: cannot read manifest: it is not UTF-8 text (byte 0xfc on line 2)"
    )
    assert "save it as 'CSV UTF-8'" in message, message
    manifest.write_bytes("path,subject\na.mp4,Müller\n".encode("utf-8-sig"))  # CSV UTF-8
    assert read_input(manifest)[0].columns["subject"] == "Müller"


def test_a_batchs_own_output_folder_inside_its_input_is_not_read_as_clips(tmp_path) -> None:
    """A user review: `rom batch inout --out inout/res --overlay`, run again, analysed its
    own overlay.mp4 as a new clip (and the overlay of that overlay the next time)."""
    from rom.batch.manifest import read_input

    (tmp_path / "a.mp4").write_bytes(b"x")
    own = tmp_path / "res" / "clips" / "k1"
    own.mkdir(parents=True)
    (own / "overlay.mp4").write_bytes(b"x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "b.mp4").write_bytes(b"x")
    names = [e.path.name for e in read_input(tmp_path, exclude=tmp_path / "res")]
    assert names == ["a.mp4", "b.mp4"]
    assert len(read_input(tmp_path)) == 3  # without the exclusion it would be read


def test_the_workers_get_absolute_clip_paths(tmp_path, monkeypatch, shared_model) -> None:
    """A user review: with --scheduler, clips named relative to where `rom batch` ran
    failed on every Dask worker ("no such file: lab2/...") since workers run elsewhere."""
    from pathlib import Path

    from rom.batch.manifest import ClipEntry
    from rom.batch.run import plan
    from rom.settings import resolve_config

    monkeypatch.setenv("ROM_MODEL_PATH", str(shared_model))
    monkeypatch.chdir(tmp_path)
    Path("clips").mkdir()
    Path("clips/a.mp4").write_bytes(b"video bytes")
    _keys, tasks, _meta, _model = plan(
        [ClipEntry(Path("clips/a.mp4"))], resolve_config({}), tmp_path / "out"
    )
    (task,) = tasks.values()
    assert Path(task.path).is_absolute()
    assert Path(task.path) == tmp_path / "clips" / "a.mp4"

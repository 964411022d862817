"""Every plugin option is declared once, as an OptionKey (tunepipe/option_key.hpp),
and read through that key: a read by a literal name could name an option the
schema does not declare (a typo compiles and fails only when that line runs).
This test finds such reads in the plugins, the SDK, the core and the examples."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["plugins", "sdk/src", "core/src", "examples", "tests/fixture-plugins"]

# Methods only tp::Options has, called with a string literal on any receiver.
OPTIONS_ONLY = re.compile(
    r"(?:\.|->)\s*(get_strings|get_ints|get_table|get_path|is_default|location)\s*\(\s*\"")
# Names other types share (toml++, JSON and GGUF metadata have get/has/get_string too): flagged on a
# receiver named like options.
ON_OPTIONS = re.compile(
    r"\b\w*options\w*\s*(?:\.|->)\s*(get|has|get_bool|get_int|get_float|get_string|find_string)\s*\(\s*\"")


def literal_reads(text):
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("//", 1)[0]
        for pattern in (OPTIONS_ONLY, ON_OPTIONS):
            match = pattern.search(code)
            if match:
                yield number, match.group(1), line.strip()


def test_options_are_read_through_their_keys():
    found = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".cpp", ".hpp", ".h", ".cc"}:
                continue
            for number, method, line in literal_reads(path.read_text(encoding="utf-8")):
                found.append(f"{path.relative_to(ROOT)}:{number}: {method}(\"…\"): {line}")
    assert not found, (
        "options read by a literal name; declare an OptionKey (tunepipe/option_key.hpp) next to the plugin's "
        "schema and read it with key.read(options):\n" + "\n".join(found))


def test_the_check_sees_a_literal_read():
    sample = ('limit_(options.get_int("limt")),\n  if (options_.has("seed")) x = 1;\n  auto t = table.get("value");\n'
              '  where = o.location("init");\n  auto arch = metadata.get_string("general.architecture");')
    assert [method for _, method, _ in literal_reads(sample)] == ["get_int", "has", "location"]

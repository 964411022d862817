"""tunepipe's Jinja engine renders exactly as transformers' chat-template
environment (jinja2 with trim_blocks, lstrip_blocks, loop controls, the
immutable sandbox and HF's tojson): on every real template in shared/assets
over the conversation corpus, and on a suite of snippets, one per feature."""
from __future__ import annotations

from pathlib import Path

import pytest

import chat_corpus
from jinja_reference import agree, difference, hf_render, our_render, real_templates

pytest.importorskip("jinja2")
pytest.importorskip("transformers")


def test_the_assets_hold_real_templates() -> None:
    names = [name for name, _ in real_templates()]
    assert len(names) >= 15, names


@pytest.mark.parametrize("token_set", ["llama", "chatml"])
def test_real_templates_equal_jinja2(tmp_path: Path, token_set: str) -> None:
    tokens = chat_corpus.SPECIAL_TOKENS if token_set == "llama" else {
        "bos_token": "", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}
    cases = chat_corpus.cases()
    failures, compared, rendered = [], 0, 0
    for name, source in real_templates():
        template_file = tmp_path / (name.replace("/", "_") + ".jinja")
        template_file.write_text(source, "utf-8")
        variable_sets = [{**tokens, **variables} for _, variables in cases]
        ours = our_render(template_file, variable_sets)
        for (case_id, _), variables, got in zip(cases, variable_sets, ours):
            expected = hf_render(source, variables)
            compared += 1
            rendered += "text" in expected
            if not agree(expected, got):
                failures.append(f"{name} [{case_id}]: {difference(expected, got)}")
    assert not failures, f"{len(failures)} of {compared} differ:\n" + "\n".join(failures[:10])
    assert rendered > compared * 0.75  # most cases render rather than raise


# One snippet per feature: (template, variables). Both renderers must give the
# same text, or both refuse.
SNIPPETS = [
    # whitespace control with trim_blocks + lstrip_blocks
    ("a\n  {% if x %}\n    b\n  {% endif %}\nc\n", {"x": True}),
    ("a  {%- if x -%}  b  {%- endif -%}  c", {"x": True}),
    ("{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}\n", {}),
    ("  {# comment #}\nx {#- c -#} y\n\n", {}),
    ("{%+ if true %}  kept{% endif %}\n  {%+ if true %}x{% endif %}", {}),
    ("line\r\nwindows\rold mac\n", {}),
    ("{{ 'x' }}\n{{- 'y' -}}\n  z", {}),
    ("{% raw %}{{ not rendered }}{% endraw %}", {}),
    # expressions
    ("{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 1.5 + 1 }}", {}),
    ("{{ 'a' ~ 1 ~ none ~ true }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ (1, 2) }} {{ (1,) }}", {}),
    ("{{ 1 if x else 2 }} {{ 'y' if x }}|{{ x and 'a' or 'b' }} {{ not x }}", {"x": False}),
    ("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'b' in 'abc' }} {{ 2 not in [1, 3] }} {{ 'k' in {'k': 1} }}", {}),
    ("{{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ none is none }} {{ 'a' < 'b' }}", {}),
    ("{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 100.0 }} {{ 1/3 }} {{ 2.5e16 }} {{ -0.0 }}", {}),
    ("{{ [1, 'a', none, true, 1.5, {'k': [2]}] }} {{ {'q': \"it's\"} }} {{ ['a\\nb', '\"'] }}", {}),
    ("{{ s[1] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s[:2] }} {{ l[1:] }} {{ l[-2:] }} {{ l[::2] }}",
     {"s": "héllo", "l": [1, 2, 3, 4]}),
    ("{{ d.a }} {{ d['b'] }} {{ d.missing }}|{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }}",
     {"d": {"a": 1, "b": 2}}),
    ("{{ 'a' 'b' }} {{ \"\\u00e9\\t\\x41\\\\\" }}", {}),
    # tests
    ("{{ x is defined }} {{ y is undefined }} {{ x is string }} {{ x is not number }} {{ 3 is odd }} "
     "{{ 4 is even }} {{ 9 is divisibleby 3 }} {{ x is equalto 'v' }} {{ [1] is iterable }} {{ {} is mapping }} "
     "{{ none is none }} {{ 1 is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ 'A' is upper }}",
     {"x": "v"}),
    ("{{ f is callable }} {{ 2 is gt 1 }} {{ 2 is le 1 }} {{ 'a' is in ['a'] }} {{ x is sameas none }}",
     {"f": None, "x": None}),
    # filters
    ("{{ '  x  ' | trim }}|{{ 'xxaxx' | trim('x') }}|{{ 'AbC' | lower }}{{ 'a b' | upper }}{{ 'hello world' | title }}"
     "{{ 'hELLO' | capitalize }}", {}),
    ("{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} "
     "{{ items | sort(attribute='n') | map(attribute='n') | list }}", {"items": [{"n": 2}, {"n": 1}]}),
    ("{{ [1, 2, 3] | join(', ') }} {{ items | join('/', attribute='n') }} {{ 'abc' | list }} {{ {'a': 1} | list }}",
     {"items": [{"n": 2}, {"n": 1}]}),
    ("{{ [1, 2] | length }} {{ 'héllo' | count }} {{ {'a': 1} | length }} {{ x | length }}", {}),
    ("{{ [1, 2] | first }} {{ [1, 2] | last }} {{ [] | first }}|{{ 'abc' | first }}", {}),
    ("{{ x | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | d('n') }}", {}),
    ("{{ {'b': 1, 'a': 2} | dictsort }} {{ {'b': 1, 'a': 2} | items | list }} "
     "{% for k, v in {'x': 1, 'y': 2} | items %}{{ k }}={{ v }};{% endfor %}", {}),
    ("{{ ['a', 'A', 'b'] | unique | list }} {{ [1, 2, 2] | unique | list }} {{ [3, 1] | max }} {{ [3, 1] | min }} "
     "{{ [1, 2.5] | sum }}", {}),
    ("{{ ['x', 'y'] | map('upper') | join }} {{ items | selectattr('on') | map(attribute='n') | list }} "
     "{{ items | rejectattr('on') | list }} {{ [0, 1, 2] | select | list }} {{ [0, 1, 2] | reject('odd') | list }} "
     "{{ items | selectattr('n', 'equalto', 2) | list }}",
     {"items": [{"n": 2, "on": True}, {"n": 1, "on": False}]}),
    ("{{ none | selectattr('type', 'equalto', 'x') | list }} {{ none | map(attribute='a') | list }}", {}),
    ("{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, first=true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}|"
     "{{ 'x' | indent('--', true) }}", {}),
    ("{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ '<&>' | e }} {{ 'x' | safe }} "
     "{{ '3' | int + 1 }} {{ 'x' | int }} {{ '2.5' | float }} {{ 2.7 | int }} {{ -3 | abs }} {{ 2.5 | round }} "
     "{{ 3.14159 | round(2) }} {{ 1 | string ~ 2 }}", {}),
    ("{{ d | tojson }} {{ d | tojson(indent=2) }} {{ d | tojson(sort_keys=true) }} {{ 'é\"<' | tojson }} "
     "{{ [1.0, 1e-7, none, true] | tojson }} {{ d | tojson(separators=(',', ':')) }}",
     {"d": {"z": [1, {"y": "ü"}], "a": None, "e": {}}}),
    ("{{ '%s and %d' | format('x', 3) }} {{ '%s!' % 'hi' }} {{ '%s-%s' % ('a', 'b') }}", {}),
    ("{{ 'Use ' | safe + '<x>' + ' now' | safe }} {{ ('<b>' | e) + '&' }}", {}),
    ("{{ [1, 2] | reverse | list }} {{ 'abc' | reverse }} {{ range(3) | list }} {{ range(1, 7, 2) | list }}", {}),
    # string and dict methods
    ("{{ ' a b '.strip() }}|{{ 'xxa'.lstrip('x') }}|{{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split() }} "
     "{{ 'a.b.c'.rsplit('.', 1) }} {{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} "
     "{{ 'aXa'.replace('a', 'b') }} {{ 'hello'.find('l') }} {{ 'a\\nb'.splitlines() }} {{ '-'.join(['a', 'b']) }} "
     "{{ 'aab'.count('a') }} {{ 'Ab'.upper() }}{{ 'Ab'.lower() }} {{ '12'.isdigit() }} {{ '{} {x}'.format(1, x=2) }}",
     {}),
    ("{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %} {{ d.keys() | list }} {{ d.values() | list }}",
     {"d": {"b": 1, "a": 2}}),
    # statements
    ("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{{ x }}{% endfor %}{{ x }}", {}),
    ("{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", {}),
    ("{% set a, b = [1, 2] %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}", {}),
    ("{% set block %}  inner {{ 1 }}  {% endset %}[{{ block }}]{% set up | upper %}x{% endset %}{{ up }}", {}),
    ("{% filter upper %}abc{{ 'd' }}{% endfilter %}{% filter trim | upper %}  x  {% endfilter %}", {}),
    ("{% for i in [1, 2, 3] if i != 2 %}{{ loop.index }}/{{ loop.length }}{{ loop.first }}{{ loop.last }} "
     "{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}", {}),
    ("{% for i in [] %}x{% else %}empty{% endfor %}{% for i in x %}{{ i }}{% else %}none{% endfor %}", {}),
    ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}{% endif %}"
     "{{ i }}{% endfor %}", {}),
    ("{% for i in [1, 2, 3] %}{{ i }}{% for j in [] %}{% else %}{% if i == 2 %}{% break %}{% endif %}{% endfor %}"
     "{% endfor %}", {}),
    ("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %} {% for c in 'ab' %}{{ c }}{{ loop.cycle('x', 'y') }}"
     "{% endfor %}", {}),
    ("{% macro m(a, b='B', c=none) %}[{{ a }}{{ b }}{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(1, c=3) }}"
     "{{ m('x', b=m('y')) }}", {}),
    ("{% macro rec(n) %}{% if n > 0 %}{{ n }}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(3) }}", {}),
    ("{% set g = 'global' %}{% macro show() %}{{ g }}{% endmacro %}{{ show() }}{% set g = 'later' %}{{ show() }}", {}),
    ("{% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, k=3) }}", {}),
    ("{% if a %}A{% elif b %}B{% else %}C{% endif %}{% if not a and not b %}!{% endif %}", {"a": False, "b": True}),
    ("{{ messages[0]['content'] }}{{ messages[-1].content | trim }}",
     {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": " yo "}]}),
    ("{% generation %}trained {{ x }}{% endgeneration %} not", {"x": 1}),
    ("{{ strftime_now('%Y') | length }}", {}),
    ("{{ dict(a=1, b=2) }} {{ namespace(a=1).a }}", {}),
    # refused the same way
    ("{{ raise_exception('Roles must alternate') }}", {}),
    ("{{ x.y }}", {}),
    ("{{ x + 1 }}", {}),
    ("{{ [1] | tojson }}{{ x | tojson }}", {}),
    ("{{ none | unique | list }}", {}),
    ("{{ [1, 2] | map('upper') | tojson }}", {}),
    ("{% set l = [1] %}{{ l.append(2) }}", {}),
    ("{{ 1 / 0 }}", {}),
    ("{{ 'a' < 1 }}", {}),
    ("{{ (items | map(attribute='n')) | length }}", {"items": []}),
    ("{{ " + "(" * 300 + "1" + ")" * 300 + " }}", {}),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", {}),
    # floats past the double range are ±inf or 0 as in Python; converting inf to int is refused
    ("{{ 1e999 }} {{ -1e999 }} {{ 3e-550 }} {{ 2e-320 }} {{ '1e999' | float }} {{ 'x' | float }}", {}),
    ("{{ 1e999 | int }}", {}),
    ("{{ '1e999' | int }}", {}),
    ("{{ '%d' % 1e999 }}", {}),
    ("{{ items | map(attribute='99999999999999999999') | list | length }}", {"items": [[1], [2]]}),
]


def test_snippets_equal_jinja2(tmp_path: Path) -> None:
    failures = []
    for index, (source, variables) in enumerate(SNIPPETS):
        template_file = tmp_path / f"snippet-{index}.jinja"
        template_file.write_text(source, "utf-8")
        expected = hf_render(source, variables)
        got = our_render(template_file, [variables])[0]
        if not agree(expected, got):
            failures.append(f"snippet {index} {source!r}: {difference(expected, got)}")
    assert not failures, "\n".join(failures)


def test_generation_blocks_give_the_spans_of_their_text(tmp_path: Path) -> None:
    source = "{% for m in messages %}<{{ m }}>{% generation %}{{ m | upper }}.{% endgeneration %}{% endfor %}"
    template_file = tmp_path / "generation.jinja"
    template_file.write_text(source, "utf-8")
    got = our_render(template_file, [{"messages": ["ab", "c"]}])[0]
    assert got["text"] == "<ab>AB.<c>C."
    assert [got["text"][b:e] for b, e in got["generation"]] == ["AB.", "C."]


@pytest.mark.parametrize("source, message", [
    ("line one\n{% include 'other.jinja' %}", "2:4: error: the 'include' tag is not supported"),
    ("{% if x %}\nno end", "error: the template ended inside a block: expected '{% elif %}'"),
    ("{{ x | nosuchfilter }}", "1:8: error: no filter named 'nosuchfilter'"),
    ("{{ x is nosuchtest }}", "1:9: error: no test named 'nosuchtest'"),
    ("{% for x in y %}{% endif %}", "1:20: error: unexpected 'endif'"),
    ("{{ 'unterminated }}", "1:4: error: unterminated string literal"),
    ("{% break %}", "1:4: error: 'break' outside of a for loop"),
])
def test_unsupported_or_broken_templates_name_line_and_column(tmp_path: Path, source: str, message: str) -> None:
    template_file = tmp_path / "bad.jinja"
    template_file.write_text(source, "utf-8")
    got = our_render(template_file, [{}])[0]
    assert "error" in got and message in got["error"] and str(template_file) in got["error"], got


@pytest.mark.parametrize("expression", ["4611686018427387904 * 2", "-9223372036854775807 - 2", "3 ** 4611686018427387904",
                                        "(-9223372036854775807 - 1) // -1", "[9223372036854775807, 1] | sum",
                                        "-(-9223372036854775807 - 1)", "(-9223372036854775807 - 1) | abs"])
def test_integers_past_64_bits_are_an_error_not_a_wrong_number(tmp_path: Path, expression: str) -> None:
    """jinja2's integers are Python's, unbounded; ours are 64-bit and say so rather than wrap around."""
    template_file = tmp_path / "overflow.jinja"
    template_file.write_text("{{ " + expression + " }}", "utf-8")
    got = our_render(template_file, [{}])[0]
    assert "integer overflow" in got.get("error", ""), got


def test_integer_arithmetic_up_to_64_bits_equals_jinja2(tmp_path: Path) -> None:
    source = ("{{ 4611686018427387903 * 2 }} {{ -9223372036854775807 - 1 }} {{ 3 ** 39 }} {{ 1 ** 9223372036854775807 }}"
              " {{ (-1) ** 9223372036854775807 }} {{ 0 ** 9223372036854775807 }} {{ 7 // -2 }} {{ -7 % 3 }}"
              " {{ [9223372036854775806, 1] | sum }} {{ -9223372036854775807 | abs }}")
    template_file = tmp_path / "big.jinja"
    template_file.write_text(source, "utf-8")
    expected = hf_render(source, {})
    got = our_render(template_file, [{}])[0]
    assert agree(expected, got), difference(expected, got)


def test_runtime_errors_name_the_expression(tmp_path: Path) -> None:
    template_file = tmp_path / "raise.jinja"
    template_file.write_text("ok\n  {{ raise_exception('Conversation roles must alternate') }}", "utf-8")
    got = our_render(template_file, [{}])[0]
    assert got["error"].startswith(f"{template_file}:2:")
    assert "Conversation roles must alternate" in got["error"]

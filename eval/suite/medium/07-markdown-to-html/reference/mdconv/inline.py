"""Inline Markdown: escaping, code spans, bold, italic, links."""
import html
import re

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"\*(.+?)\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _format(text):
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def render_inline(text):
    escaped = html.escape(text, quote=False)
    parts = []
    position = 0
    for match in _CODE.finditer(escaped):
        parts.append(_format(escaped[position : match.start()]))
        parts.append(f"<code>{match.group(1)}</code>")
        position = match.end()
    parts.append(_format(escaped[position:]))
    return "".join(parts)


def test_inline():
    assert render_inline("**b** *i* `*c*` a<b") == "<strong>b</strong> <em>i</em> <code>*c*</code> a&lt;b"
    assert render_inline("[x](http://y)") == '<a href="http://y">x</a>'

"""Block-level Markdown: headings, lists and paragraphs."""
import re

from mdconv.inline import render_inline

_HEADING = re.compile(r"^(#{1,6}) (.+)$")
_BULLET = re.compile(r"^[-*] (.*)$")
_NUMBERED = re.compile(r"^\d+\. (.*)$")


def markdown_to_html(text):
    blocks = []
    paragraph = []
    list_kind = None
    list_items = []

    def flush_paragraph():
        if paragraph:
            blocks.append("<p>" + render_inline(" ".join(paragraph)) + "</p>")
            paragraph.clear()

    def flush_list():
        nonlocal list_kind
        if list_kind:
            lines = [f"<{list_kind}>"] + [f"<li>{render_inline(item)}</li>" for item in list_items] + [f"</{list_kind}>"]
            blocks.append("\n".join(lines))
            list_items.clear()
            list_kind = None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush_paragraph()
            flush_list()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        if heading:
            flush_paragraph()
            flush_list()
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{render_inline(heading.group(2).strip())}</h{level}>")
        elif bullet or numbered:
            flush_paragraph()
            kind = "ul" if bullet else "ol"
            if list_kind != kind:
                flush_list()
                list_kind = kind
            list_items.append((bullet or numbered).group(1).strip())
        else:
            flush_list()
            paragraph.append(line)
    flush_paragraph()
    flush_list()
    return "\n".join(blocks)


def test_document():
    source = "# T\n\nsome *text*\nhere\n\n- a\n- b\n1. c"
    assert markdown_to_html(source) == (
        "<h1>T</h1>\n<p>some <em>text</em> here</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>"
    )
    assert markdown_to_html("") == ""

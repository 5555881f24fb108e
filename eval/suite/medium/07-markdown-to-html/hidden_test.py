import pytest

from mdconv.blocks import markdown_to_html
from mdconv.inline import render_inline


@pytest.mark.parametrize(
    "source,expected",
    [
        ("plain text", "plain text"),
        ("**bold** and *it*", "<strong>bold</strong> and <em>it</em>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("use `x*y*z` here", "use <code>x*y*z</code> here"),
        ("`<b>`", "<code>&lt;b&gt;</code>"),
        ("see [docs](https://example.com/a?b=1)", 'see <a href="https://example.com/a?b=1">docs</a>'),
        ("**[bold link](http://x.io)**", '<strong><a href="http://x.io">bold link</a></strong>'),
    ],
)
def test_render_inline(source, expected):
    assert render_inline(source) == expected


def test_example_document():
    source = "# Shopping\n\nBuy *fresh*\nfood.\n\n- milk\n- eggs\n"
    assert markdown_to_html(source) == (
        "<h1>Shopping</h1>\n<p>Buy <em>fresh</em> food.</p>\n<ul>\n<li>milk</li>\n<li>eggs</li>\n</ul>"
    )


def test_heading_levels():
    assert markdown_to_html("## Two") == "<h2>Two</h2>"
    assert markdown_to_html("###### Six") == "<h6>Six</h6>"
    assert markdown_to_html("####### Seven") == "<p>####### Seven</p>"
    assert markdown_to_html("#NoSpace") == "<p>#NoSpace</p>"


def test_ordered_list_and_star_bullets():
    assert markdown_to_html("1. one\n2. **two**") == "<ol>\n<li>one</li>\n<li><strong>two</strong></li>\n</ol>"
    assert markdown_to_html("* a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"


def test_paragraphs_separated_by_blank_lines():
    assert markdown_to_html("first\n\n\nsecond\nline") == "<p>first</p>\n<p>second line</p>"


def test_heading_and_list_interrupt_paragraph():
    source = "intro text\n# Head\nmore\n- item"
    assert markdown_to_html(source) == "<p>intro text</p>\n<h1>Head</h1>\n<p>more</p>\n<ul>\n<li>item</li>\n</ul>"


def test_list_types_switch():
    assert markdown_to_html("- a\n1. b") == "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>"


def test_escaping_in_blocks_and_empty():
    assert markdown_to_html("# a<b") == "<h1>a&lt;b</h1>"
    assert markdown_to_html("") == ""
    assert markdown_to_html("\n\n") == ""

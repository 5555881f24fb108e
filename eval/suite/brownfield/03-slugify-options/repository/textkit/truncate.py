"""Shortening text for previews."""


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """At most `width` characters; a cut text ends with `ellipsis`."""
    if width < len(ellipsis):
        raise ValueError("width must leave room for the ellipsis")
    if len(text) <= width:
        return text
    return text[: width - len(ellipsis)] + ellipsis

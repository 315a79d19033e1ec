"""Backport of Sphinx PR #13402 (fixed in Sphinx 8.2) to the Sphinx 7.x that Jupyter Book 1 pins.

An extension that adds an inline script (`app.add_js_file(None, body=...)`) after the HTML
builder has started gets it written twice into every page: once as filename None, once as
filename ''. sphinx-thebe's `const THEBE_JS_URL = ...` then throws "Identifier
'THEBE_JS_URL' has already been declared" in every browser. Normalising None to '' before
the builder sees it makes the two entries equal, so the builder keeps one.
"""


def _normalise_inline_scripts(app):
    builder_add_js_file = getattr(app.builder, "add_js_file", None)
    if builder_add_js_file is None:  # not an HTML builder
        return

    def add_js_file(filename, **kwargs):
        return builder_add_js_file("" if filename is None else filename, **kwargs)

    app.builder.add_js_file = add_js_file


def setup(app):
    # Before every other builder-inited handler (sphinx-togglebutton adds one there).
    app.connect("builder-inited", _normalise_inline_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

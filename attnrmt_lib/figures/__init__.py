"""Figures of the book, one module per chapter.

Figure code lives here and nowhere else: these modules import the computation
(``attnrmt_lib.bulk``, ``attnrmt_lib.spikes``, ...) and matplotlib; the computation never
imports them. Every public figure function returns a :class:`matplotlib.figure.Figure`
that is not registered with pyplot (a notebook cell ending in the call shows it once, and
an explorer can redraw it without leaking figures), takes ``ax``/``axes`` to draw into
existing axes, and goes through :func:`attnrmt_lib.figures._style.readable`.
"""

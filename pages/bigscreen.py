"""大屏: the command centre's wall — one unit on a dark 1920×1080 canvas, refreshing and rotating by itself.

`/bigscreen?unit=…&embed=true&scale=fit|fill&refresh=60&rotate=children|themes&every=20&reload_hours=N`
(docs/bigscreen.md). The frame runs without its header and breadcrumb; the screen draws its own.
"""

from cockpit import ui
from cockpit.ui import bigscreen

with ui.page_frame(with_unit=False) as view:
    bigscreen.render_screen(view)

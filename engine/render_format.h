/*
 * render_format: the output formats every renderer takes (render.h,
 * render_probe.h, render_report.h). The type alone, in a header of its own,
 * so that the renderers of parts (render_probe) need not include render.h,
 * whose render.c calls them (docs/architecture.md, "Layers"). Parsing and
 * naming a format: render_format_parse(), render_format_name() (render.h).
 */
#ifndef KBDIAG_RENDER_FORMAT_H
#define KBDIAG_RENDER_FORMAT_H

enum render_format {
	RENDER_TEXT,
	RENDER_MARKDOWN,
	RENDER_HTML,
	RENDER_JSON
};

#endif

/*
 * render_sink: a report handed on part by part (render_sink.h).
 */
#include "render_sink.h"

void
render_sink_part(struct buf *out, struct render_sink *sink)
{
	if (sink == NULL || out->len < RENDER_PART)
		return;
	if (!sink->failed && sink->write(sink->arg, out->data, out->len) != 0)
		sink->failed = 1;
	buf_reset(out);
}

int
render_sink_end(struct buf *out, struct render_sink *sink, int rc)
{
	if (rc == 0 && !sink->failed && out->len > 0 &&
	    sink->write(sink->arg, out->data, out->len) != 0)
		sink->failed = 1;
	buf_free(out);
	if (rc != 0)
		return -1;
	return sink->failed ? 1 : 0;
}

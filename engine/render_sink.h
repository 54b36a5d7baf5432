/*
 * render_sink: where a report goes when it is written part by part as it is
 * rendered (diagnose, report, fix, verify, query, the library's
 * kbdiag_result_write()), so that a report of thousands of incidents is
 * never held whole.
 *
 * A renderer appends to its own struct buf and, between units that can be
 * cut (an incident, a verdict, an edit, a result), calls
 * render_sink_part(): once the buffer holds RENDER_PART bytes it is handed
 * to write() and emptied. render_sink_end() hands on the rest. With a NULL
 * sink both do nothing and the buffer ends up holding the whole report,
 * which is how the whole-document functions (render_diagnosis() and the
 * others) are the same code.
 *
 * write(arg, p, n) returns 0, or nonzero when the output failed (it keeps
 * its own error): after that nothing more is handed to it, and the rest
 * is rendered (a renderer cannot stop midway) but thrown away.
 */
#ifndef KBDIAG_RENDER_SINK_H
#define KBDIAG_RENDER_SINK_H

#include <stddef.h>

#include "util/buf.h"

/* The output of a streamed report: 0, or nonzero when it failed. */
typedef int (*render_write_fn)(void *arg, const char *p, size_t n);

struct render_sink {
	render_write_fn	 write;
	void		*arg;
	int		 failed;	/* write() failed once: nothing more is written */
};

/* The size of a part handed to write(), give or take one unit. */
#define RENDER_PART	(256 * 1024)

/* Between two units: out handed on and emptied once it holds RENDER_PART. */
void render_sink_part(struct buf *out, struct render_sink *sink);

/*
 * The end of a streamed report: rc is what rendering returned (0, or -1
 * with its err); unless it failed, the rest of out is handed on. out is
 * freed. 0; -1 when the report could not be produced (parts may have been
 * written); 1 when write() failed.
 */
int render_sink_end(struct buf *out, struct render_sink *sink, int rc);

#endif

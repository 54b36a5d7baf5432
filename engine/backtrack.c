#define PCRE2_CODE_UNIT_WIDTH 8

#include "backtrack.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcre2.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/xmem.h"

/* ---------------------------------------------------------------------- */
/* The shape of the text                                                    */

/* A set of bytes (what an atom can begin with), case folded. */
struct bt_set {
	uint64_t	w[4];
};

static void
bt_add(struct bt_set *s, unsigned c)
{
	c = (unsigned)tolower((int)c) & 0xff;
	s->w[c >> 6] |= 1ULL << (c & 63);
}

static void
bt_all(struct bt_set *s)
{
	memset(s->w, 0xff, sizeof(s->w));
}

static void
bt_union(struct bt_set *d, const struct bt_set *s)
{
	int i;

	for (i = 0; i < 4; i++)
		d->w[i] |= s->w[i];
}

static int
bt_meets(const struct bt_set *a, const struct bt_set *b)
{
	int i;

	for (i = 0; i < 4; i++)
		if (a->w[i] & b->w[i])
			return 1;
	return 0;
}

/* The bytes of a class escape (\d, \w, \s, ...), or of a literal escape. */
static void
bt_escape_set(char e, struct bt_set *s)
{
	unsigned c;
	struct bt_set t = { { 0, 0, 0, 0 } };

	switch (e) {
	case 'd': case 'D':
		for (c = '0'; c <= '9'; c++)
			bt_add(&t, c);
		break;
	case 'w': case 'W':
		for (c = 0; c < 256; c++)
			if (isalnum((int)c) || c == '_')
				bt_add(&t, c);
		break;
	case 's': case 'S': case 'h': case 'H': case 'v': case 'V':
		bt_add(&t, ' ');
		for (c = '\t'; c <= '\r'; c++)
			bt_add(&t, c);
		break;
	case 'n': bt_add(&t, '\n'); break;
	case 'r': bt_add(&t, '\r'); break;
	case 't': bt_add(&t, '\t'); break;
	default:
		if (isalnum((unsigned char)e)) {	/* \x.., \p.., back-references: anything */
			bt_all(s);
			return;
		}
		bt_add(&t, (unsigned char)e);
		bt_union(s, &t);
		return;
	}
	if (isupper((unsigned char)e)) {		/* the complement */
		int i;

		for (i = 0; i < 4; i++)
			t.w[i] = ~t.w[i];
	}
	bt_union(s, &t);
}

/* A class [...] at p: its bytes into s; returns the byte after it, or NULL. */
static const char *
bt_class(const char *p, struct bt_set *s)
{
	struct bt_set t = { { 0, 0, 0, 0 } };
	int neg = 0, first = 1, i;
	unsigned prev = 256;

	p++;
	if (*p == '^') {
		neg = 1;
		p++;
	}
	for (; *p && (*p != ']' || first); first = 0) {
		unsigned c;

		if (p[0] == '[' && p[1] == ':') {	/* [:alpha:] and friends: be generous */
			const char *e = strstr(p + 2, ":]");

			if (e == NULL)
				return NULL;
			bt_all(&t);
			p = e + 2;
			prev = 256;
			continue;
		}
		if (*p == '\\') {
			if (p[1] == '\0')
				return NULL;
			if (strchr("dDwWsShHvV", p[1]) || isalnum((unsigned char)p[1])) {
				bt_escape_set(p[1], &t);
				p += 2;
				prev = 256;
				continue;
			}
			c = (unsigned char)p[1];
			p += 2;
		} else
			c = (unsigned char)*p++;
		if (*p == '-' && p[1] && p[1] != ']' && prev == 256) {
			unsigned hi = (unsigned char)p[1], x;

			if (p[1] == '\\') {
				if (p[2] == '\0')
					return NULL;	/* "[a-\" ends there */
				hi = (unsigned char)p[2];
			}
			for (x = c; x <= hi && x < 256; x++)
				bt_add(&t, x);
			p += p[1] == '\\' ? 3 : 2;
			continue;
		}
		bt_add(&t, c);
		prev = 256;
	}
	if (*p != ']')
		return NULL;
	if (neg)
		for (i = 0; i < 4; i++)
			t.w[i] = ~t.w[i];
	bt_union(s, &t);
	return p + 1;
}

#define BT_MAX_BRANCHES	32
#define BT_MAX_DEPTH	64

/* One group being read. */
struct bt_group {
	size_t		offset;		/* of its '(' */
	int		atomic;		/* (?> or a lookaround: gives nothing back */
	int		unbounded;	/* holds a quantifier without bound that can
					   give back (not possessive, not atomic) */
	size_t		unbounded_at;	/* where that quantifier is */
	int		nbranches;
	struct bt_set	first[BT_MAX_BRANCHES];	/* what each branch can begin with */
	int		open;		/* the current branch still takes first bytes */
};

/*
 * The quantifier at p: its length (0 for none), whether it has no upper
 * bound, whether its minimum is 0, and whether it is possessive.
 */
static size_t
bt_quantifier(const char *p, int *unbounded, int *optional, int *possessive)
{
	const char *q = p;

	*unbounded = *optional = *possessive = 0;
	if (*q == '*' || *q == '+' || *q == '?') {
		*unbounded = *q != '?';
		*optional = *q != '+';
		q++;
	} else if (*q == '{' && isdigit((unsigned char)q[1])) {
		long min = 0;

		for (q++; isdigit((unsigned char)*q); q++)
			min = min < 100000 ? min * 10 + (*q - '0') : min;
		*optional = min == 0;
		if (*q == ',') {
			q++;
			*unbounded = !isdigit((unsigned char)*q);
			while (isdigit((unsigned char)*q))
				q++;
		}
		if (*q != '}')
			return 0;	/* a literal '{' */
		q++;
	} else
		return 0;
	if (*q == '+') {
		*possessive = 1;
		q++;
	} else if (*q == '?')
		q++;
	return (size_t)(q - p);
}

/* An atom was read: its first bytes join the current branch while open. */
static void
bt_atom(struct bt_group *g, const struct bt_set *first, int optional)
{
	if (g->open && g->nbranches > 0) {
		bt_union(&g->first[g->nbranches - 1], first);
		if (!optional)
			g->open = 0;
	}
}

int
backtrack_shape(const char *pattern, char why[ERR_LEN])
{
	struct bt_group *stack = xcalloc(BT_MAX_DEPTH, sizeof(*stack));
	const char *p = pattern;
	int depth = 0, found = 0;

	stack[0].nbranches = 1;
	stack[0].open = 1;
	while (*p && !found) {
		struct bt_set first = { { 0, 0, 0, 0 } };
		int unb, opt, pos, zero_width = 0, i, j;
		struct bt_group *g = &stack[depth], *inner = NULL;
		struct bt_group closed;
		size_t ql;

		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			if (p[1] == 'Q') {		/* \Q...\E: literal bytes */
				const char *e = strstr(p + 2, "\\E");

				if (p[2] != '\0' && p[2] != '\\')
					bt_add(&first, (unsigned char)p[2]);
				else
					bt_all(&first);
				p = e ? e + 2 : p + strlen(p);
				bt_atom(g, &first, 0);
				continue;
			}
			zero_width = strchr("bBAzZGK", p[1]) != NULL;
			if (!zero_width)
				bt_escape_set(p[1], &first);
			p += 2;
			if (strchr("xopPgkcN", p[-1]) && *p == '{') {	/* \x{..}, \p{..} */
				while (*p && *p != '}')
					p++;
				if (*p)
					p++;
			}
		} else if (*p == '[') {
			if ((p = bt_class(p, &first)) == NULL)
				break;
		} else if (*p == '(') {
			const char *f = p + 1;

			if (*f == '*') {		/* (*VERB): no bytes */
				while (*p && *p != ')')
					p++;
				if (*p)
					p++;
				continue;
			}
			if (f[0] == '?' && f[1] == '#') {	/* a comment */
				while (*p && *p != ')')
					p++;
				if (*p)
					p++;
				continue;
			}
			if (depth + 1 >= BT_MAX_DEPTH)
				break;
			inner = &stack[++depth];
			memset(inner, 0, sizeof(*inner));
			inner->offset = (size_t)(p - pattern);
			inner->nbranches = 1;
			inner->open = 1;
			if (f[0] == '?') {
				f++;
				if (*f == '>' || *f == '=' || *f == '!' ||
				    (*f == '<' && (f[1] == '=' || f[1] == '!')))
					inner->atomic = 1;
				if (*f == '<' && (f[1] == '=' || f[1] == '!'))
					f++;
				if (*f == ':' || *f == '>' || *f == '=' || *f == '!' || *f == '|')
					f++;
				else if (*f == '<' || *f == '\'' || (*f == 'P' && f[1] == '<')) {
					while (*f && *f != '>' && *f != '\'')
						f++;
					if (*f)
						f++;
				} else {
					/* (?i) and (?i:, or a recursion (?R), (?1): read on */
					while (*f && (isalpha((unsigned char)*f) || *f == '-' ||
					    isdigit((unsigned char)*f) || *f == '+'))
						f++;
					if (*f == ')') {	/* an option setting, no group */
						depth--;
						p = f + 1;
						continue;
					}
					if (*f == ':')
						f++;
				}
			}
			p = f;
			continue;
		} else if (*p == ')') {
			if (depth == 0)
				break;
			closed = stack[depth--];
			g = &stack[depth];
			p++;
			ql = bt_quantifier(p, &unb, &opt, &pos);
			p += ql;
			for (i = 0; i < closed.nbranches; i++)
				bt_union(&first, &closed.first[i]);
			zero_width = closed.atomic && closed.nbranches > 0 &&
			    pattern[closed.offset + 2] != '>';
			if (unb && !pos && !closed.atomic) {
				if (closed.unbounded) {
					snprintf(why, ERR_LEN, "nested quantifiers: the group at "
					    "offset %zu repeats without bound and the quantifier at "
					    "offset %zu inside it does too, so a line that almost "
					    "matches is tried in exponentially many ways; make the "
					    "inner one possessive (++, *+) or the group atomic (?>...)",
					    closed.offset, closed.unbounded_at);
					found = 1;
					break;
				}
				for (i = 0; i < closed.nbranches && !found; i++)
					for (j = i + 1; j < closed.nbranches && !found; j++)
						if (bt_meets(&closed.first[i], &closed.first[j])) {
							snprintf(why, ERR_LEN, "overlapping alternatives: "
							    "the group at offset %zu repeats without bound "
							    "and its alternatives %d and %d can begin with "
							    "the same byte, so a line that almost matches "
							    "is tried in exponentially many ways; make the "
							    "group atomic (?>...) or the alternatives "
							    "begin differently", closed.offset, i + 1, j + 1);
							found = 1;
						}
				if (found)
					break;
			}
			/* what can give back inside makes the enclosing group's repeat
			 * risky: an unbounded quantifier here or within */
			if (!g->unbounded && !closed.atomic && !pos && closed.unbounded) {
				g->unbounded = 1;
				g->unbounded_at = closed.unbounded_at;
			} else if (!g->unbounded && unb && !pos) {
				g->unbounded = 1;
				g->unbounded_at = (size_t)(p - ql - pattern);
			}
			if (!zero_width)
				bt_atom(g, &first, opt);
			continue;
		} else if (*p == '|') {
			if (g->nbranches < BT_MAX_BRANCHES) {
				g->nbranches++;
				g->open = 1;
			} else
				g->open = 0;
			p++;
			continue;
		} else if (*p == '^' || *p == '$') {
			p++;
			continue;
		} else if (*p == '.') {
			bt_all(&first);
			p++;
		} else
			bt_add(&first, (unsigned char)*p++);
		if (zero_width)
			continue;
		ql = bt_quantifier(p, &unb, &opt, &pos);
		if (unb && !pos && !g->unbounded) {
			g->unbounded = 1;
			g->unbounded_at = (size_t)(p - pattern);
		}
		p += ql;
		bt_atom(g, &first, opt);
	}
	free(stack);
	return found;
}

/* ---------------------------------------------------------------------- */
/* Measured                                                                 */

struct bt_run {
	pcre2_code		*code;
	pcre2_match_context	*mctx;
	pcre2_match_data	*md;
};

/* Did the run on s stay within limit steps? */
static int
bt_within(const struct bt_run *b, const char *s, size_t n, unsigned long limit)
{
	pcre2_set_match_limit(b->mctx, (uint32_t)limit);
	return pcre2_match(b->code, (PCRE2_SPTR)s, n, 0, 0, b->md, b->mctx) !=
	    PCRE2_ERROR_MATCHLIMIT;
}

/* The steps a run on s takes (the least match limit it stays within). */
static unsigned long
bt_steps(const struct bt_run *b, const char *s, size_t n)
{
	unsigned long lo = 1, hi = BACKTRACK_STEPS_CAP;

	if (!bt_within(b, s, n, hi))
		return hi;
	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (bt_within(b, s, n, mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int
bt_class_of(unsigned char c)
{
	return isalpha(c) ? 1 : isdigit(c) ? 2 : isspace(c) ? 3 : 4;
}

/* The pattern's literal bytes in order (outside classes, escapes of
 * classes and metacharacters): what PCRE2 requires before it tries hard. */
static void
bt_literals(const char *p, struct buf *out)
{
	struct bt_set ignore;

	while (*p && out->len < 64) {
		if (*p == '\\' && p[1]) {
			if (!isalnum((unsigned char)p[1]))
				buf_putc(out, p[1]);
			p += 2;
		} else if (*p == '[') {
			memset(&ignore, 0, sizeof(ignore));
			if ((p = bt_class(p, &ignore)) == NULL)
				return;
		} else if (*p == '(' && p[1] == '?') {
			p += 2;
			while (*p && strchr(":>=!<'P", *p) == NULL && isalpha((unsigned char)*p))
				p++;
		} else if (*p == '{' && isdigit((unsigned char)p[1])) {
			while (*p && *p != '}')
				p++;
			if (*p)
				p++;
		} else if (strchr(".^$|()*+?{}", *p))
			p++;
		else
			buf_putc(out, *p++);
	}
}

/* What a crafted line is made of: a base cut at `cut`, a byte repeated, a tail. */
enum bt_tail { BT_REST, BT_NOTHING, BT_STOP, BT_STOP_LITERALS, BT_TAILS };

struct bt_line {
	int		base;	/* 0 nothing, 1 the literals, 2.. example base - 1 */
	size_t		cut;
	char		c;
	enum bt_tail	tail;
};

static void
bt_craft(struct buf *b, const char *base, const struct bt_line *l, const char *literals,
    size_t pump)
{
	size_t i;

	buf_reset(b);
	buf_append(b, base, l->cut);
	for (i = 0; i < pump; i++)
		buf_putc(b, l->c);
	switch (l->tail) {
	case BT_REST:		buf_puts(b, base + l->cut); break;
	case BT_NOTHING:	break;
	case BT_STOP:		buf_putc(b, '\x01'); break;
	case BT_STOP_LITERALS:	buf_putc(b, '\x01'); buf_puts(b, literals); break;
	case BT_TAILS:		break;
	}
}

static void
bt_describe(char *d, size_t cap, const struct bt_line *l)
{
	static const char *const tails[] = { "the rest of the example", "nothing",
	    "\\x01", "\\x01 and the pattern's literal bytes" };
	char pump[16];

	if (isgraph((unsigned char)l->c))
		snprintf(pump, sizeof(pump), "'%c'", l->c);
	else
		snprintf(pump, sizeof(pump), "\\x%02X", (unsigned char)l->c);
	if (l->base == 0)
		snprintf(d, cap, "%s x %d, then %s", pump, BACKTRACK_PUMP, tails[l->tail]);
	else if (l->base == 1)
		snprintf(d, cap, "the pattern's literal bytes, then %s x %d, then %s", pump,
		    BACKTRACK_PUMP, tails[l->tail]);
	else
		snprintf(d, cap, "the first %zu bytes of example %d, then %s x %d, then %s",
		    l->cut, l->base - 1, pump, BACKTRACK_PUMP, tails[l->tail]);
}

int
backtrack_measure(const char *pattern, int caseless, const char *const *examples,
    size_t n, struct backtrack_report *r, char err[ERR_LEN])
{
	static const char base_pumps[] = "a0 A.-:_/@\t";
	struct bt_run b;
	struct buf line = BUF_INIT, pumps = BUF_INIT, lits = BUF_INIT;
	struct bt_line l, worst;
	PCRE2_SIZE off;
	size_t k;
	int ec, base;

	memset(r, 0, sizeof(*r));
	memset(&worst, 0, sizeof(worst));
	b.code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    (caseless ? PCRE2_CASELESS : 0) | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &ec, &off,
	    NULL);
	if (b.code == NULL)
		return err_set(err, "the pattern does not compile (offset %zu)", (size_t)off);
	b.mctx = pcre2_match_context_create(NULL);
	b.md = pcre2_match_data_create_from_pattern(b.code, NULL);
	if (b.mctx == NULL || b.md == NULL)
		xmem_oom(0);
	bt_literals(pattern, &lits);
	/* Repeated bytes for the bases that are not examples: a few of every
	 * class, and the pattern's own letters and digits, (x+)+ */
	buf_puts(&pumps, base_pumps);
	for (k = 0; pattern[k] && pumps.len < 40; k++)
		if (isalnum((unsigned char)pattern[k]) && (k == 0 || pattern[k - 1] != '\\') &&
		    memchr(pumps.data, pattern[k], pumps.len) == NULL)
			buf_putc(&pumps, pattern[k]);
	for (base = 0; (size_t)base <= n + 1 && !r->superlinear; base++) {
		const char *x = base == 0 ? "" : base == 1 ? buf_str(&lits) : examples[base - 2];
		size_t len = strlen(x), cut;

		if (base == 1 && len == 0)
			continue;
		for (cut = 0; cut <= len; cut++) {
			char cs[64];
			size_t nc = 0, ci;

			if (base < 2) {
				if (cut != len)
					continue;	/* after the literals */
				memcpy(cs, pumps.data, pumps.len);
				nc = pumps.len;
			} else {
				if (cut > 0 && cut < len && bt_class_of((unsigned char)x[cut - 1]) ==
				    bt_class_of((unsigned char)x[cut]))
					continue;	/* only where the class changes */
				if (cut > 0)
					cs[nc++] = x[cut - 1];
				if (cut < len && (nc == 0 || cs[0] != x[cut]))
					cs[nc++] = x[cut];
			}
			for (ci = 0; ci < nc; ci++)
				for (l.tail = BT_REST; l.tail < BT_TAILS; l.tail++) {
					unsigned long allow;

					if (base < 2 && l.tail == BT_REST)
						continue;	/* the same as nothing */
					l.base = base;
					l.cut = cut;
					l.c = cs[ci];
					bt_craft(&line, x, &l, buf_str(&lits), BACKTRACK_PUMP);
					allow = (unsigned long)line.len * BACKTRACK_STEPS_PER_BYTE;
					r->lines++;
					if (bt_within(&b, line.data, line.len, allow))
						continue;
					/* one line is enough to tell */
					r->superlinear = 1;
					worst = l;
					goto found;
				}
		}
	}
found:
	if (r->superlinear) {
		const char *x = worst.base == 0 ? "" : worst.base == 1 ? buf_str(&lits) :
		    examples[worst.base - 2];
		double t0;

		bt_describe(r->line, sizeof(r->line), &worst);
		bt_craft(&line, x, &worst, buf_str(&lits), BACKTRACK_PUMP);
		r->bytes = line.len;
		r->steps = bt_steps(&b, line.data, line.len);
		bt_craft(&line, x, &worst, buf_str(&lits), 4 * BACKTRACK_PUMP);
		r->bytes4 = line.len;
		r->steps4 = bt_steps(&b, line.data, line.len);
		pcre2_set_match_limit(b.mctx, (uint32_t)BACKTRACK_STEPS_CAP);
		t0 = clock_s();
		(void)pcre2_match(b.code, (PCRE2_SPTR)line.data, line.len, 0, 0, b.md, b.mctx);
		r->usec4 = (clock_s() - t0) * 1e6;
	}
	buf_free(&line);
	buf_free(&pumps);
	buf_free(&lits);
	pcre2_match_data_free(b.md);
	pcre2_match_context_free(b.mctx);
	pcre2_code_free(b.code);
	return 0;
}

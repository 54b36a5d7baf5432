#include "pattern.h"

#include <ctype.h>
#include <string.h>

#include "prefilter.h"

/* ---------------------------------------------------------------------- */
/* Walking the syntax                                                       */

/* Escapes that stand for a class or an assertion and take no argument. */
static const char pattern_class_escapes[] = "bBsSdDwWhHvVAzZGKRX";

/* An escaped ASCII punctuation character stands for itself. */
static int
pattern_escaped_literal(char c)
{
	return (unsigned char)c < 0x80 && ispunct((unsigned char)c);
}

/* p at '[': the byte after the closing ']', or NULL. */
static const char *
pattern_class_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')		/* a leading ']' is literal */
		p++;
	while (*p && *p != ']') {
		if (*p == '\\') {
			if (p[1] == '\0')
				return NULL;
			p += 2;
		} else if (p[0] == '[' && p[1] == ':') {
			const char *q = strstr(p + 2, ":]");

			if (q == NULL)
				return NULL;
			p = q + 2;
		} else
			p++;
	}
	return *p == ']' ? p + 1 : NULL;
}

/* p at '(': the matching ')', or NULL. */
static const char *
pattern_group_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\') {
			if (*++p == '\0')
				return NULL;
		} else if (*p == '[') {
			if ((p = pattern_class_end(p)) == NULL)
				return NULL;
			p--;
		} else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
	}
	return NULL;
}

/*
 * A quantifier at p: its length (0 when none), and whether it allows zero
 * repetitions. A lazy '?' or possessive '+' after it is part of it. A '{'
 * that is not a quantifier is refused (-1): PCRE reads it as a literal, but
 * the rule base has no reason to write one that way.
 */
#define PATTERN_COUNT_MAX	65535	/* PCRE2's largest {n} */

static int
pattern_quantifier(const char *p, int *optional)
{
	const char *q = p;
	long min = 0;

	*optional = 0;
	if (*q == '*' || *q == '?') {
		*optional = 1;
		q++;
	} else if (*q == '+')
		q++;
	else if (*q == '{') {
		q++;
		if (!isdigit((unsigned char)*q))
			return -1;
		/* PCRE2 refuses a count above 65535; so does this, before the
		 * digits could overflow (any number of them is one pattern). */
		while (isdigit((unsigned char)*q)) {
			min = min * 10 + (*q++ - '0');
			if (min > PATTERN_COUNT_MAX)
				return -1;
		}
		if (*q == ',') {
			long max = 0;

			q++;
			while (isdigit((unsigned char)*q)) {
				max = max * 10 + (*q++ - '0');
				if (max > PATTERN_COUNT_MAX)
					return -1;
			}
		}
		if (*q++ != '}')
			return -1;
		*optional = min == 0;
	} else
		return 0;
	if (*q == '?' || *q == '+')
		q++;
	return (int)(q - p);
}

/* Does [p, e) hold a '|' outside groups and classes? */
static int
pattern_has_alternation(const char *p, const char *e)
{
	const char *q;

	while (p < e) {
		if (*p == '\\')
			p += 2;
		else if (*p == '[') {
			if ((q = pattern_class_end(p)) == NULL)
				return 1;
			p = q;
		} else if (*p == '(') {
			if ((q = pattern_group_end(p)) == NULL)
				return 1;
			p = q + 1;
		} else if (*p++ == '|')
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Literals                                                                 */

struct pattern_best {
	char	lit[PATTERN_LIT_MAX + 1];
	int	score;
	/* Every required run seen (pattern_required()), or NULL. */
	size_t	*nreq;
	char	(*req)[PATTERN_LIT_MAX + 1];
};

/*
 * Words that fill normal gateway and MTA traffic ("SMTP_open(socket=257)",
 * "spawning SMTPGET", "Translating ...", "SMTP connection closed"): a literal
 * that holds one passes most lines, so another literal of the pattern is
 * better even if shorter.
 */
static int
pattern_common(const char *run, size_t n)
{
	static const char *const words[] = {
		"socket", "smtpget", "smtpput", "connect", "translat", "message",
		"mail", "smtp", "host", "input", "spawn", "data", "from", "local",
		"mapped", "gateway", "idling", "bytes", "closed", "open", "accept",
		"relay", "queued", "status", "sent", "postfix", "delivered", "[rx]",
		"[tx]", "unknown",	/* Postfix's "from unknown[ADDRESS]" */
		/*
		 * Counted on the development parts (issue 22): "address" is on
		 * 5.2% of a generated gateway log's lines ("Translating remote
		 * address", "Non-local address") and 3.8% of the real corpus's,
		 * "delivery" on 2.1% of the real corpus's (Exim's "delivery
		 * deferred"): "550" and "552" pass 40 to 100 times fewer lines.
		 */
		"address", "delivery"
	};
	char low[PATTERN_LIT_MAX + 1];
	size_t i;

	for (i = 0; i < n && i < PATTERN_LIT_MAX; i++)
		low[i] = (char)tolower((unsigned char)run[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

static void
pattern_consider(struct pattern_best *best, const char *run, size_t n)
{
	int score = 0;
	size_t i;

	if (n < PATTERN_LIT_MIN)
		return;
	/* Each run is required: kept, the first PATTERN_REQ_MAX of them. */
	if (best->req != NULL && *best->nreq < PATTERN_REQ_MAX) {
		char *r = best->req[(*best->nreq)++];

		for (i = 0; i < n; i++)
			r[i] = (char)tolower((unsigned char)run[i]);
		r[n] = '\0';
	}
	for (i = 0; i < n; i++)
		score += prefilter_rarity((unsigned char)run[i]);
	if (pattern_common(run, n))
		score = score / 4 > 0 ? score / 4 : 1;
	if (score > best->score) {
		for (i = 0; i < n; i++)
			best->lit[i] = (char)tolower((unsigned char)run[i]);
		best->lit[n] = '\0';
		best->score = score;
	}
}

/*
 * The best literal that every match of the sequence [p, e) contains (no
 * top-level '|' in it). -1 on anything not understood.
 */
static int
pattern_sequence(const char *p, const char *e, struct pattern_best *best)
{
	char run[PATTERN_LIT_MAX];
	const char *q, *body;
	size_t rl = 0;
	int n, optional;
	char c;

	while (p < e) {
		c = *p;
		if (c == '\\') {
			if (p + 1 >= e)
				return -1;
			if (!pattern_escaped_literal(p[1])) {
				if (strchr(pattern_class_escapes, p[1]) == NULL ||
				    p[1] == '\0')
					return -1;
				p += 2;
				goto broken;
			}
			c = p[1];
			p += 2;
		} else if (c == '[') {
			if ((p = pattern_class_end(p)) == NULL || p > e)
				return -1;
			goto broken;
		} else if (c == '(') {
			if ((q = pattern_group_end(p)) == NULL || q >= e)
				return -1;
			body = p + 1;
			if (p[1] == '*')
				return -1;		/* a verb */
			if (p[1] == '?') {
				const char *f = p + 2;

				if (*f == '=' || *f == '!' || (*f == '<' && (f[1] == '=' ||
				    f[1] == '!'))) {
					p = q + 1;	/* an assertion: consumes nothing */
					goto broken;
				}
				if (*f == ':' || *f == '|' || *f == '>')
					body = f + 1;
				else if (*f == '<' || *f == '\'' || (*f == 'P' && f[1] == '<')) {
					char close;

					if (*f == 'P')
						f++;
					close = *f == '<' ? '>' : '\'';
					for (f++; f < q && *f != close; f++)
						;
					if (f >= q)
						return -1;
					body = f + 1;
				} else {
					/* Options: (?i) or (?i:...); (?x) changes the syntax. */
					while (isalpha((unsigned char)*f) || *f == '-') {
						if (*f == 'x')
							return -1;
						f++;
					}
					if (*f == ')') {
						p = q + 1;
						goto broken;
					}
					if (*f != ':')
						return -1;
					body = f + 1;
				}
			}
			p = q + 1;
			if ((n = pattern_quantifier(p, &optional)) < 0)
				return -1;
			p += n;
			if (!optional && !pattern_has_alternation(body, q) &&
			    pattern_sequence(body, q, best) != 0)
				return -1;
			goto broken;
		} else if (c == '.' || c == '^' || c == '$') {
			p++;
			goto broken;
		} else if (c == ')' || c == '|' || c == '*' || c == '+' || c == '?' ||
		    c == '{')
			return -1;
		else
			p++;
		/* A literal byte c; its quantifier decides whether it is required. */
		if ((n = pattern_quantifier(p, &optional)) < 0)
			return -1;
		p += n;
		if (optional) {
			pattern_consider(best, run, rl);
			rl = 0;
			continue;
		}
		if (rl < sizeof(run))
			run[rl++] = c;
		if (n > 0) {
			pattern_consider(best, run, rl);
			rl = 0;
		}
		continue;
broken:
		pattern_consider(best, run, rl);
		rl = 0;
		/* A quantifier on what broke the run changes nothing here. */
		if ((n = pattern_quantifier(p, &optional)) < 0)
			return -1;
		p += n;
	}
	pattern_consider(best, run, rl);
	return 0;
}

/*
 * The walk of pattern_literals() and pattern_required(): for each top-level
 * alternative, its best literal into lits, and when req is not NULL every
 * required run into req.
 */
static int
pattern_walk(const char *pattern, struct pattern_literals *lits,
    struct pattern_required *req)
{
	const char *p = pattern, *start = pattern, *q;
	struct pattern_best best;

	memset(lits, 0, sizeof(*lits));
	if (req != NULL)
		memset(req, 0, sizeof(*req));
	if (strstr(pattern, "\\Q") || strstr(pattern, "\\E"))
		return -1;
	for (;;) {
		if (*p == '\\') {
			if (p[1] == '\0')
				return -1;
			p += 2;
			continue;
		}
		if (*p == '[') {
			if ((q = pattern_class_end(p)) == NULL)
				return -1;
			p = q;
			continue;
		}
		if (*p == '(') {
			if ((q = pattern_group_end(p)) == NULL)
				return -1;
			p = q + 1;
			continue;
		}
		if (*p != '|' && *p != '\0') {
			p++;
			continue;
		}
		/* One top-level alternative: [start, p). */
		memset(&best, 0, sizeof(best));
		if (lits->n == PATTERN_BRANCH_MAX)
			return -1;
		if (req != NULL) {
			best.nreq = &req->nreq[lits->n];
			best.req = req->req[lits->n];
		}
		if (pattern_sequence(start, p, &best) != 0 || best.score == 0)
			return -1;
		memcpy(lits->lit[lits->n++], best.lit, sizeof(best.lit));
		if (req != NULL)
			req->n = lits->n;
		if (*p == '\0')
			return 0;
		start = ++p;
	}
}

int
pattern_literals(const char *pattern, struct pattern_literals *out)
{
	return pattern_walk(pattern, out, NULL);
}

int
pattern_required(const char *pattern, struct pattern_required *out)
{
	return pattern_walk(pattern, &out->lits, out);
}

/* ---------------------------------------------------------------------- */
/* ERE                                                                      */

/* Bytes that are special in an ERE outside brackets. */
static const char pattern_ere_special[] = ".[]()*+?{}|^$\\";

/*
 * Copy a bracket expression, translating the escapes it may hold. In a POSIX
 * bracket a backslash is literal, ']' is literal only first and '-' only
 * last, so those two are moved there.
 */
static int
pattern_ere_class(const char *p, const char *end, struct buf *out, char err[ERR_LEN])
{
	struct buf body = BUF_INIT;
	int dash = 0, bracket = 0, caret;

	p++;
	if ((caret = *p == '^'))
		p++;
	if (*p == ']') {
		bracket = 1;
		p++;
	}
	for (; p < end - 1; p++) {
		if (*p != '\\') {
			buf_putc(&body, *p);
			continue;
		}
		switch (*++p) {
		case 'w':
			buf_puts(&body, "[:alnum:]_");
			break;
		case 's':
			buf_puts(&body, "[:space:]");
			break;
		case 'd':
			buf_puts(&body, "0-9");
			break;
		case '-':
			dash = 1;
			break;
		case ']':
			bracket = 1;
			break;
		default:
			if (!pattern_escaped_literal(*p) || *p == '^') {
				buf_free(&body);
				return err_set(err, "no ERE form for '\\%c' in a class", *p);
			}
			/*
			 * ripgrep needs '[' and '\\' escaped in a class; to grep
			 * the backslash is one more member: a superset still.
			 */
			if (*p == '[' || *p == '\\')
				buf_putc(&body, '\\');
			buf_putc(&body, *p);
		}
	}
	buf_putc(out, '[');
	if (caret)
		buf_putc(out, '^');
	if (bracket)
		buf_putc(out, ']');
	buf_append(out, body.data ? body.data : "", body.len);
	if (dash)
		buf_putc(out, '-');
	buf_putc(out, ']');
	buf_free(&body);
	return 0;
}

int
pattern_to_ere(const char *pattern, struct buf *out, char err[ERR_LEN])
{
	const char *p = pattern, *q, *f;
	int after_quant = 0;

	if (strstr(pattern, "\\Q") || strstr(pattern, "(*"))
		return err_set(err, "no ERE form for \\Q or (* verbs");
	while (*p) {
		int quant = 0;

		if (after_quant && (*p == '?' || *p == '+')) {
			p++;		/* lazy or possessive: greedy will do */
			after_quant = 0;
			continue;
		}
		if (*p == '\\') {
			char c = p[1];

			if (c == 'd')
				buf_puts(out, "[0-9]");
			else if (c == 'D')
				buf_puts(out, "[^0-9]");
			else if (c == 'h')
				buf_puts(out, "[ \t]");
			else if (c == 'A')
				buf_putc(out, '^');
			else if (c == 'z' || c == 'Z')
				buf_putc(out, '$');
			else if (c != '\0' && strchr("sSwWbB", c))
				buf_printf(out, "\\%c", c);
			else if (pattern_escaped_literal(c)) {
				if (strchr(pattern_ere_special, c))
					buf_putc(out, '\\');
				buf_putc(out, c);
			} else
				return err_set(err, "no ERE form for '\\%c'", c ? c : '0');
			p += 2;
		} else if (*p == '[') {
			if ((q = pattern_class_end(p)) == NULL)
				return err_set(err, "unterminated bracket");
			if (pattern_ere_class(p, q, out, err) != 0)
				return -1;
			p = q;
		} else if (p[0] == '(' && p[1] == '?') {
			f = p + 2;
			if (*f == '=' || *f == '!' || (*f == '<' && (f[1] == '=' || f[1] == '!'))) {
				if ((q = pattern_group_end(p)) == NULL)
					return err_set(err, "unbalanced group");
				p = q + 1;	/* a lookaround: dropped, a superset */
				after_quant = 0;
				continue;
			}
			if (*f == ':' || *f == '>')
				f++;
			else if (*f == '<' || *f == '\'' || (*f == 'P' && f[1] == '<')) {
				while (*f && *f != '>' && *f != '\'')
					f++;
				if (*f == '\0')
					return err_set(err, "unterminated group name");
				f++;
			} else {
				while (isalpha((unsigned char)*f) || *f == '-')
					f++;
				if (*f == ')') {	/* (?i): grep -i does that */
					p = f + 1;
					continue;
				}
				if (*f != ':')
					return err_set(err, "no ERE form for '(?%c'", p[2]);
				f++;
			}
			buf_putc(out, '(');
			p = f;
		} else {
			quant = *p == '*' || *p == '+' || *p == '?' || *p == '}';
			buf_putc(out, *p++);
		}
		after_quant = quant;
	}
	return 0;
}

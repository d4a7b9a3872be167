/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scanner: libconfuse's lexical rules (tokens, both quote styles and
 * their escapes, '#', '//' and block comments, ${VAR}), followed closely
 * enough to know where every statement, section and comment of a file is,
 * with brace balance kept even where the statement grammar is lost. It
 * depends on no other part of the config code. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf-scan.h"
#include "error.h"
#include "util.h"

void sysctr_conf_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

enum {
	T_EOF = 0,
	T_STR = 256,
	T_APPEND,
};

struct tok {
	int type;
	size_t start, end;
	unsigned line;
};

struct lexer {
	const char *t;
	size_t pos;
	unsigned line;
	struct sysctr_conf_scan *scan;
	const char *what; /* on failure: why, and where */
	unsigned what_line;
};

/* Braces deeper than this are counted but not labelled. */
#define MAX_DEPTH 16

enum open_kind { OPEN_OTHER, OPEN_SECTION, OPEN_LIST };

struct parser {
	struct lexer lx;
	struct sysctr_conf_scan *scan;
	enum { S_KEY, S_NAME, S_TITLE, S_VALUE, S_LIST } st;
	struct tok name, title;
	bool append;
	bool in_section;
	size_t section; /* index in scan->sections while in_section */
	size_t list_start;
	unsigned depth;
	struct {
		unsigned line;
		enum open_kind kind;
		size_t index; /* of the section */
	} open[MAX_DEPTH];
};

static void add_span(struct sysctr_conf_scan *scan, size_t start, size_t end)
{
	scan->spans =
	    xrealloc(scan->spans, (scan->nspans + 1) * sizeof(*scan->spans));
	scan->spans[scan->nspans].start = start;
	scan->spans[scan->nspans].end = end;
	scan->nspans++;
}

static void blank(struct sysctr_conf_scan *scan, size_t start, size_t end)
{
	for (size_t i = start; i < end; i++)
		if (scan->code[i] != '\n')
			scan->code[i] = ' ';
}

static unsigned count_lines(const char *s, size_t n)
{
	unsigned lines = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			lines++;
	return lines;
}

/* libconfuse replaces ${VAR} (when a '}' follows anywhere) by the
 * environment variable, in unquoted and double-quoted strings. */
static bool is_env(const char *p)
{
	return p[0] == '$' && p[1] == '{' && strchr(p + 2, '}') != NULL;
}

static int lex_fail(struct lexer *lx, unsigned line, const char *what)
{
	lx->what = what;
	lx->what_line = line;
	return -1;
}

static int lex_string(struct lexer *lx, struct tok *tk)
{
	const char *t = lx->t;
	char q = t[lx->pos];
	unsigned start_line = lx->line;
	size_t i = lx->pos + 1;

	for (;;) {
		char c = t[i];

		if (c == '\0')
			return lex_fail(lx, start_line,
					"unterminated string: the closing "
					"quote is missing");
		if (c == q)
			break;
		if (c == '\\') {
			/* Every escape of both quote styles consumes the
			 * character after the backslash. */
			if (t[i + 1] == '\0')
				return lex_fail(lx, start_line,
						"unterminated string: the "
						"closing quote is missing");
			if (t[i + 1] == '\n')
				lx->line++;
			i += 2;
			continue;
		}
		if (c == '\n')
			lx->line++;
		else if (q == '"' && is_env(t + i))
			return lex_fail(lx, lx->line,
					"${...} is not expanded in sysctr "
					"files: write the value (or \\$)");
		i++;
	}
	tk->type = T_STR;
	tk->end = i + 1;
	if (lx->line != start_line)
		add_span(lx->scan, tk->start, tk->end);
	lx->pos = i + 1;
	return 0;
}

/* 1 when a comment was skipped at lx->pos, 0 when there is none. */
static int skip_comment(struct lexer *lx)
{
	const char *t = lx->t;
	size_t p = lx->pos;
	const char *e;
	unsigned n;

	if (t[p] == '#' || (t[p] == '/' && t[p + 1] == '/')) {
		lx->pos += strcspn(t + p, "\n");
		blank(lx->scan, p, lx->pos);
		return 1;
	}
	if (t[p] != '/' || t[p + 1] != '*')
		return 0;
	e = strstr(t + p + 2, "*/");
	if (e == NULL)
		return lex_fail(lx, lx->line,
				"unterminated comment: '/*' without '*/'");
	n = count_lines(t + p, (size_t)(e - (t + p)));
	if (n > 0)
		add_span(lx->scan, p, (size_t)(e + 2 - t));
	lx->line += n;
	lx->pos = (size_t)(e + 2 - t);
	blank(lx->scan, p, lx->pos);
	return 1;
}

static int lex(struct lexer *lx, struct tok *tk)
{
	const char *t = lx->t;
	int ret;

	for (;;) {
		size_t p = lx->pos;
		char c = t[p];

		if (c == '\0') {
			tk->type = T_EOF;
			tk->start = tk->end = p;
			tk->line = lx->line;
			return 0;
		}
		if (c == '\n') {
			lx->line++;
			lx->pos++;
			continue;
		}
		/* Whitespace, and what libconfuse's catch-all rule eats. */
		if (c == ' ' || c == '\t' || c == '\r' || c == '*' ||
		    (c == '+' && t[p + 1] != '=')) {
			lx->pos++;
			continue;
		}
		ret = skip_comment(lx);
		if (ret < 0)
			return -1;
		if (ret > 0)
			continue;
		tk->start = p;
		tk->line = lx->line;
		if (strchr("{}()=,", c) != NULL) {
			tk->type = c;
			tk->end = lx->pos = p + 1;
			return 0;
		}
		if (c == '+') {
			tk->type = T_APPEND;
			tk->end = lx->pos = p + 2;
			return 0;
		}
		if (is_env(t + p))
			return lex_fail(lx, lx->line,
					"${...} is not expanded in sysctr "
					"files: write the value");
		if (c == '"' || c == '\'')
			return lex_string(lx, tk);
		/* Every character of this set was handled above, so the
		 * token is never empty. */
		tk->type = T_STR;
		tk->end = lx->pos = p + strcspn(t + p, " #\"'\t\n\r={}()+,*");
		return 0;
	}
}

static char *copy_n(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);

	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

static char *tok_text(const char *t, const struct tok *tk)
{
	size_t s = tk->start, e = tk->end;

	if (t[s] == '"' || t[s] == '\'') {
		s++;
		e--;
	}
	return copy_n(t + s, e - s);
}

static void add_stmt(struct parser *ps, size_t value_start, size_t value_end)
{
	struct sysctr_conf_scan *scan = ps->scan;
	struct sysctr_conf_stmt *s;

	scan->stmts =
	    xrealloc(scan->stmts, (scan->nstmts + 1) * sizeof(*scan->stmts));
	s = &scan->stmts[scan->nstmts++];
	memset(s, 0, sizeof(*s));
	if (ps->in_section) {
		s->section = xstrdup(scan->sections[ps->section].name);
		s->title = xstrdup_or_null(scan->sections[ps->section].title);
	}
	s->key = tok_text(ps->lx.t, &ps->name);
	s->append = ps->append;
	s->key_start = ps->name.start;
	s->value_start = value_start;
	s->value_end = value_end;
	s->line = ps->name.line;
	if (strchr(s->key, '|') != NULL)
		scan->unusual = true;
}

static void open_section(struct parser *ps, const struct tok *brace,
			 bool titled)
{
	struct sysctr_conf_scan *scan = ps->scan;
	struct sysctr_conf_section *s;

	scan->sections = xrealloc(scan->sections, (scan->nsections + 1) *
						      sizeof(*scan->sections));
	s = &scan->sections[scan->nsections];
	memset(s, 0, sizeof(*s));
	s->name = tok_text(ps->lx.t, &ps->name);
	s->title = titled ? tok_text(ps->lx.t, &ps->title) : NULL;
	s->start = ps->name.start;
	s->open = brace->start;
	s->line = ps->name.line;
	if (strchr(s->name, '|') != NULL)
		scan->unusual = true;
	ps->section = scan->nsections++;
	ps->in_section = true;
}

/* Follow the statement grammar; anything else makes the scan unusual
 * and only the lexical checks go on. */
static void step(struct parser *ps, const struct tok *tk)
{
	if (ps->scan->unusual)
		return;
	switch (ps->st) {
	case S_KEY:
		if (tk->type == T_STR) {
			ps->name = *tk;
			ps->st = S_NAME;
		} else if (tk->type == '}' && ps->in_section) {
			ps->scan->sections[ps->section].close = tk->start;
			ps->in_section = false;
		} else {
			ps->scan->unusual = true;
		}
		break;
	case S_NAME:
		if (tk->type == '=' || tk->type == T_APPEND) {
			ps->append = tk->type == T_APPEND;
			ps->st = S_VALUE;
		} else if (tk->type == '{' && !ps->in_section) {
			open_section(ps, tk, false);
			ps->st = S_KEY;
		} else if (tk->type == T_STR) {
			ps->title = *tk;
			ps->st = S_TITLE;
		} else {
			ps->scan->unusual = true;
		}
		break;
	case S_TITLE:
		if (tk->type == '{' && !ps->in_section) {
			open_section(ps, tk, true);
			ps->st = S_KEY;
		} else {
			ps->scan->unusual = true;
		}
		break;
	case S_VALUE:
		if (tk->type == T_STR) {
			add_stmt(ps, tk->start, tk->end);
			ps->st = S_KEY;
		} else if (tk->type == '{') {
			ps->list_start = tk->start;
			ps->st = S_LIST;
		} else {
			ps->scan->unusual = true;
		}
		break;
	case S_LIST:
		if (tk->type == '}') {
			add_stmt(ps, ps->list_start, tk->end);
			ps->st = S_KEY;
		} else if (tk->type != T_STR && tk->type != ',') {
			ps->scan->unusual = true;
		}
		break;
	}
}

/* Brace balance is kept even when the grammar was lost: libconfuse takes
 * the end of the file as the end of an open section without a word. */
static void track_braces(struct parser *ps, const struct tok *tk)
{
	if (tk->type == '{') {
		if (ps->depth < MAX_DEPTH) {
			ps->open[ps->depth].line = tk->line;
			ps->open[ps->depth].kind = OPEN_OTHER;
			if (!ps->scan->unusual && ps->st == S_LIST) {
				ps->open[ps->depth].kind = OPEN_LIST;
			} else if (!ps->scan->unusual && ps->in_section &&
				   ps->scan->sections[ps->section].open ==
				       tk->start) {
				ps->open[ps->depth].kind = OPEN_SECTION;
				ps->open[ps->depth].index = ps->section;
			}
		}
		ps->depth++;
	} else if (tk->type == '}' && ps->depth > 0) {
		ps->depth--;
	}
}

static int unclosed(struct parser *ps, const char *name,
		    struct sysctr_error **err)
{
	cleanup_free char *label = NULL;
	cleanup_free char *msg = NULL;
	unsigned i = ps->depth > MAX_DEPTH ? MAX_DEPTH - 1 : ps->depth - 1;
	const struct sysctr_conf_section *sec;

	if (ps->open[i].kind == OPEN_SECTION) {
		sec = &ps->scan->sections[ps->open[i].index];
		label = sec->title ? xasprintf("%s.%s: ", sec->name, sec->title)
				   : xasprintf("%s: ", sec->name);
	} else if (ps->open[i].kind == OPEN_LIST) {
		/* A list is innermost: its key is the current name. */
		cleanup_free char *k = tok_text(ps->lx.t, &ps->name);

		if (ps->in_section)
			label = xasprintf(
			    "%s.%s: ", ps->scan->sections[ps->section].name, k);
		else
			label = xasprintf("%s: ", k);
	}
	msg = xasprintf("%s:%u: %.80s'{' is never closed: a '}' is missing",
			name, ps->open[i].line, label ? label : "");
	sysctr_conf_printable(msg);
	return sysctr_err(err, SYSCTR_E_USAGE, 0, "%s", msg);
}

static int fail(struct sysctr_conf_scan *scan, const char *name,
		const struct lexer *lx, struct sysctr_error **err)
{
	cleanup_free char *msg =
	    xasprintf("%s:%u: %s", name, lx->what_line, lx->what);

	sysctr_conf_printable(msg);
	sysctr_conf_scan_free(scan);
	return sysctr_err(err, SYSCTR_E_USAGE, 0, "%s", msg);
}

int sysctr_conf_scan(const char *text, const char *name,
		     struct sysctr_conf_scan *scan, struct sysctr_error **err)
{
	struct parser ps;
	struct tok tk;

	memset(scan, 0, sizeof(*scan));
	memset(&ps, 0, sizeof(ps));
	ps.lx.t = text;
	ps.lx.line = 1;
	ps.lx.scan = scan;
	ps.scan = scan;
	ps.st = S_KEY;
	scan->code = xstrdup(text);
	for (;;) {
		if (lex(&ps.lx, &tk) < 0)
			return fail(scan, name, &ps.lx, err);
		if (tk.type == T_EOF)
			break;
		scan->tokens = xrealloc(scan->tokens,
					(scan->ntokens + 1) * sizeof(size_t));
		scan->tokens[scan->ntokens++] = tk.start;
		/* libconfuse refuses an empty key ("" = 1) without saying
		 * why or where. */
		if (ps.st == S_KEY && !scan->unusual && tk.type == T_STR &&
		    tk.end - tk.start == 2) {
			lex_fail(&ps.lx, tk.line, "empty key");
			return fail(scan, name, &ps.lx, err);
		}
		/* After step(): an opening brace has been classified. */
		step(&ps, &tk);
		track_braces(&ps, &tk);
	}
	if (ps.depth > 0) {
		unclosed(&ps, name, err);
		sysctr_conf_scan_free(scan);
		return -1;
	}
	if (ps.st != S_KEY || ps.in_section)
		scan->unusual = true;
	return 0;
}

void sysctr_conf_scan_free(struct sysctr_conf_scan *scan)
{
	if (scan == NULL)
		return;
	for (size_t i = 0; i < scan->nstmts; i++) {
		free(scan->stmts[i].section);
		free(scan->stmts[i].title);
		free(scan->stmts[i].key);
	}
	for (size_t i = 0; i < scan->nsections; i++) {
		free(scan->sections[i].name);
		free(scan->sections[i].title);
	}
	free(scan->stmts);
	free(scan->sections);
	free(scan->tokens);
	free(scan->spans);
	free(scan->code);
	memset(scan, 0, sizeof(*scan));
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `config set` on the text of a container.conf: each assignment replaces
 * its key's value, or is added to its section, or adds the section, where
 * the scanner (conf-scan.c) says they are, so that comments, order and
 * spacing survive; the result must then parse as a container.conf. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf-scan.h"
#include "error.h"
#include "util.h"

static char *copy_n(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);

	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* Where an assignment goes: section NULL is the top level. */
struct target {
	char *section;
	char *title;
	char *key;
};

static void target_free(struct target *t)
{
	free(t->section);
	free(t->title);
	free(t->key);
}
#define cleanup_target __attribute__((cleanup(target_free)))

/* The key was checked by sysctr_ct_config_key_kind(): it has the shape of
 * one of the four forms. */
static void split_key(const char *key, struct target *t)
{
	const char *dot = strchr(key, '.');

	memset(t, 0, sizeof(*t));
	if (dot == NULL) {
		t->key = xstrdup(key);
		return;
	}
	t->section = copy_n(key, (size_t)(dot - key));
	if (strcmp(t->section, "mount") == 0) {
		const char *dot2 = strchr(dot + 1, '.');

		t->title = copy_n(dot + 1, (size_t)(dot2 - dot - 1));
		t->key = xstrdup(dot2 + 1);
	} else {
		t->key = xstrdup(dot + 1);
	}
}

static bool same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void put_quoted(char **s, size_t *len, const char *v, size_t n)
{
	/* Worst case every byte escaped, plus quotes and NUL. */
	*s = xrealloc(*s, *len + 2 * n + 3);
	(*s)[(*len)++] = '"';
	for (size_t i = 0; i < n; i++) {
		/* '$' too: "${X}" would be an environment variable. */
		if (v[i] == '"' || v[i] == '\\' || v[i] == '$')
			(*s)[(*len)++] = '\\';
		(*s)[(*len)++] = v[i];
	}
	(*s)[(*len)++] = '"';
	(*s)[*len] = '\0';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int format_list(const char *key, const char *value, char **out,
		       struct sysctr_error **err)
{
	cleanup_free char *s = xstrdup("{");
	size_t len = 1;
	const char *p = value;

	if (*value == '\0') {
		*out = xstrdup("{}");
		return 0;
	}
	for (;;) {
		const char *end = p + strcspn(p, ",");
		const char *b = p, *e = end;

		while (b < e && is_blank(*b))
			b++;
		while (e > b && is_blank(e[-1]))
			e--;
		if (b == e)
			return sysctr_err(err, SYSCTR_E_USAGE, 0,
					  "%s: empty item in the list '%s'",
					  key, value);
		if (len > 1) {
			s = xrealloc(s, len + 3);
			memcpy(s + len, ", ", 3);
			len += 2;
		}
		put_quoted(&s, &len, b, (size_t)(e - b));
		if (*end == '\0')
			break;
		p = end + 1;
	}
	s = xrealloc(s, len + 2);
	memcpy(s + len, "}", 2);
	*out = steal_ptr(&s);
	return 0;
}

static int format_value(const char *key, enum sysctr_conf_kind kind,
			const char *value, char **out,
			struct sysctr_error **err)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	char *end = NULL;
	size_t len = 0;
	long n;

	switch (kind) {
	case SYSCTR_CONF_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    is_blank(*value))
			return sysctr_err(err, SYSCTR_E_USAGE, 0,
					  "%s: '%s' is not an integer", key,
					  value);
		*out = xasprintf("%ld", n);
		return 0;
	case SYSCTR_CONF_BOOL:
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
			if (strcasecmp(value, yes[i]) == 0) {
				*out = xstrdup("true");
				return 0;
			}
			if (strcasecmp(value, no[i]) == 0) {
				*out = xstrdup("false");
				return 0;
			}
		}
		return sysctr_err(
		    err, SYSCTR_E_USAGE, 0,
		    "%s: '%s' is not a boolean: use true or false", key, value);
	case SYSCTR_CONF_LIST:
		return format_list(key, value, out, err);
	case SYSCTR_CONF_STRING:
		break;
	}
	*out = NULL;
	put_quoted(out, &len, value, strlen(value));
	return 0;
}

/* Replace [start, end) of *text by ins. */
static void splice(char **text, size_t start, size_t end, const char *ins)
{
	size_t tlen = strlen(*text), ilen = strlen(ins);
	char *s = xmalloc(tlen - (end - start) + ilen + 1);

	memcpy(s, *text, start);
	memcpy(s + start, ins, ilen);
	memcpy(s + start + ilen, *text + end, tlen - end + 1);
	free(*text);
	*text = s;
}

static size_t line_start(const char *t, size_t pos)
{
	while (pos > 0 && t[pos - 1] != '\n')
		pos--;
	return pos;
}

static bool only_blanks(const char *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (!is_blank(t[i]))
			return false;
	return true;
}

static bool in_span(const struct sysctr_conf_scan *scan, size_t pos)
{
	for (size_t i = 0; i < scan->nspans; i++)
		if (pos > scan->spans[i].start && pos < scan->spans[i].end)
			return true;
	return false;
}

/* The indentation of the statement at pos when it starts its line. */
static char *indent_of(const char *t, size_t pos, const char *dflt)
{
	size_t ls = line_start(t, pos);

	if (!only_blanks(t, ls, pos))
		return xstrdup(dflt);
	return copy_n(t + ls, pos - ls);
}

static void insert_in_section(char **text, const struct sysctr_conf_scan *scan,
			      const struct sysctr_conf_section *sec,
			      const char *key, const char *value)
{
	cleanup_free char *indent = NULL;
	cleanup_free char *line = NULL;
	size_t ls = line_start(*text, sec->close);

	indent = xstrdup("  ");
	for (size_t i = 0; i < scan->nstmts; i++) {
		const struct sysctr_conf_stmt *s = &scan->stmts[i];

		if (s->key_start > sec->open && s->key_start < sec->close) {
			free(indent);
			indent = indent_of(*text, s->key_start, "  ");
		}
	}
	if (only_blanks(*text, ls, sec->close)) {
		line = xasprintf("%s%s = %s\n", indent, key, value);
		splice(text, ls, ls, line);
	} else {
		line = xasprintf("\n%s%s = %s\n", indent, key, value);
		splice(text, sec->close, sec->close, line);
	}
}

static void insert_top(char **text, const struct sysctr_conf_scan *scan,
		       const char *key, const char *value)
{
	cleanup_free char *line = NULL;
	const struct sysctr_conf_stmt *last = NULL;
	size_t len = strlen(*text);

	for (size_t i = 0; i < scan->nstmts; i++)
		if (scan->stmts[i].section == NULL)
			last = &scan->stmts[i];
	if (last != NULL) {
		const char *nl = strchr(*text + last->value_end, '\n');
		size_t next = nl ? (size_t)(nl - *text) + 1 : len;
		bool token_between = false;

		for (size_t i = 0; i < scan->ntokens; i++)
			if (scan->tokens[i] >= last->value_end &&
			    scan->tokens[i] < next)
				token_between = true;
		/* After the line of the last top-level key, unless more
		 * follows on it or a comment runs on past it. */
		if (nl != NULL && !token_between && !in_span(scan, next)) {
			line = xasprintf("%s = %s\n", key, value);
			splice(text, next, next, line);
		} else {
			line = xasprintf("\n%s = %s", key, value);
			splice(text, last->value_end, last->value_end, line);
		}
		return;
	}
	if (scan->ntokens > 0) {
		size_t first = scan->tokens[0];
		size_t ls = line_start(*text, first);

		line = xasprintf("%s = %s\n", key, value);
		if (only_blanks(*text, ls, first))
			first = ls;
		splice(text, first, first, line);
		return;
	}
	line = xasprintf("%s%s = %s\n",
			 len > 0 && (*text)[len - 1] != '\n' ? "\n" : "", key,
			 value);
	splice(text, len, len, line);
}

static void append_section(char **text, const struct target *t,
			   const char *value)
{
	cleanup_free char *block = NULL;
	size_t len = strlen(*text);
	const char *sep = len == 0		     ? ""
			  : (*text)[len - 1] == '\n' ? "\n"
						     : "\n\n";

	if (t->title != NULL)
		block = xasprintf("%s%s \"%s\" {\n  %s = %s\n}\n", sep,
				  t->section, t->title, t->key, value);
	else
		block = xasprintf("%s%s {\n  %s = %s\n}\n", sep, t->section,
				  t->key, value);
	splice(text, len, len, block);
}

/* Check an assignment: its key (NULL on error), and in *value the value
 * as the file will hold it. */
static char *prepare(const char *assignment, char **value,
		     struct sysctr_error **err)
{
	cleanup_free char *k = NULL;
	const char *eq = strchr(assignment, '=');
	enum sysctr_conf_kind kind;

	for (const char *p = assignment; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			cleanup_free char *shown = xstrdup(assignment);

			sysctr_conf_printable(shown);
			sysctr_err(err, SYSCTR_E_USAGE, 0,
				   "'%.60s': control characters (such as a "
				   "newline) are not allowed",
				   shown);
			return NULL;
		}
	if (eq == NULL || eq == assignment) {
		sysctr_err(err, SYSCTR_E_USAGE, 0,
			   "invalid assignment '%s': use KEY=VALUE",
			   assignment);
		return NULL;
	}
	k = copy_n(assignment, (size_t)(eq - assignment));
	if (sysctr_ct_config_key_kind(k, &kind, err) < 0 ||
	    format_value(k, kind, eq + 1, value, err) < 0)
		return NULL;
	return steal_ptr(&k);
}

static int apply_one(char **text, const char *name, const char *assignment,
		     struct sysctr_error **err)
{
	cleanup_free char *key = NULL;
	cleanup_free char *value = NULL;
	cleanup_target struct target t = { 0 };
	cleanup_scan struct sysctr_conf_scan scan = { 0 };
	const struct sysctr_conf_stmt *found = NULL;
	const struct sysctr_conf_section *sec = NULL;

	key = prepare(assignment, &value, err);
	if (key == NULL)
		return -1;
	split_key(key, &t);
	if (sysctr_conf_scan(*text, name, &scan, err) < 0)
		return -1;
	if (scan.unusual)
		goto cannot;
	for (size_t i = 0; i < scan.nstmts; i++) {
		const struct sysctr_conf_stmt *s = &scan.stmts[i];

		if (same(s->section, t.section) && same(s->title, t.title) &&
		    strcmp(s->key, t.key) == 0) {
			/* "+=" adds to what came before: one line does not
			 * hold the whole value. */
			if (s->append)
				goto cannot;
			found = s;
		}
	}
	if (found != NULL) {
		splice(text, found->value_start, found->value_end, value);
		return 0;
	}
	if (t.section == NULL) {
		insert_top(text, &scan, t.key, value);
		return 0;
	}
	/* libconfuse merges repeated sections: the last one will do. */
	for (size_t i = 0; i < scan.nsections; i++)
		if (strcmp(scan.sections[i].name, t.section) == 0 &&
		    same(scan.sections[i].title, t.title))
			sec = &scan.sections[i];
	if (sec != NULL)
		insert_in_section(text, &scan, sec, t.key, value);
	else
		append_section(text, &t, value);
	return 0;

cannot:
	return sysctr_err(err, SYSCTR_E_USAGE, 0,
			  "cannot edit %s in %s automatically: use config edit",
			  key, name);
}

int sysctr_ct_config_apply(const char *text, const char *name,
			   const char *const *assignments, size_t n, char **out,
			   struct sysctr_error **err)
{
	cleanup_free char *buf = xstrdup(text);
	struct sysctr_ct_config *check = NULL;

	for (size_t i = 0; i < n; i++)
		if (apply_one(&buf, name, assignments[i], err) < 0)
			return -1;
	/* The edited text must parse, so an invalid set never reaches the
	 * file. */
	if (sysctr_ct_config_parse(buf, name, &check, err) < 0)
		return -1;
	sysctr_ct_config_free(check);
	*out = steal_ptr(&buf);
	return 0;
}

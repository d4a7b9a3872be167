/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text of a config file as libconfuse's lexer sees it: where every
 * statement, section, token and comment is. Knows nothing of either
 * file's keys; the parse (conf-parse.c) uses it to correct libconfuse's
 * line numbers and to catch what libconfuse accepts silently, the editor
 * (conf-edit.c) to change a file without disturbing the rest. */
#ifndef SYSCTR_CONF_SCAN_H
#define SYSCTR_CONF_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "sysctr.h"

/* One "key = value" (or "key += value") statement of a file. */
struct sysctr_conf_stmt {
	char *section; /* NULL at top level */
	char *title;   /* mount "TITLE" { }, else NULL */
	char *key;     /* without quotes */
	bool append;   /* written with += */
	size_t key_start;
	size_t value_start, value_end; /* a string or a whole {list} */
	unsigned line;		       /* of the key */
};

struct sysctr_conf_section {
	char *name;
	char *title;
	size_t start; /* offset of the name */
	size_t open;  /* offset of '{' */
	size_t close; /* offset of '}' */
	unsigned line;
};

/* A span that crosses a line end (block comment, string): no insertion
 * may happen at a line start inside it. */
struct sysctr_conf_span {
	size_t start, end;
};

struct sysctr_conf_scan {
	struct sysctr_conf_stmt *stmts;
	size_t nstmts;
	struct sysctr_conf_section *sections;
	size_t nsections;
	size_t *tokens; /* start offset of every token, in order */
	size_t ntokens;
	struct sysctr_conf_span *spans;
	size_t nspans;
	/* The text with every comment blanked out, line ends kept: what
	 * libconfuse parses, since 3.3 counts a line twice or three times
	 * for each comment and its error lines would be wrong. */
	char *code;
	/* Something the editor must not touch: a function call, a nested
	 * section, a '|' path in a key, or syntax the scanner cannot
	 * follow (libconfuse reports that one when it parses). */
	bool unusual;
};

/* Scan text lexically as libconfuse does. Fails (SYSCTR_E_USAGE, "NAME:
 * LINE: KEY: why") on what libconfuse would accept silently or differently:
 * an unclosed section or list, an unterminated comment or string, an
 * empty key, and ${VAR} (libconfuse expands environment variables; sysctr
 * files mean the same whoever runs the command). On failure *scan holds
 * nothing; on success free it with sysctr_conf_scan_free(). */
int sysctr_conf_scan(const char *text, const char *name,
		     struct sysctr_conf_scan *scan, struct sysctr_error **err);
/* Frees what *scan holds and zeroes it; a zeroed scan is fine. */
void sysctr_conf_scan_free(struct sysctr_conf_scan *scan);

static inline void conf_scan_free_p(struct sysctr_conf_scan *scan)
{
	sysctr_conf_scan_free(scan);
}
#define cleanup_scan __attribute__((cleanup(conf_scan_free_p)))

/* Replace control characters (newline included) by '?': error text is
 * one line whatever a file contains. */
void sysctr_conf_printable(char *s);

#endif

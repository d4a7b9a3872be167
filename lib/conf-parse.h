/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running libconfuse on the text of one file, for the schemas of
 * sysctr.conf (conf-host.c) and container.conf (conf-container.c) and the
 * validation callbacks they install (conf-check.c and their own). The
 * file's text is scanned first (conf-scan.h); libconfuse's messages and
 * the callbacks' reports become one error, "FILE:LINE: KEY: what". */
#ifndef SYSCTR_CONF_PARSE_H
#define SYSCTR_CONF_PARSE_H

#include <stddef.h>

#include <confuse.h>

#include "conf-scan.h"
#include "sysctr.h"

/* Files larger than this are refused before libconfuse sees them. */
#define SYSCTR_CONF_MAX_SIZE (1024 * 1024)

static inline void confuse_free_p(cfg_t **c)
{
	if (*c)
		cfg_free(*c);
	*c = NULL;
}
#define cleanup_cfg __attribute__((cleanup(confuse_free_p)))

/* A validation callback to install on the option at path ("sec|key"). */
struct sysctr_conf_check {
	const char *path;
	cfg_validate_callback_t fn;
};

/* Parse text (NULL: defaults only) with opts and the checks; errors are
 * "NAME:LINE: KEY: why" (SYSCTR_E_USAGE). */
int sysctr_conf_parse_cfg(const char *text, const char *name, cfg_opt_t *opts,
			  const struct sysctr_conf_check *checks, size_t n,
			  cfg_t **out, struct sysctr_error **err);

/* For validation callbacks only. libconfuse's lexer keeps its state in
 * globals, so a parse is never reentrant, and a callback gets no pointer
 * of its caller's: these reach the one parse in progress, which only
 * sysctr_conf_parse_cfg() starts and ends. Outside a parse nothing is
 * reported, and there is no scan.
 *
 * sysctr_conf_key_of() gives "section.key", "mount.TITLE.key" or "key"
 * for the option name of cfg. sysctr_conf_invalid() reports "KEY: what"
 * at cfg's line, sysctr_conf_invalid_at() "KEY: what" (or "what" when key
 * is NULL) at a line of the caller's; only the first report of a parse
 * counts, and both return -1.
 *
 * sysctr_conf_line_of() is libconfuse's line of cfg (1 when it has none).
 * It has none for a key of a CFGF_KEYSTRVAL section, and a check of a
 * whole section runs at its end; the scan of the text tells better:
 * sysctr_conf_stmt_line() is the line of the last statement of key in a
 * section of that name (any title), sysctr_conf_section_line() the line of
 * section name "title", each fallback when the scanner saw none; and
 * sysctr_conf_parsing_scan() is the whole scan (NULL outside a parse). */
char *sysctr_conf_key_of(cfg_t *cfg, const char *name);
/* A copy of the string option name of cfg; "" when it is unset. */
char *sysctr_conf_get_str(cfg_t *cfg, const char *name);
int sysctr_conf_invalid(cfg_t *cfg, cfg_opt_t *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sysctr_conf_invalid_at(unsigned line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
unsigned sysctr_conf_line_of(cfg_t *cfg);
unsigned sysctr_conf_stmt_line(const char *section, const char *key,
			       unsigned fallback);
unsigned sysctr_conf_section_line(const char *name, const char *title,
				  unsigned fallback);
const struct sysctr_conf_scan *sysctr_conf_parsing_scan(void);

/* The value of opt as text: a number, true or false, a string, a list
 * as "a,b". */
char *sysctr_conf_opt_text(cfg_opt_t *opt);
/* Every key of cfg (parsed with opts) and its value, appended to *items
 * in the schema's order: top-level keys, each section's (a titled one as
 * "SECTION.TITLE.key", a free-form one as its keys in the file's order). */
void sysctr_conf_items(cfg_t *cfg, cfg_opt_t *opts,
		       struct sysctr_config_item **items, size_t *n);
/* The items of the file at path (NULL: the defaults of an empty file,
 * named name in errors), parsed and checked with opts and checks. */
int sysctr_conf_items_of(const char *path, const char *name, cfg_opt_t *opts,
			 const struct sysctr_conf_check *checks, size_t nchecks,
			 struct sysctr_config_item **items, size_t *n,
			 struct sysctr_error **err);

#endif

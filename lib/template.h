/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Templates: the scripts under the templates directory that make a base
 * image, their --describe answers (cached) and running one to completion.
 * This module knows nothing of images; lib/image.c builds on it. */
#ifndef SYSCTR_TEMPLATE_H
#define SYSCTR_TEMPLATE_H

#include "context.h"

/* The host's architecture in Debian's spelling (amd64, arm64, ...): the
 * spelling of the template interface's --arch. */
const char *sysctr_host_arch(void);

/* key=value lines, the format of a template's --describe answer and of its
 * --meta file; '#' lines and lines without '=' are skipped, unknown keys
 * are the callback's to ignore. text is modified. */
void sysctr_template_parse_kv(char *text,
			      void (*fn)(void *, const char *, const char *),
			      void *data);

/* Path of the template script; SYSCTR_E_NOT_FOUND if there is none. */
int sysctr_template_path(struct sysctr *s, const char *template, char **path,
			 struct sysctr_error **err);

/* Run TEMPLATE --describe (answered from IMAGES/.templates/NAME while the
 * script is unchanged). out is cleared first; free with
 * sysctr_template_info_clear(). */
int sysctr_template_describe(struct sysctr *s, const char *name,
			     const char *path, struct sysctr_template_info *out,
			     struct sysctr_error **err);
void sysctr_template_info_clear(struct sysctr_template_info *t);
#define cleanup_template_info                                                  \
	__attribute__((cleanup(sysctr_template_info_clear)))

/* Run a template (argv[0] its path) to completion, in its own process
 * group: "@step N/M text" lines on stdout drive sysctr_progress(), all
 * output goes to log_path, and the last stderr line is the reason of a
 * failure. SIGINT, SIGTERM and SIGHUP to sysctr are passed on once while
 * it runs; whatever it leaves running is killed at the end. */
int sysctr_template_run(struct sysctr *s, char *const argv[],
			const char *log_path, struct sysctr_error **err);

#endif

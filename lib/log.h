/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics on stderr, never stdout. The level is chosen at run time
 * (sysctr.conf, -q, -v). A function either returns an error or logs it as
 * a warning, never both. */
#ifndef SYSCTR_LOG_H
#define SYSCTR_LOG_H

#include "sysctr.h"

void sysctr_log_set_level(enum sysctr_log_level level);
enum sysctr_log_level sysctr_log_get_level(void);
/* "error" | "warn" | "info" | "debug" -> level; -1 when unknown. */
int sysctr_log_level_parse(const char *s);

void sysctr_log(enum sysctr_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) sysctr_log(SYSCTR_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) sysctr_log(SYSCTR_LOG_WARN, __VA_ARGS__)
#define log_info(...) sysctr_log(SYSCTR_LOG_INFO, __VA_ARGS__)
#define log_debug(...) sysctr_log(SYSCTR_LOG_DEBUG, __VA_ARGS__)

/* Log e as a warning (prefixed by what) and free it. */
void sysctr_log_warn_error(struct sysctr_error *e, const char *what);

#endif

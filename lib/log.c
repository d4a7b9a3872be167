/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "log.h"
#include "macro.h"

static enum sysctr_log_level current = SYSCTR_LOG_WARN;
/* When the library was loaded: debug lines say how long after it they were
 * written, and how many page faults the process took so far (touching
 * fresh memory is much of a short command's time on a VM), so -vv shows
 * where a command spends its time. */
static struct timespec loaded;

__attribute__((constructor)) static void log_clock_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &loaded);
}

static double ms_since_loaded(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - loaded.tv_sec) * 1e3 +
	       (double)(now.tv_nsec - loaded.tv_nsec) / 1e6;
}

void sysctr_log_set_level(enum sysctr_log_level level)
{
	current = level;
}

enum sysctr_log_level sysctr_log_get_level(void)
{
	return current;
}

int sysctr_log_level_parse(const char *s)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

void sysctr_log(enum sysctr_log_level level, const char *fmt, ...)
{
	static const char *const tags[] = { "error", "warning", "info",
					    "debug" };
	va_list ap;

	if (level > current)
		return;
	if (level == SYSCTR_LOG_DEBUG) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "sysctr: debug: %.2f ms, %ld faults: ",
			ms_since_loaded(), ru.ru_minflt + ru.ru_majflt);
	} else
		fprintf(stderr, "sysctr: %s: ", tags[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sysctr_log_warn_error(struct sysctr_error *e, const char *what)
{
	if (e == NULL)
		return;
	if (what != NULL)
		log_warn("%s: %s", what, e->msg);
	else
		log_warn("%s", e->msg);
	sysctr_error_free(e);
}

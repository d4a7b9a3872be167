/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

int sysctr_err(struct sysctr_error **err, enum sysctr_err_kind kind,
	       int sys_errno, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	struct sysctr_error *e;
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);

	e = xcalloc(1, sizeof(*e));
	e->kind = kind;
	e->sys_errno = sys_errno;
	if (sys_errno != 0)
		e->msg = xasprintf("%s: %s", msg, strerror(sys_errno));
	else
		e->msg = steal_ptr(&msg);
	/* Set once: a second error would hide the first, real cause. */
	if (*err == NULL)
		*err = e;
	else
		sysctr_error_free(e);
	return -1;
}

int sysctr_err_prefix(struct sysctr_error **err, const char *fmt, ...)
{
	cleanup_free char *prefix = NULL;
	char *msg;
	va_list ap;

	if (err == NULL || *err == NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		abort();
	va_end(ap);
	msg = xasprintf("%s: %s", prefix, (*err)->msg);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

SYSCTR_PUBLIC void sysctr_error_free(struct sysctr_error *e)
{
	if (e == NULL)
		return;
	free(e->msg);
	free(e);
}

SYSCTR_PUBLIC int sysctr_error_exit_code(const struct sysctr_error *e)
{
	if (e == NULL)
		return 0;
	return (int)e->kind;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one error type. Below everything but macro.h and alloc.h: every
 * module may fail through it, so it uses no other module. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "macro.h"

SYSCTR_PUBLIC int sysctr_err(struct sysctr_error **err,
			     enum sysctr_err_kind kind, int sys_errno,
			     const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	struct sysctr_error *e;
	va_list ap;

	if (err == NULL)
		return -1;
	/* Set once: a second error on the same err is a bug of the caller
	 * (it went on after a failure, or reports one twice), and would
	 * hide the first, real cause. Debug builds (and the tests') stop
	 * here; others keep the first. */
	assert(*err == NULL);
	if (*err != NULL)
		return -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);

	e = xcalloc(1, sizeof(*e));
	e->kind = kind;
	e->sys_errno = sys_errno;
	if (sys_errno != 0)
		e->msg = xasprintf("%s: %s", msg, strerror(sys_errno));
	else
		e->msg = steal_ptr(&msg);
	*err = e;
	return -1;
}

/* Context for an error already set: BEFORE SEP message AFTER. Context for
 * an error that was never set is a bug: the failure below forgot to say
 * why. */
static int rewrap(struct sysctr_error **err, const char *before,
		  const char *sep, const char *after)
{
	char *msg;

	if (err == NULL)
		return -1;
	assert(*err != NULL);
	if (*err == NULL)
		return -1;
	msg = xasprintf("%s%s%s%s", before, sep, (*err)->msg, after);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

SYSCTR_PUBLIC int sysctr_err_prefix(struct sysctr_error **err, const char *fmt,
				    ...)
{
	cleanup_free char *prefix = NULL;
	va_list ap;

	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	return rewrap(err, prefix, ": ", "");
}

SYSCTR_PUBLIC int sysctr_err_pass(struct sysctr_error **err,
				  struct sysctr_error **e)
{
	if (err == NULL) {
		sysctr_error_free(*e);
		*e = NULL;
		return -1;
	}
	assert(*err == NULL);
	if (*err != NULL) {
		sysctr_error_free(*e);
		*e = NULL;
		return -1;
	}
	*err = *e;
	*e = NULL;
	return -1;
}

SYSCTR_PUBLIC int sysctr_err_suffix(struct sysctr_error **err, const char *fmt,
				    ...)
{
	cleanup_free char *more = NULL;
	va_list ap;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	return rewrap(err, "", "", more);
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

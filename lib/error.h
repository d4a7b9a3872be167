/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYSCTR_ERROR_H
#define SYSCTR_ERROR_H

#include "sysctr.h"

/* Set *err (if err is not NULL) and return -1. With sys_errno != 0 the
 * message ends in ": strerror(sys_errno)". */
int sysctr_err(struct sysctr_error **err, enum sysctr_err_kind kind,
	       int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix the message of *err with "PREFIX: " and return -1: adds context
 * while crossing a layer and keeps the cause and its kind. */
int sysctr_err_prefix(struct sysctr_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void sysctr_error_free_p(struct sysctr_error **e)
{
	sysctr_error_free(*e);
	*e = NULL;
}
#define cleanup_error __attribute__((cleanup(sysctr_error_free_p)))

#endif

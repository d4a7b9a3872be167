/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Errors: sysctr_err(), sysctr_err_prefix() and sysctr_err_suffix() are
 * declared in sysctr.h (cmd/ makes its errors with them too); this adds
 * the cleanup attribute. */
#ifndef SYSCTR_ERROR_H
#define SYSCTR_ERROR_H

#include "sysctr.h"

static inline void sysctr_error_free_p(struct sysctr_error **e)
{
	sysctr_error_free(*e);
	*e = NULL;
}
#define cleanup_error __attribute__((cleanup(sysctr_error_free_p)))

#endif

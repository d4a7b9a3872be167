/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* liblxc as the container module sees it. Only lib/container*.c include
 * this header: no other file of sysctr sees a liblxc type or calls
 * liblxc (container.h says why and how to check). */
#ifndef SYSCTR_CONTAINER_LXC_H
#define SYSCTR_CONTAINER_LXC_H

#include <lxc/lxccontainer.h>

#include "context.h"

static inline void lxc_container_put_p(struct lxc_container **c)
{
	if (*c != NULL)
		lxc_container_put(*c);
	*c = NULL;
}
#define cleanup_ct __attribute__((cleanup(lxc_container_put_p)))

/* liblxc's handle of the container name (its config loaded from the
 * container directory, the lxcpath); SYSCTR_E_FAILED when liblxc cannot
 * make one. Release with lxc_container_put() or cleanup_ct. */
struct lxc_container *sysctr_ct_handle(struct sysctr *s, const char *name,
				       struct sysctr_error **err);

#endif

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

/* One cgroup file of c into buf, NUL-terminated; false when liblxc has
 * none (or it does not fit). */
bool sysctr_ct_cgroup_text(struct lxc_container *c, const char *key, char *buf,
			   size_t size);

/* The memory a running container uses, its working set (the usage less
 * the inactive file cache, as cgroup v2 or v1 say them: what list, info
 * and top show); -1 when its cgroup does not say. */
int64_t sysctr_ct_memory_used(struct lxc_container *c);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container lifecycle on liblxc. liblxc is called only from here. */
#ifndef SYSCTR_CONTAINER_H
#define SYSCTR_CONTAINER_H

#include <lxc/lxccontainer.h>

#include "conf.h"
#include "context.h"

static inline void lxc_container_put_p(struct lxc_container **c)
{
	if (*c != NULL)
		lxc_container_put(*c);
	*c = NULL;
}
#define cleanup_ct __attribute__((cleanup(lxc_container_put_p)))

/* Paths of a container's files. */
char *sysctr_ct_dir(struct sysctr *s, const char *name);
char *sysctr_ct_conf_path(struct sysctr *s, const char *name);
char *sysctr_ct_log_path(struct sysctr *s, const char *name);

/* Mode of container.conf and of the generated liblxc config, whatever the
 * umask: they name host paths and raw liblxc keys, which are nobody
 * else's business (LXC keeps its own configs 0640 too). */
#define SYSCTR_CT_CONF_MODE 0640

/* Record an action's outcome: on success the container's new state (if
 * state is not NULL) and its history row, in one transaction. A failure
 * to record is logged, never fatal. */
void sysctr_ct_record(struct sysctr *s, const char *name, const char *action,
		      const char *state, const struct sysctr_error *e,
		      const char *detail);

/* Record a lifecycle action in the history; a failure to record is
 * logged, never fatal. outcome is "ok" unless e is set. */
void sysctr_history_record(struct sysctr *s, const char *name,
			   const char *action, const struct sysctr_error *e,
			   const char *detail);

/* Take the container's lock, waiting sysctr.conf's timeouts.lock. */
int sysctr_ct_lock(struct sysctr *s, const char *name,
		   struct sysctr_error **err);

static inline void ct_config_free_p(struct sysctr_ct_config **c)
{
	sysctr_ct_config_free(*c);
	*c = NULL;
}
#define cleanup_ctconf __attribute__((cleanup(ct_config_free_p)))

/* Is the container running (or frozen)? From the kernel, via liblxc. */
bool sysctr_ct_is_active(struct sysctr *s, const char *name);

#endif

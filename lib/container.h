/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container module: a container's files, whether it exists, its live
 * state and its lifecycle. Its files are lib/container*, each .c with
 * its .h (this header includes the two others need):
 *   container-registry  paths, existence (the registry row), leftovers
 *   container-live      what the kernel says (state, pid, memory, ips)
 *   container-cgroup    its cgroup: limits changed live, usage
 *   container-attach    exec and shell
 *   container-ready     ready checks: when a started container is up
 *   container           start, stop, restart, freeze, console, destroy
 *
 * liblxc is called from these files only, and they alone include
 * container-lxc.h (liblxc's header, cleanup_ct, the handle). Every other
 * file asks this header, which names no liblxc type. This finds nothing:
 *
 *   git grep -nE 'lxccontainer\.h|struct lxc_|\<lxc_[a-z_]+\(|->(start|stop|
 *     shutdown|attach|state|wait|freeze|console|init_pid|get_ips)\(' \
 *     -- lib cmd ':!lib/container*'
 *
 * (with the pattern on one line). */
#ifndef SYSCTR_CONTAINER_H
#define SYSCTR_CONTAINER_H

#include "conf.h"
#include "container-cgroup.h"
#include "container-live.h"
#include "container-registry.h"
#include "context.h"
#include "history.h"

/* Take the container's lock, waiting sysctr.conf's timeouts.lock. */
int sysctr_ct_lock(struct sysctr *s, const char *name,
		   struct sysctr_error **err);

/* For the holder of the container's lock: run fn(data, err) with the
 * running container frozen and thaw it right after (one frozen already
 * stays frozen); *frozen_s says how long. SYSCTR_E_STATE "not running"
 * for a stopped one. */
int sysctr_ct_frozen_run(struct sysctr *s, const char *name,
			 int (*fn)(void *data, struct sysctr_error **err),
			 void *data, double *frozen_s,
			 struct sysctr_error **err);

/* For the holder of the container's lock: a clean stop (timeouts.stop,
 * then a kill), recorded in history. */
int sysctr_ct_stop_held(struct sysctr *s, const char *name,
			struct sysctr_error **err);

/* For the holder of the container's lock: send its init the halt
 * signal and return (a parallel shutdown waits for several at once). */
int sysctr_ct_halt_held(struct sysctr *s, const char *name,
			struct sysctr_error **err);
/* For the holder of the container's lock: kill it, wait for STOPPED. */
int sysctr_ct_kill_held(struct sysctr *s, const char *name,
			struct sysctr_error **err);
/* One try of a ready check (see container-ready.c) of the running
 * container: 1 it passes, 0 not yet, -1 an error (SYSCTR_E_STATE when it
 * is not running). */
int sysctr_ct_ready_probe(struct sysctr *s, const char *name, const char *kind,
			  struct sysctr_error **err);

static inline void ct_config_free_p(struct sysctr_ct_config **c)
{
	sysctr_ct_config_free(*c);
	*c = NULL;
}
#define cleanup_ctconf __attribute__((cleanup(ct_config_free_p)))

#endif

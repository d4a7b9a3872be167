/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Part of the container module (container.h): what the kernel says of a
 * container, read through liblxc without changing anything. */
#ifndef SYSCTR_CONTAINER_LIVE_H
#define SYSCTR_CONTAINER_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"

/* Is the container running (or frozen)? From liblxc's command sockets,
 * without loading its config. */
bool sysctr_ct_is_active(struct sysctr *s, const char *name);
/* Names of every running (or frozen) container: one scan for a whole
 * list. NULL-terminated, never NULL; free with strv_free(). */
char **sysctr_ct_active_names(struct sysctr *s);

struct sysctr_ct_live {
	char *state;	      /* "STOPPED", "RUNNING", ...; "UNKNOWN" */
	pid_t pid;	      /* init's pid on the host, 0 when stopped */
	int64_t memory_usage; /* with detail, when running; else 0 */
	char *ipv4;	      /* with detail, when running: eth0's; or NULL */
};

/* What sysctr_ct_live_read() reads besides state and pid. */
enum {
	SYSCTR_LIVE_MEMORY = 1, /* memory use: a cgroup file */
	SYSCTR_LIVE_IPV4 = 2,	/* eth0's address: a look inside */
};

/* The live state of a container from liblxc (which loads its config):
 * state and pid, and what what asks of a running one. Never fails: what
 * liblxc cannot tell is "UNKNOWN" or 0. Clear with
 * sysctr_ct_live_clear(). */
void sysctr_ct_live_read(struct sysctr *s, const char *name, unsigned what,
			 struct sysctr_ct_live *out);
void sysctr_ct_live_clear(struct sysctr_ct_live *live);

/* The same for a running container from /proc and its cgroup files, no
 * liblxc: pid is the init pid recorded at its start. False, and *out
 * untouched, when pid is not that container's init any more (a reboot
 * inside, a stale row): then ask sysctr_ct_live_read(). what may ask
 * SYSCTR_LIVE_MEMORY only. */
bool sysctr_ct_live_quick(const char *name, pid_t pid, unsigned what,
			  struct sysctr_ct_live *out);

/* From /proc of a container's init (pid > 1). */
struct sysctr_ct_proc {
	int64_t uptime_s; /* since it started, -1 unknown */
	bool host_ids;	  /* the host's user namespace: its uid map is the
			     host's whole range (a privileged container) */
	bool lxcfs;	  /* lxcfs' files over its /proc (free, uptime and
			     nproc follow its limits) */
};
void sysctr_ct_proc_facts(pid_t pid, struct sysctr_ct_proc *out);

#endif

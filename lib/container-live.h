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

/* The live state of a container from liblxc (which loads its config):
 * state and pid, with detail also memory use and address. Never fails:
 * what liblxc cannot tell is "UNKNOWN" or 0. Clear with
 * sysctr_ct_live_clear(). */
void sysctr_ct_live_read(struct sysctr *s, const char *name, bool detail,
			 struct sysctr_ct_live *out);
void sysctr_ct_live_clear(struct sysctr_ct_live *live);

/* From /proc of a container's init (pid > 1): seconds since it started
 * (-1 unknown), and whether it runs in the host's user namespace (a
 * privileged container: its uid map is the host's whole range). */
void sysctr_ct_proc_facts(pid_t pid, int64_t *uptime_s, bool *host_ids);

#endif

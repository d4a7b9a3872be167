/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container.conf against this host: what parsing cannot know (a bridge,
 * a CPU, a mount's source exists here), checked before a start and when
 * config set or config edit change it, never only by liblxc halfway
 * through a start. */
#ifndef SYSCTR_CTCHECK_H
#define SYSCTR_CTCHECK_H

#include "conf.h"

/* Check what ct names on this host: the bridge of a bridged network
 * (sysctr.conf's when ct has none), that every CPU of resources.cpus is
 * online, that every mount's source exists. With old (the file before a
 * change), only values that differ from old are checked, so a change of
 * one key is not refused for another key's trouble. SYSCTR_E_USAGE,
 * naming the key and the value. */
int sysctr_ct_host_check(const struct sysctr_ct_config *ct,
			 const struct sysctr_ct_config *old,
			 const struct sysctr_host_config *host,
			 struct sysctr_error **err);

/* Parse a CPU list such as "0-3,6" (sysfs' and cpuset's format) into
 * bits, nbits of them; -1 on a syntax error or a CPU beyond nbits. */
int sysctr_cpulist_parse(const char *s, unsigned char *bits, size_t nbits);

#endif

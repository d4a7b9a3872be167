/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Can the mapped root of an unprivileged container reach a host directory?
 * liblxc mounts the rootfs (and bind mounts) as that root, inside the
 * container's user namespace: every directory on the way must let it
 * search, or the start fails with only "overlayfs: failed to resolve"
 * in the kernel log. */
#ifndef SYSCTR_REACH_H
#define SYSCTR_REACH_H

#include <stdint.h>

#include "error.h"

/* 0 when uid/gid BASE (root of a map of SIZE ids) can search every
 * directory from / down to PATH itself; else SYSCTR_E_FAILED with one line
 * naming the first directory that stops it, its mode and owner, and the
 * fix. WHAT says what PATH is ("the image's rootfs"). */
int sysctr_reach_check(const char *path, uint32_t base, uint32_t size,
		       const char *what, struct sysctr_error **err);
/* The same question for doctor: 1 with *blocker (free it) the first
 * directory from / down to PATH that uid/gid BASE cannot search, 0 when
 * there is none, -1 when a directory cannot be looked at. */
int sysctr_reach_blocker(const char *path, uint32_t base, uint32_t size,
			 char **blocker, struct sysctr_error **err);

#endif

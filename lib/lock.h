/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-container (and per-image) locks: flock() on a file in the locks
 * directory. The kernel drops the lock when the holder dies, so a killed
 * sysctr never leaves a stale lock behind. */
#ifndef SYSCTR_LOCK_H
#define SYSCTR_LOCK_H

#include "context.h"

/* Take the exclusive lock KEY (a container name or "image-..."), waiting
 * up to wait_seconds; SYSCTR_E_BUSY after that. Returns the lock fd, to be
 * released with sysctr_unlock() (or closed). */
int sysctr_lock(struct sysctr *s, const char *key, int wait_seconds,
		struct sysctr_error **err);
/* The same on a lock file of its own: locks of shared resources (an image
 * directory several roots may use) live beside the resource. */
int sysctr_lock_path(const char *path, int wait_seconds,
		     struct sysctr_error **err);
void sysctr_unlock(int fd);

static inline void sysctr_unlock_p(int *fd)
{
	sysctr_unlock(*fd);
	*fd = -1;
}
#define cleanup_lock __attribute__((cleanup(sysctr_unlock_p)))

#endif

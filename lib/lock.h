/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-container (and per-image) locks: flock() on a file in the locks
 * directory. The kernel drops the lock when the holder dies, so a killed
 * sysctr never leaves a stale lock behind. */
#ifndef SYSCTR_LOCK_H
#define SYSCTR_LOCK_H

#include <stdbool.h>

#include "context.h"

/* A lock file may be removed only by whoever holds its lock (doctor
 * --fix does, for names that are gone): a taker that finds the file it
 * locked unlinked takes the new one. */

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

/* The keys of the lock files in the locks directory (whatever holds
 * them), NULL-terminated, never NULL; free with strv_free(). */
char **sysctr_lock_keys(struct sysctr *s);
/* Is lock KEY free (nobody holds it)? Tried without waiting: 1 free (and
 * with remove, its file removed while this holds it), 0 held by a
 * process, -1 error. */
int sysctr_lock_free(struct sysctr *s, const char *key, bool remove,
		     struct sysctr_error **err);

static inline void sysctr_unlock_p(int *fd)
{
	sysctr_unlock(*fd);
	*fd = -1;
}
#define cleanup_lock __attribute__((cleanup(sysctr_unlock_p)))

#endif

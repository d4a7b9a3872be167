/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "error.h"
#include "lock.h"
#include "util.h"

/* Who holds it, for the error message: the holder writes its pid. */
static pid_t holder(int fd)
{
	char buf[32] = "";
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);

	if (r <= 0)
		return 0;
	buf[r] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

int sysctr_lock(struct sysctr *s, const char *key, int wait_seconds,
		struct sysctr_error **err)
{
	cleanup_free char *path = xasprintf("%s/%s.lock", s->locks_dir, key);

	return sysctr_lock_path(path, wait_seconds, err);
}

int sysctr_lock_path(const char *path, int wait_seconds,
		     struct sysctr_error **err)
{
	cleanup_close int fd = -1;
	double deadline = now_monotonic() + wait_seconds;
	char pid[32];
	int len;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "lock %s", path);
	for (;;) {
		struct timespec ts = { .tv_sec = 0,
				       .tv_nsec = 20 * 1000 * 1000 };

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "lock %s", path);
		if (now_monotonic() >= deadline) {
			pid_t p = holder(fd);

			if (p > 0)
				return sysctr_err(
				    err, SYSCTR_E_BUSY, 0,
				    "busy: sysctr (pid %d) holds "
				    "its lock since more than %d s",
				    (int)p, wait_seconds);
			return sysctr_err(
			    err, SYSCTR_E_BUSY, 0,
			    "busy: another sysctr holds its lock");
		}
		nanosleep(&ts, NULL);
	}
	/* Fixed width, so it overwrites the last holder's pid without a
	 * truncate (a metadata write, the slowest part of taking a lock). */
	len = snprintf(pid, sizeof(pid), "%-11d\n", (int)getpid());
	if (len > 0)
		(void)!pwrite(fd, pid, (size_t)len, 0);
	return steal_fd(&fd);
}

void sysctr_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "error.h"
#include "lock.h"
#include "util.h"

/* Who holds it, for the error message, or 0 when that is not known. Each
 * holder writes its pid, but the file keeps the last one's after it
 * exits, and another process (flock(1), a new process under a reused
 * pid) may hold the lock since: name the pid only while it is a live
 * sysctr. */
static pid_t holder(int fd)
{
	cleanup_free char *comm_path = NULL, *comm = NULL;
	char buf[32] = "";
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (r <= 0)
		return 0;
	buf[r] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || pid > INT32_MAX)
		return 0;
	comm_path = xasprintf("/proc/%ld/comm", pid);
	if (read_file(comm_path, &comm, NULL, NULL) < 0)
		return 0;
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "sysctr") == 0 ? (pid_t)pid : 0;
}

int sysctr_lock(struct sysctr *s, const char *key, int wait_seconds,
		struct sysctr_error **err)
{
	cleanup_free char *path = xasprintf("%s/%s.lock", s->locks_dir, key);

	return sysctr_lock_path(path, wait_seconds, err);
}

/* Wait for the lock on fd until deadline. */
static int wait_lock(int fd, const char *path, double deadline,
		     int wait_seconds, struct sysctr_error **err)
{
	for (;;) {
		struct timespec ts = { .tv_sec = 0,
				       .tv_nsec = 20 * 1000 * 1000 };

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
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
}

/* Is the locked fd still the file at path? `doctor --fix` removes a
 * stale lock file while it holds its lock; whoever opened the file
 * before and gets the lock after holds the lock of a file nobody else
 * will open again, and must take the new one. */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int sysctr_lock_path(const char *path, int wait_seconds,
		     struct sysctr_error **err)
{
	cleanup_close int fd = -1;
	double deadline = now_monotonic() + wait_seconds;
	char pid[32];
	int len;

	for (;;) {
		fd =
		    open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "lock %s", path);
		if (wait_lock(fd, path, deadline, wait_seconds, err) < 0)
			return -1;
		if (still_linked(fd, path))
			break;
		close_p(&fd);
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

char **sysctr_lock_keys(struct sysctr *s)
{
	cleanup_closedir DIR *d = opendir(s->locks_dir);
	char **keys = xcalloc(1, sizeof(char *));
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' &&
		    str_ends_with(de->d_name, ".lock")) {
			cleanup_free char *key =
			    xasprintf("%.*s", (int)(len - 5), de->d_name);

			strv_push(&keys, key);
		}
	}
	return keys;
}

int sysctr_lock_free(struct sysctr *s, const char *key, bool remove,
		     struct sysctr_error **err)
{
	cleanup_free char *path = xasprintf("%s/%s.lock", s->locks_dir, key);
	cleanup_close int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return 0;
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "lock %s", path);
	}
	/* removed while we hold it: see still_linked() */
	if (remove && still_linked(fd, path) && unlink(path) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "remove %s",
				  path);
	return 1;
}

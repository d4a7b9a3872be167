/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "error.h"
#include "log.h"
#include "util.h"

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t now_realtime(void)
{
	return (int64_t)time(NULL);
}

int mkdir_p(const char *path, mode_t mode, struct sysctr_error **err)
{
	cleanup_free char *copy = NULL;

	/* The common case, on every command: it is there already. */
	if (is_dir(path))
		return 0;
	copy = xstrdup(path);
	for (char *p = copy + 1;; p++) {
		bool last = (*p == '\0');

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create directory %s", copy);
		if (last)
			break;
		*p = '/';
	}
	if (!is_dir(path))
		return sysctr_err(err, SYSCTR_E_FAILED, ENOTDIR,
				  "create directory %s", path);
	return 0;
}

int dir_secure(const char *path, mode_t mode, gid_t gid,
	       struct sysctr_error **err)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (mkdir_p(path, 0711, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", path);
	if (st.st_uid == 0 && st.st_gid == gid && (st.st_mode & 07777) == mode)
		return 0;
	if (fchown(fd, 0, gid) < 0 || fchmod(fd, mode) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "set owner and mode of %s", path);
	log_info("%s: now root:%u, mode %04o (was %u:%u, %04o)", path,
		 (unsigned)gid, (unsigned)mode, (unsigned)st.st_uid,
		 (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* openat2(), retried on EAGAIN: with RESOLVE_IN_ROOT or RESOLVE_BENEATH
 * the kernel answers that when a rename elsewhere raced with a ".." it
 * resolved, and asks the caller to try again. */
static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	long r = -1;

	for (int i = 0; i < 32; i++) {
		r = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
		if (r >= 0 || errno != EAGAIN)
			break;
	}
	return r;
}

/* rm_rf() walks down and up again holding one directory open at a time:
 * a container can nest directories deeper than sysctr may open files, and
 * its destroy must still finish. What it remembers per level (name,
 * device and inode, the subdirectories still to do) is memory, not file
 * descriptors. */
struct rm_level {
	char *name; /* in its parent; NULL for the top */
	dev_t dev;
	ino_t ino;
	char **subdirs;
	size_t nsub, cap, next;
};

struct rm_walk {
	const char *top;
	dev_t dev;
	struct rm_level *levels;
	size_t depth, cap; /* levels[depth] is the directory open now */
};

static void rm_level_clear(struct rm_level *l)
{
	for (size_t i = 0; i < l->nsub; i++)
		free(l->subdirs[i]);
	free(l->subdirs);
	l->subdirs = NULL;
	l->nsub = l->cap = l->next = 0;
}

/* The path of the current directory (and name in it) for a message; a
 * deep one is shortened to its top and its last components. */
static char *rm_path(const struct rm_walk *w, const char *name)
{
	size_t from = 1, len = strlen(w->top);
	char *p, *q;

	for (size_t i = w->depth; i >= 1; i--) {
		len += strlen(w->levels[i].name) + 1;
		if (len > 200)
			break;
		from = i;
	}
	p = xasprintf("%s%s", w->top, from > 1 ? "/..." : "");
	for (size_t i = from; i <= w->depth; i++) {
		q = xasprintf("%s/%s", p, w->levels[i].name);
		free(p);
		p = q;
	}
	if (name != NULL) {
		q = xasprintf("%s/%s", p, name);
		free(p);
		p = q;
	}
	return p;
}

static int rm_fail(const struct rm_walk *w, const char *name, int errnum,
		   const char *why, struct sysctr_error **err)
{
	cleanup_free char *p = rm_path(w, name);

	return sysctr_err(err, SYSCTR_E_FAILED, errnum, "remove %s%s", p,
			  why ? why : "");
}

/* One pass over the open directory: everything but directories goes,
 * the names of the directories are kept for the way down. */
static int rm_scan(struct rm_walk *w, int fd, struct sysctr_error **err)
{
	struct rm_level *l = &w->levels[w->depth];
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	rm_level_clear(l);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		int e = errno;

		if (dfd >= 0)
			close(dfd);
		return rm_fail(w, NULL, e, NULL, err);
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return rm_fail(w, de->d_name, errno, NULL, err);
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
				return rm_fail(w, de->d_name, errno, NULL, err);
			continue;
		}
		if (l->nsub == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 16;
			l->subdirs =
			    xrealloc(l->subdirs, l->cap * sizeof(char *));
		}
		l->subdirs[l->nsub++] = xstrdup(de->d_name);
	}
	if (errno != 0)
		return rm_fail(w, NULL, errno, NULL, err);
	return 0;
}

/* A subdirectory of fd, never through a link and never into a mount
 * (openat2() sees bind mounts of the same filesystem too). */
static int open_subdir(int fd, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve =
		    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
	};
	long r = sys_openat2(fd, name, &how);

	if (r >= 0 || errno != ENOSYS)
		return (int)r;
	return openat(fd, name, (int)how.flags);
}

/* Down into name: 1 when *fd is now that directory, 0 when it was gone
 * or no directory any more (then it was dealt with here). */
static int rm_descend(struct rm_walk *w, int *fd, const char *name,
		      struct sysctr_error **err)
{
	struct stat st, got;
	int sub;

	if (fstatat(*fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : rm_fail(w, name, errno, NULL, err);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(*fd, name, 0) < 0 && errno != ENOENT)
			return rm_fail(w, name, errno, NULL, err);
		return 0;
	}
	/* A bind mount left in a rootfs must not take the host's files
	 * with it: umount_below() detached what it knew of, anything
	 * else is an error. */
	if (st.st_dev != w->dev)
		return rm_fail(w, name, EBUSY, ": a mount point", err);
	sub = open_subdir(*fd, name);
	if (sub < 0)
		return rm_fail(w, name, errno,
			       errno == EXDEV ? ": a mount point" : NULL, err);
	if (fstat(sub, &got) < 0 || got.st_dev != st.st_dev ||
	    got.st_ino != st.st_ino) {
		close(sub);
		return rm_fail(w, name, 0, ": it changed while being removed",
			       err);
	}
	if (w->depth + 1 == w->cap) {
		w->cap *= 2;
		w->levels = xrealloc(w->levels, w->cap * sizeof(*w->levels));
	}
	w->depth++;
	w->levels[w->depth] = (struct rm_level){
		.name = xstrdup(name),
		.dev = got.st_dev,
		.ino = got.st_ino,
	};
	close(*fd);
	*fd = sub;
	return 1;
}

/* Up from the emptied current directory to its parent, which must be the
 * directory it came down from, and remove it there. */
static int rm_ascend(struct rm_walk *w, int *fd, struct sysctr_error **err)
{
	struct rm_level *l = &w->levels[w->depth];
	const struct rm_level *up = &w->levels[w->depth - 1];
	cleanup_free char *name = NULL;
	struct stat st;
	int parent = openat(*fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (parent < 0)
		return rm_fail(w, "..", errno, NULL, err);
	if (fstat(parent, &st) < 0 || st.st_dev != up->dev ||
	    st.st_ino != up->ino) {
		close(parent);
		return rm_fail(w, NULL, 0, ": it moved while being removed",
			       err);
	}
	close(*fd);
	*fd = parent;
	w->depth--;
	name = steal_ptr(&l->name);
	rm_level_clear(l);
	/* Not empty after all (something wrote into it meanwhile): the
	 * parent's next pass finds it again. */
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
	    errno != ENOTEMPTY && errno != EEXIST)
		return rm_fail(w, name, errno, NULL, err);
	return 0;
}

/* Empty the directory fd (the walk's top), which this closes. */
static int rm_below(struct rm_walk *w, int fd, struct sysctr_error **err)
{
	int ret = 0;

	for (;;) {
		struct rm_level *l = &w->levels[w->depth];

		if (l->next == l->nsub) {
			/* Done with what the last pass found: one more pass
			 * removes what is left, or finds it empty. */
			ret = rm_scan(w, fd, err);
			if (ret < 0)
				break;
			if (l->nsub == 0) {
				if (w->depth == 0)
					break;
				ret = rm_ascend(w, &fd, err);
				if (ret < 0)
					break;
				continue;
			}
		}
		ret = rm_descend(w, &fd, l->subdirs[l->next++], err);
		if (ret < 0)
			break;
	}
	close(fd);
	return ret < 0 ? -1 : 0;
}

static int umount_below(const char *path);

int rm_rf(const char *path, struct sysctr_error **err)
{
	struct rm_walk w = { .top = path };
	struct stat st, got;
	int fd, ret;

	/* What a template or a dead container left mounted inside goes
	 * first: the walk never crosses into a mount. */
	umount_below(path);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "remove %s",
				  path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "remove %s", path);
		return 0;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "remove %s",
				  path);
	if (fstat(fd, &got) < 0 || got.st_dev != st.st_dev ||
	    got.st_ino != st.st_ino) {
		close(fd);
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "remove %s: it changed while being removed",
				  path);
	}
	w.dev = got.st_dev;
	w.cap = 64;
	w.levels = xcalloc(w.cap, sizeof(*w.levels));
	w.levels[0].dev = got.st_dev;
	w.levels[0].ino = got.st_ino;
	ret = rm_below(&w, fd, err);
	for (size_t i = 0; i <= w.depth; i++) {
		free(w.levels[i].name);
		rm_level_clear(&w.levels[i]);
	}
	free(w.levels);
	if (ret < 0)
		return -1;
	if (rmdir(path) < 0 && errno != ENOENT)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "remove %s",
				  path);
	return 0;
}

int read_file(const char *path, char **out, size_t *len,
	      struct sysctr_error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t size = 0, cap = 4096;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sysctr_err(
		    err, errno == ENOENT ? SYSCTR_E_NOT_FOUND : SYSCTR_E_FAILED,
		    errno, "read %s", path);
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (size + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + size, cap - size - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "read %s", path);
		}
		if (r == 0)
			break;
		size += (size_t)r;
	}
	buf[size] = '\0';
	if (len)
		*len = size;
	*out = steal_ptr(&buf);
	return 0;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EAGAIN) {
			/* a non-blocking fd: wait until it takes more */
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_file(const char *path, const char *data, size_t len,
		      mode_t mode, bool durable, struct sysctr_error **err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	cleanup_close int fd = -1;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				  path);
	if (write_all(fd, data, len) < 0)
		goto undo_tmp;
	if (fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0))
		goto undo_tmp;
	if (close(steal_fd(&fd)) < 0)
		goto undo_tmp;
	if (rename(tmp, path) < 0)
		goto undo_tmp;
	return 0;

undo_tmp:
	sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s", path);
	unlink(tmp);
	return -1;
}

int write_file_atomic(const char *path, const char *data, size_t len,
		      mode_t mode, struct sysctr_error **err)
{
	return write_file(path, data, len, mode, true, err);
}

int write_file_replace(const char *path, const char *data, size_t len,
		       mode_t mode, struct sysctr_error **err)
{
	return write_file(path, data, len, mode, false, err);
}

void rm_rf_or_warn(const char *path, const char *what)
{
	struct sysctr_error *e = NULL;

	if (rm_rf(path, &e) < 0)
		sysctr_log_warn_error(e, what);
}

/* Without openat2(): one component at a time, each refused if it is a
 * symbolic link or "..", which keeps the walk inside the tree. */
static int open_nofollow_walk(int rootfd, const char *relpath, int flags,
			      mode_t mode)
{
	cleanup_free char *copy = xstrdup(relpath);
	cleanup_close int dir = -1;
	char *save = NULL, *comp = strtok_r(copy, "/", &save);
	int cur = rootfd;

	if (comp == NULL) {
		errno = ENOENT;
		return -1;
	}
	for (;;) {
		char *next = strtok_r(NULL, "/", &save);
		int sub;

		if (strcmp(comp, "..") == 0) {
			errno = EXDEV;
			return -1;
		}
		if (next == NULL)
			return openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC,
				      mode);
		if (strcmp(comp, ".") != 0) {
			sub = openat(cur, comp,
				     O_PATH | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
			if (sub < 0)
				return -1;
			close_p(&dir);
			dir = sub;
			cur = dir;
		}
		comp = next;
	}
}

int open_beneath(int rootfd, const char *relpath, int flags, mode_t mode)
{
	bool creat = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = creat ? mode : 0,
		/* IN_ROOT rather than BENEATH: a link resolves as the
		 * container will see it, so a tree whose /etc is a link to
		 * another of its directories still gets its hostname there. */
		.resolve =
		    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = sys_openat2(rootfd, relpath, &how);

	if (fd >= 0 || errno != ENOSYS)
		return (int)fd;
	return open_nofollow_walk(rootfd, relpath, flags, mode);
}

/* The directory of relpath below rootfd (rootfd itself for a plain name);
 * *base points at the last component. -1 with errno. */
static int open_parent_beneath(int rootfd, char *relpath, const char **base)
{
	char *slash = strrchr(relpath, '/');

	*base = slash ? slash + 1 : relpath;
	if (**base == '\0' || strcmp(*base, ".") == 0 ||
	    strcmp(*base, "..") == 0) {
		errno = EINVAL;
		return -1;
	}
	if (slash == NULL)
		return fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	*slash = '\0';
	return open_beneath(rootfd, relpath, O_PATH | O_DIRECTORY, 0);
}

int mkdir_beneath(int rootfd, const char *relpath, mode_t mode, uid_t uid,
		  gid_t gid, struct sysctr_error **err)
{
	cleanup_free char *copy = xstrdup(relpath);
	cleanup_close int parent = -1, fd = -1;
	const char *base;

	parent = open_parent_beneath(rootfd, copy, &base);
	if (parent < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  relpath);
	if (mkdirat(parent, base, mode) < 0) {
		if (errno != EEXIST)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create %s", relpath);
		/* Whatever is there must be a directory of the tree. */
		fd = open_beneath(rootfd, relpath, O_PATH | O_DIRECTORY, 0);
		if (fd < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create %s", relpath);
		return 1;
	}
	fd = openat(parent, base,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  relpath);
	return 0;
}

/* A new file of our own in dirfd: O_EXCL and O_NOFOLLOW, so nothing that
 * was there is opened. */
static int create_tmp_at(int dirfd, char *name, size_t size)
{
	static unsigned counter;

	for (int i = 0; i < 100; i++) {
		int fd;

		snprintf(name, size, ".sysctr-tmp.%d.%u", (int)getpid(),
			 counter++);
		fd = openat(
		    dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

int write_file_beneath(int rootfd, const char *relpath, const char *data,
		       size_t len, mode_t mode, uid_t uid, gid_t gid,
		       struct sysctr_error **err)
{
	cleanup_free char *copy = xstrdup(relpath);
	cleanup_close int dir = -1, fd = -1;
	char tmp[64];
	const char *base;

	dir = open_parent_beneath(rootfd, copy, &base);
	if (dir < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				  relpath);
	fd = create_tmp_at(dir, tmp, sizeof(tmp));
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				  relpath);
	if (write_all(fd, data, len) < 0)
		goto undo_tmp;
	/* chmod after chown: chown clears setuid and setgid bits */
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto undo_tmp;
	if (close(steal_fd(&fd)) < 0)
		goto undo_tmp;
	/* rename replaces a link that was there instead of following it */
	if (renameat(dir, tmp, dir, base) < 0)
		goto undo_tmp;
	return 0;

undo_tmp:
	sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s", relpath);
	unlinkat(dir, tmp, 0);
	return -1;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] &&
		    r[3]) {
			*w++ = (char)(((r[1] - '0') << 6) |
				      ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

bool mountinfo_fields(char *line, struct mountinfo_line *m)
{
	char *save = NULL, *tok = strtok_r(line, " \n", &save);

	for (int i = 1; tok != NULL && i < 5; i++) {
		tok = strtok_r(NULL, " \n", &save);
		if (i == 3)
			m->root = tok;
	}
	if (tok == NULL)
		return false;
	m->point = tok;
	/* the optional fields end at a lone "-" */
	while ((tok = strtok_r(NULL, " \n", &save)) != NULL &&
	       strcmp(tok, "-") != 0)
		;
	m->fstype = strtok_r(NULL, " \n", &save);
	if (tok == NULL || m->fstype == NULL ||
	    strtok_r(NULL, " \n", &save) == NULL)
		return false;
	m->super = strtok_r(NULL, " \n", &save);
	if (m->super == NULL)
		m->super = (char *)"";
	unescape_octal(m->root);
	unescape_octal(m->point);
	return true;
}

bool word_in_list(const char *list, const char *word, const char *seps)
{
	size_t len = strlen(word);

	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, seps);

		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

/* Detach every mount at or below path, deepest first: a template or a
 * container that died can leave mounts behind, and nothing of them may
 * survive the removal of their directory. */
static int umount_below(const char *path)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	cleanup_strv char **found = NULL;
	size_t cap = 0, plen = strlen(path);
	int n = 0;

	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok = strtok_r(line, " ", &save);

		/* the fifth field is the mount point */
		for (int i = 1; tok != NULL && i < 5; i++)
			tok = strtok_r(NULL, " ", &save);
		if (tok == NULL)
			continue;
		unescape_octal(tok);
		if (strncmp(tok, path, plen) == 0 &&
		    (tok[plen] == '\0' || tok[plen] == '/'))
			strv_push(&found, tok);
	}
	/* Later lines are mounted later, on top of or below earlier ones:
	 * undo them in reverse. */
	for (size_t i = strv_length(found); i > 0; i--) {
		if (umount2(found[i - 1], MNT_DETACH) == 0)
			n++;
	}
	return n;
}

/* Inodes seen with more than one link, so a hard link counts once. */
struct seen {
	dev_t *dev;
	ino_t *ino;
	size_t n, cap;
};

static bool seen_before(struct seen *v, const struct stat *st)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->dev[i] == st->st_dev && v->ino[i] == st->st_ino)
			return true;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->dev = xrealloc(v->dev, v->cap * sizeof(*v->dev));
		v->ino = xrealloc(v->ino, v->cap * sizeof(*v->ino));
	}
	v->dev[v->n] = st->st_dev;
	v->ino[v->n] = st->st_ino;
	v->n++;
	return false;
}

static int64_t dir_size(int dfd, struct seen *seen, int depth)
{
	DIR *d;
	struct dirent *de;
	int64_t total = 0;

	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) &&
		    seen_before(seen, &st))
			continue;
		total += (int64_t)st.st_blocks * 512;
		/* deeper than any sane tree: the rest is not counted */
		if (S_ISDIR(st.st_mode) && depth < 256) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);

			if (sub >= 0)
				total += dir_size(sub, seen, depth + 1);
		}
	}
	closedir(d);
	return total;
}

int64_t tree_size(const char *path)
{
	struct seen seen = { 0 };
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t total;

	if (fd < 0)
		return 0;
	total = dir_size(fd, &seen, 0);
	free(seen.dev);
	free(seen.ino);
	return total;
}

int die_with_parent(pid_t parent, int sig)
{
	/* The parent may have died between fork() and prctl(): then the
	 * signal never comes, and getppid() is no longer the parent. */
	if (prctl(PR_SET_PDEATHSIG, sig) < 0 || getppid() != parent)
		return -1;
	return 0;
}

/* fork and exec argv with stdin from in_fd and stdout to out_fd (-1:
 * ours). The child is killed when sysctr dies: a create killed during its
 * copy must not leave a cp copying on. */
static pid_t spawn(char *const argv[], int in_fd, int out_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (die_with_parent(parent, SIGKILL) < 0)
		_exit(127);
	if ((in_fd >= 0 && dup2(in_fd, 0) < 0) ||
	    (out_fd >= 0 && dup2(out_fd, 1) < 0))
		_exit(127);
	execv(argv[0], argv);
	_exit(127);
}

static int wait_ok(pid_t pid, const char *what, struct sysctr_error **err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sysctr_err(err, SYSCTR_E_FAILED, errno, "wait");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sysctr_err(
		    err, SYSCTR_E_FAILED, 0, "%s failed (%s %d)", what,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

/* At most 64 KiB of fd into a new string. */
static char *read_all(int fd)
{
	char *buf = xmalloc(65536);
	size_t len = 0;

	for (;;) {
		ssize_t r = read(fd, buf + len, 65535 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == 65535)
			break;
	}
	buf[len] = '\0';
	return buf;
}

/* Run argv (argv[0] a full path) and wait; stdout into *out when out is
 * not NULL (at most 64 KiB), stderr to ours. Fails unless it exits 0. */
int run_capture(char *const argv[], char **out, struct sysctr_error **err)
{
	cleanup_free char *buf = NULL;
	int pipefd[2] = { -1, -1 };
	pid_t pid;
	int ret;

	if (out != NULL && pipe2(pipefd, O_CLOEXEC) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "pipe");
	pid = spawn(argv, -1, pipefd[1]);
	close_p(&pipefd[1]);
	if (pid < 0) {
		close_p(&pipefd[0]);
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "fork");
	}
	if (pipefd[0] >= 0) {
		buf = read_all(pipefd[0]);
		close_p(&pipefd[0]);
	}
	ret = wait_ok(pid, argv[0], err);
	if (ret == 0 && out != NULL)
		*out = steal_ptr(&buf);
	return ret;
}

static void close_pipe(int (*p)[2])
{
	close_p(&(*p)[0]);
	close_p(&(*p)[1]);
}
#define cleanup_pipe __attribute__((cleanup(close_pipe)))

int run_pipe(char *const argv1[], char *const argv2[], char **out,
	     struct sysctr_error **err)
{
	cleanup_pipe int link[2] = { -1, -1 };
	cleanup_pipe int res[2] = { -1, -1 };
	cleanup_free char *buf = NULL;
	pid_t p1 = -1, p2 = -1;
	int ret;

	if (pipe2(link, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "pipe");
	p1 = spawn(argv1, -1, link[1]);
	if (p1 > 0)
		p2 = spawn(argv2, link[0], res[1]);
	ret = (p1 < 0 || p2 < 0) ? -1 : 0;
	if (ret < 0)
		sysctr_err(err, SYSCTR_E_FAILED, errno, "fork");
	close_pipe(&link);
	close_p(&res[1]);
	if (p2 > 0)
		buf = read_all(res[0]);
	/* Both are waited for, and both must succeed (pipefail). The first
	 * failure is the error: the other is often its consequence (a
	 * reader gone, a writer that stopped early). */
	if (p1 > 0 && wait_ok(p1, argv1[0], ret < 0 ? NULL : err) < 0)
		ret = -1;
	if (p2 > 0 && wait_ok(p2, argv2[0], ret < 0 ? NULL : err) < 0)
		ret = -1;
	if (ret == 0)
		*out = steal_ptr(&buf);
	return ret;
}

/* cp -a keeps hard links, xattrs, ACLs, file capabilities and device
 * nodes, and reflinks where the filesystem can. */
int copy_tree(const char *from, const char *to, struct sysctr_error **err)
{
	char *argv[] = { (char *)"/bin/cp",
			 (char *)"-a",
			 (char *)"--reflink=auto",
			 (char *)"--",
			 (char *)from,
			 (char *)to,
			 NULL };

	if (run_capture(argv, NULL, err) < 0)
		return sysctr_err_prefix(err, "copy %s to %s", from, to);
	return 0;
}

bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* The initial user namespace maps all of 0-4294967294 onto itself. */
bool in_user_namespace(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inside, outside, count;

	if (f == NULL ||
	    fscanf(f, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return false;
	return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

bool apparmor_enabled(void)
{
	cleanup_free char *v = NULL;

	if (read_file("/sys/module/apparmor/parameters/enabled", &v, NULL,
		      NULL) < 0)
		return false;
	return v[0] == 'Y';
}

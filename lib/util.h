/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String, time, file and process utilities of lib/. It includes macro.h
 * (cleanup attributes, ownership transfer) and alloc.h (x*alloc, strv_*),
 * which a file that needs only those includes instead. */
#ifndef SYSCTR_UTIL_H
#define SYSCTR_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "macro.h"

struct sysctr_error;

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

/* Monotonic clock in seconds. */
double now_monotonic(void);
int64_t now_realtime(void);

/* mkdir -p with mode for every created component. */
int mkdir_p(const char *path, mode_t mode, struct sysctr_error **err);

/* Make sure the directory path exists (its missing parents made 0711)
 * and is owned by root:gid with mode: one made by an older version with
 * other bits is fixed. */
int dir_secure(const char *path, mode_t mode, gid_t gid,
	       struct sysctr_error **err);

/* rm -rf that first detaches every mount below path (umount_below), then
 * never crosses into another mount and never follows symlinks; a missing
 * path is success. */
int rm_rf(const char *path, struct sysctr_error **err);
/* The same where a failure is survived: it is logged as a warning naming
 * what was being removed. */
void rm_rf_or_warn(const char *path, const char *what);

/* Write all of DATA, through EINTR and, on a non-blocking fd, EAGAIN;
 * -1 with errno set otherwise. */
int write_all(int fd, const void *data, size_t len);

/* Whole file into a NUL-terminated string. */
int read_file(const char *path, char **out, size_t *len,
	      struct sysctr_error **err);

/* Write data to path atomically: temp file in the same directory, fsync,
 * rename. The file gets mode. */
int write_file_atomic(const char *path, const char *data, size_t len,
		      mode_t mode, struct sysctr_error **err);
/* The same without the fsync, for files that are derived and written anew
 * when needed (the generated liblxc config): readers still never see a
 * half-written file. */
int write_file_replace(const char *path, const char *data, size_t len,
		       mode_t mode, struct sysctr_error **err);

/* Bytes on disk of the tree at path (st_blocks), not following links,
 * each inode once (hard links are not counted twice). */
int64_t tree_size(const char *path);

/* Run argv (argv[0] a full path) and wait; its stdout into *out when out
 * is not NULL. Fails unless it exits 0. */
int run_capture(char *const argv[], char **out, struct sysctr_error **err);

/* argv1 | argv2, each argv[0] a full path; argv2's stdout into *out (at
 * most 64 KiB). Fails unless both exit 0. */
int run_pipe(char *const argv1[], char *const argv2[], char **out,
	     struct sysctr_error **err);

/* In a child just forked by parent: be killed by sig when the parent
 * dies. -1 if the parent is gone already (the child should exit). Every
 * child sysctr starts does this, so none outlives a killed sysctr. */
int die_with_parent(pid_t parent, int sig);

/* cp -a --reflink=auto FROM TO: a whole tree with everything kept. */
int copy_tree(const char *from, const char *to, struct sysctr_error **err);

/* openat() of relpath below the directory rootfd, every component
 * (symbolic links included) resolved as if rootfd were "/": an absolute
 * or ".." link stays inside the tree, nothing outside it is ever reached,
 * no mount is crossed. For the host's writes into a rootfs that a
 * container or a tarball made. -1 with errno on failure; without openat2()
 * it refuses every symbolic link (ELOOP) and "..". */
int open_beneath(int rootfd, const char *relpath, int flags, mode_t mode);

/* mkdir of relpath below rootfd (resolved as by open_beneath()), owned by
 * uid:gid when it is made. 0 made, 1 a directory there already. */
int mkdir_beneath(int rootfd, const char *relpath, mode_t mode, uid_t uid,
		  gid_t gid, struct sysctr_error **err);

/* Write relpath below rootfd atomically (a temporary file beside it, then
 * a rename that replaces whatever was there, a symbolic link included),
 * with mode and owner uid:gid. Its directory is resolved as by
 * open_beneath(). */
int write_file_beneath(int rootfd, const char *relpath, const char *data,
		       size_t len, mode_t mode, uid_t uid, gid_t gid,
		       struct sysctr_error **err);

bool path_exists(const char *path);
bool is_dir(const char *path);

/* mountinfo's fields escape blanks and backslashes as \ooo: undo it in
 * place. */
void unescape_octal(char *s);
/* The fields of one line of mountinfo ("ID PARENT MAJ:MIN ROOT
 * MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS"), cut
 * in place; root and point unescaped. False for a line that is not one. */
struct mountinfo_line {
	char *root, *point, *fstype, *super;
};
bool mountinfo_fields(char *line, struct mountinfo_line *m);
/* Is word one of the words of list, separated by any of seps? */
bool word_in_list(const char *list, const char *word, const char *seps);

/* Is the running kernel at least major.minor? */
bool kernel_at_least(int major, int minor);
/* Does sysctr run in a user namespace of its own (a system container
 * with nesting)? */
bool in_user_namespace(void);
/* Is AppArmor on in the kernel (so liblxc confines each container by a
 * profile it generates)? */
bool apparmor_enabled(void);

#endif

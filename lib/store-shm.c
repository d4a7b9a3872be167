/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry's WAL index (sysctr.db-shm) reset in place.
 *
 * The first connection to a WAL database (in sysctr: every command, as no
 * sysctr keeps the registry open) resets the -shm file so that nothing a
 * crash left in it is trusted: SQLite's unix VFS truncates it to 3 bytes,
 * grows it again page by page, and rebuilds the index from the WAL.
 * Truncating frees the file's blocks once they were written back, which
 * happens at every container stop (unmounting an overlay syncs the
 * filesystem under it) and every half minute anyway; on a filesystem
 * mounted with "discard" each freed block waits for the disk (0.15 to
 * 0.4 ms per command on the development VMs, measured with strace -T).
 *
 * Zeroing the file where it is resets it just as well: the header SQLite
 * reads next is zero, so the index is rebuilt from the WAL exactly as
 * after a truncation, and the size the index needs is still there, so the
 * file keeps its blocks and nothing is freed. This goes through the one
 * documented hook SQLite offers for it, the unix VFS's xSetSystemCall,
 * and touches nothing but a -shm file being truncated to 3 bytes; every
 * other ftruncate (the WAL's truncating checkpoint, the database's) is
 * SQLite's own. A -shm file too large to zero cheaply is truncated. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store-sql.h"

/* SQLite's size of a truncated -shm file ("less than the header"). */
#define SHM_TRUNCATED_SIZE 3
/* Zeroed in place up to this size (the index of 16 000 WAL frames). */
#define SHM_ZERO_MAX (128 * 1024)

typedef int (*ftruncate_fn)(int, off_t);

static ftruncate_fn real_ftruncate;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* Whether fd is open on a file whose name ends in "-shm". */
static bool is_shm_file(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len < 4)
		return false;
	path[len] = '\0';
	return strcmp(path + len - 4, "-shm") == 0;
}

static int zero_in_place(int fd, off_t size)
{
	static const char zeros[16384];
	off_t off = 0;

	while (off < size) {
		size_t n = (size_t)(size - off) < sizeof(zeros)
			       ? (size_t)(size - off)
			       : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += w;
	}
	return 0;
}

int store_shm_ftruncate(int fd, off_t size)
{
	ftruncate_fn truncate_fn = real_ftruncate ? real_ftruncate : ftruncate;
	struct stat sb;

	if (size != SHM_TRUNCATED_SIZE || !is_shm_file(fd) ||
	    fstat(fd, &sb) < 0 || sb.st_size <= SHM_TRUNCATED_SIZE ||
	    sb.st_size > SHM_ZERO_MAX)
		return truncate_fn(fd, size);
	/* Half-zeroed is still reset (the header comes first); a failure
	 * falls back on the truncation itself. */
	if (zero_in_place(fd, sb.st_size) < 0)
		return truncate_fn(fd, size);
	return 0;
}

static void install(void)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find("unix");

	if (vfs == NULL || vfs->iVersion < 3 || vfs->xGetSystemCall == NULL ||
	    vfs->xSetSystemCall == NULL)
		return;
	real_ftruncate = (ftruncate_fn)vfs->xGetSystemCall(vfs, "ftruncate");
	if (real_ftruncate == NULL)
		return;
	if (vfs->xSetSystemCall(vfs, "ftruncate",
				(sqlite3_syscall_ptr)store_shm_ftruncate) !=
	    SQLITE_OK)
		real_ftruncate = NULL;
}

void store_shm_install(void)
{
	pthread_once(&install_once, install);
}

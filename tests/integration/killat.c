/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An LD_PRELOAD library for the crash tests: SYSCTR_TEST_KILL=CALL:N kills
 * the process with SIGKILL when it makes its Nth call of CALL (rename,
 * mkdir or linkat), before the call happens; CALL:TEXT at the first call
 * whose path (the first one, for rename; the new one, for linkat)
 * contains TEXT. Only the process that loads it
 * first is affected: the variable is removed at once, so the children sysctr
 * runs (cp, templates) do not inherit it. Built by the test that uses it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char call[16];
static char text[256];
static long at;
static long seen_rename, seen_mkdir, seen_linkat;

__attribute__((constructor)) static void killat_init(void)
{
	const char *v = getenv("SYSCTR_TEST_KILL");
	const char *colon;

	if (v == NULL || (colon = strchr(v, ':')) == NULL ||
	    (size_t)(colon - v) >= sizeof(call))
		return;
	memcpy(call, v, (size_t)(colon - v));
	if (strspn(colon + 1, "0123456789") == strlen(colon + 1))
		at = strtol(colon + 1, NULL, 10);
	else
		snprintf(text, sizeof(text), "%s", colon + 1);
	unsetenv("SYSCTR_TEST_KILL");
	unsetenv("LD_PRELOAD");
}

static void maybe_die(const char *name, const char *path, long *seen)
{
	if (strcmp(call, name) != 0)
		return;
	if ((at > 0 && ++*seen == at) ||
	    (text[0] != '\0' && strstr(path, text) != NULL))
		raise(SIGKILL);
}

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);

	maybe_die("rename", from, &seen_rename);
	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
								  "rename");
	return real(from, to);
}

int mkdir(const char *path, mode_t mode)
{
	static int (*real)(const char *, mode_t);

	maybe_die("mkdir", path, &seen_mkdir);
	if (real == NULL)
		real = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	return real(path, mode);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	   int flags)
{
	static int (*real)(int, const char *, int, const char *, int);

	maybe_die("linkat", newpath, &seen_linkat);
	if (real == NULL)
		real = (int (*)(int, const char *, int, const char *,
				int))dlsym(RTLD_NEXT, "linkat");
	return real(olddirfd, oldpath, newdirfd, newpath, flags);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every file of sysctr includes and that depends on nothing of
 * sysctr: the export marker, cleanup attributes, ownership transfer,
 * ARRAY_SIZE. Header only. */
#ifndef SYSCTR_MACRO_H
#define SYSCTR_MACRO_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SYSCTR_PUBLIC __attribute__((visibility("default")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void free_p(void *p)
{
	free(*(void **)p);
	*(void **)p = NULL;
}

static inline void close_p(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static inline void fclose_p(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

static inline void closedir_p(DIR **d)
{
	if (*d)
		closedir(*d);
	*d = NULL;
}

/* A NULL-terminated array of strings, each and the array from malloc. */
static inline void strv_free(char **strv)
{
	if (strv == NULL)
		return;
	for (char **p = strv; *p; p++)
		free(*p);
	free(strv);
}

static inline void strv_free_p(char ***strv)
{
	strv_free(*strv);
	*strv = NULL;
}

#define cleanup_free __attribute__((cleanup(free_p)))
#define cleanup_close __attribute__((cleanup(close_p)))
#define cleanup_fclose __attribute__((cleanup(fclose_p)))
#define cleanup_closedir __attribute__((cleanup(closedir_p)))
#define cleanup_strv __attribute__((cleanup(strv_free_p)))

/* Hand out ownership of a cleanup variable: the variable is disarmed. */
#define steal_ptr(pp)                                                          \
	({                                                                     \
		__typeof__(*(pp)) steal_tmp_ = *(pp);                          \
		*(pp) = NULL;                                                  \
		steal_tmp_;                                                    \
	})

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Allocation that cannot fail from the caller's point of view: sysctr
 * treats out-of-memory as fatal (abort), as git and crun do. Needs nothing
 * of sysctr above macro.h, so the error module can use it. */
#ifndef SYSCTR_ALLOC_H
#define SYSCTR_ALLOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Never NULL (xstrdup_or_null of NULL excepted): said to the compiler
 * too, so its analyzer follows no path where they failed. */
#define SYSCTR_NONNULL_RET __attribute__((returns_nonnull))
void *xmalloc(size_t n) SYSCTR_NONNULL_RET;
void *xcalloc(size_t n, size_t size) SYSCTR_NONNULL_RET;
void *xrealloc(void *p, size_t n) SYSCTR_NONNULL_RET;
char *xstrdup(const char *s) SYSCTR_NONNULL_RET;
char *xstrdup_or_null(const char *s);
char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2))) SYSCTR_NONNULL_RET;
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0))) SYSCTR_NONNULL_RET;

size_t strv_length(char *const *strv);
/* Append a copy of s; *strv may be NULL. */
void strv_push(char ***strv, const char *s);
bool strv_contains(char *const *strv, const char *s);
/* The same strings in the same order (NULL is empty). */
bool strv_equal(char *const *a, char *const *b);
/* The strings joined with sep between them; "" for an empty list. */
char *strv_join(char *const *strv, const char *sep);

#endif

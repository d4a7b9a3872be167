/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What list, info and the managed network read of each container.conf,
 * kept in the registry (store-summary.c) with the stamp of the file it was
 * read from: a caller that goes through many containers parses only the
 * files that changed since (by sysctr or by hand), not all of them. */
#ifndef SYSCTR_CONF_CACHE_H
#define SYSCTR_CONF_CACHE_H

#include "context.h"
#include "store.h"

/* One pass over containers: the registry's summaries, and those read anew
 * on the way, kept when the pass ends. */
struct sysctr_conf_cache {
	struct sysctr_summary *sums; /* the registry's, by name */
	size_t nsums;
	struct sysctr_summary *fresh; /* read anew, to keep */
	size_t nfresh;
};

/* Begin a pass: the registry's summaries (none when it cannot give them:
 * then every file is read). */
void sysctr_conf_cache_open(struct sysctr *s, struct sysctr_conf_cache *cc);
/* The summary of name's container.conf in *out (clear it with
 * sysctr_summary_clear()): the registry's while the file's stamp matches,
 * else read anew. cc NULL: read anew, nothing kept (one container). -1
 * when the file cannot be read (err). */
int sysctr_conf_cache_get(struct sysctr *s, struct sysctr_conf_cache *cc,
			  const char *name, struct sysctr_summary *out,
			  struct sysctr_error **err);
/* End the pass: keep what was read anew, in one transaction (a registry
 * that cannot take them, busy or in a transaction already, only costs the
 * next pass a parse), and free the rest. */
void sysctr_conf_cache_close(struct sysctr *s, struct sysctr_conf_cache *cc);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What list, info and the managed network read of each container.conf,
 * kept in the registry (store-summary.c) with the stamp of the file it was
 * read from: a caller that goes through many containers parses only the
 * files that changed since (by sysctr or by hand), not all of them. */
#ifndef SYSCTR_CONF_CACHE_H
#define SYSCTR_CONF_CACHE_H

#include "context.h"
#include "store.h"

/* The summary of name's container.conf in *out. cached (may be NULL) is
 * the registry's, used when the file's stamp still matches; else the file
 * is read anew, and when fresh is not NULL *fresh gets a copy to keep
 * (sysctr_conf_cache_keep()). -1 when the file cannot be read (err). */
int sysctr_conf_summary(struct sysctr *s, const char *name,
			const struct sysctr_summary *cached,
			struct sysctr_summary *out,
			struct sysctr_summary *fresh,
			struct sysctr_error **err);

/* Keep the n summaries read anew, in one transaction; a registry that
 * cannot take them (busy, or in a transaction already) only costs the
 * next reader a parse. */
void sysctr_conf_cache_keep(struct sysctr *s, struct sysctr_summary *fresh,
			    size_t n);

/* The cached summary of name in sums (n of them, by name, as
 * sysctr_store_summary_list() gives them); NULL when there is none. */
const struct sysctr_summary *
sysctr_conf_cache_find(const struct sysctr_summary *sums, size_t n,
		       const char *name);

#endif

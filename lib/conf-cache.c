/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "conf-cache.h"
#include "conf.h"
#include "container-registry.h"
#include "error.h"
#include "log.h"
#include "macro.h"

/* container.conf's stamp: it changed when this did. NULL when missing. */
static char *conf_stamp(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return NULL;
	return xasprintf("%llu:%lld:%lld.%09ld:%lld.%09ld",
			 (unsigned long long)st.st_ino, (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

static void summary_of(const char *name, const struct sysctr_ct_config *ct,
		       const char *stamp, struct sysctr_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->name = xstrdup(name);
	out->stamp = xstrdup(stamp ? stamp : "");
	out->autostart = ct->autostart.enabled;
	out->autostart_order = ct->autostart.order;
	out->autostart_group =
	    xstrdup(ct->autostart.group ? ct->autostart.group : "");
	out->autostart_ready =
	    xstrdup(ct->autostart.ready ? ct->autostart.ready : "started");
	out->autostart_timeout = ct->autostart.timeout;
	out->memory = ct->resources.memory;
	out->privileged = ct->security.privileged;
	if (ct->network.ipv4 != NULL && strchr(ct->network.ipv4, '/') != NULL)
		out->ipv4 = xstrdup(ct->network.ipv4);
	out->net_mode = xstrdup(ct->network.mode ? ct->network.mode : "");
	out->net_bridge = xstrdup(ct->network.bridge ? ct->network.bridge : "");
	/* a forward ("8080:80/tcp") holds no comma */
	out->forwards = strv_join(ct->network.forward, ",");
}

static void summary_copy(const struct sysctr_summary *from,
			 struct sysctr_summary *to)
{
	*to = *from;
	to->name = xstrdup(from->name);
	to->stamp = xstrdup(from->stamp);
	to->autostart_group = xstrdup(from->autostart_group);
	to->autostart_ready = xstrdup(from->autostart_ready);
	to->ipv4 = xstrdup_or_null(from->ipv4);
	to->net_mode = xstrdup(from->net_mode);
	to->net_bridge = xstrdup(from->net_bridge);
	to->forwards = xstrdup(from->forwards);
}

/* The registry's summary of name in cc, by name (the registry's BINARY
 * collation is strcmp's order); NULL when there is none. */
static const struct sysctr_summary *
cached_of(const struct sysctr_conf_cache *cc, const char *name)
{
	size_t lo = 0, hi = cc->nsums;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cc->sums[mid].name, name);

		if (c == 0)
			return &cc->sums[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void sysctr_conf_cache_open(struct sysctr *s, struct sysctr_conf_cache *cc)
{
	struct sysctr_error *e = NULL;

	memset(cc, 0, sizeof(*cc));
	if (s->store != NULL &&
	    sysctr_store_summary_list(s->store, &cc->sums, &cc->nsums, &e) < 0)
		sysctr_log_warn_error(e, "the registry's summaries");
}

int sysctr_conf_cache_get(struct sysctr *s, struct sysctr_conf_cache *cc,
			  const char *name, struct sysctr_summary *out,
			  struct sysctr_error **err)
{
	cleanup_free char *path = sysctr_ct_conf_path(s, name);
	cleanup_free char *stamp = cc != NULL ? conf_stamp(path) : NULL;
	const struct sysctr_summary *cached = cc ? cached_of(cc, name) : NULL;
	struct sysctr_ct_config *ct = NULL;

	if (cached != NULL && stamp != NULL &&
	    strcmp(cached->stamp, stamp) == 0) {
		summary_copy(cached, out);
		return 0;
	}
	if (sysctr_ct_config_load(path, &ct, err) < 0)
		return -1;
	summary_of(name, ct, stamp, out);
	sysctr_ct_config_free(ct);
	if (cc != NULL && stamp != NULL) {
		cc->fresh =
		    xrealloc(cc->fresh, (cc->nfresh + 1) * sizeof(*cc->fresh));
		summary_copy(out, &cc->fresh[cc->nfresh++]);
	}
	return 0;
}

void sysctr_conf_cache_close(struct sysctr *s, struct sysctr_conf_cache *cc)
{
	struct sysctr_error *e = NULL;
	size_t i = 0;

	if (cc->nfresh > 0 && s->store != NULL &&
	    sysctr_store_begin(s->store, &e) == 0) {
		while (i < cc->nfresh && sysctr_store_summary_put(
					     s->store, &cc->fresh[i], &e) == 0)
			i++;
		if (i < cc->nfresh)
			sysctr_store_rollback(s->store);
		else
			sysctr_store_commit(s->store, &e);
	}
	sysctr_error_free(e);
	sysctr_summaries_free(cc->fresh, cc->nfresh);
	sysctr_summaries_free(cc->sums, cc->nsums);
	memset(cc, 0, sizeof(*cc));
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scheduled snapshots and their retention (`sysctr snapshot auto`, run
 * hourly by sysctr-snapshot.timer).
 *
 * A container whose container.conf has snapshots.schedule gets a snapshot
 * named auto-YYYYMMDD-HHMM (kind "auto") when it has none yet in the
 * current hour, day or ISO week (local time), whenever the timer runs:
 * a run missed while the host was down is made up by the next one.
 *
 * Retention keeps, among the auto snapshots only (never one made by hand
 * or a restore's safety snapshot), the newest of each of the last
 * keep_hourly hours, then of the keep_daily days, keep_weekly weeks and
 * keep_monthly months, each snapshot counted by one rule only: one kept
 * as an hourly does not also count as a daily (as borg prune does). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "container.h"
#include "error.h"
#include "log.h"
#include "snapshot-auto.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

/* The period t falls in, as a number: YYYYMMDDHH, YYYYMMDD, YYYYWW (ISO
 * week) or YYYYMM. */
static long period_of(int64_t t, enum sysctr_period p)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[16];

	localtime_r(&tt, &tm);
	/* constant formats, so the compiler checks them */
	switch (p) {
	case SYSCTR_HOURLY:
		strftime(buf, sizeof(buf), "%Y%m%d%H", &tm);
		break;
	case SYSCTR_DAILY:
		strftime(buf, sizeof(buf), "%Y%m%d", &tm);
		break;
	case SYSCTR_WEEKLY:
		strftime(buf, sizeof(buf), "%G%V", &tm);
		break;
	default:
		strftime(buf, sizeof(buf), "%Y%m", &tm);
		break;
	}
	return strtol(buf, NULL, 10);
}

void sysctr_retention(const int64_t *times, size_t n, const int keep[4],
		      bool *kept)
{
	for (size_t i = 0; i < n; i++)
		kept[i] = false;
	for (int p = SYSCTR_HOURLY; p <= SYSCTR_MONTHLY; p++) {
		long last = -1;
		int left = keep[p];

		for (size_t i = 0; i < n && left > 0; i++) {
			long period =
			    period_of(times[i], (enum sysctr_period)p);

			if (period == last)
				continue;
			last = period;
			if (kept[i])
				continue;
			kept[i] = true;
			left--;
		}
	}
}

bool sysctr_auto_due(const char *schedule, int64_t newest, int64_t now)
{
	enum sysctr_period p;

	if (strcmp(schedule, "hourly") == 0)
		p = SYSCTR_HOURLY;
	else if (strcmp(schedule, "daily") == 0)
		p = SYSCTR_DAILY;
	else if (strcmp(schedule, "weekly") == 0)
		p = SYSCTR_WEEKLY;
	else
		return false;
	return newest <= 0 || period_of(newest, p) != period_of(now, p);
}

void sysctr_auto_results_free(struct sysctr_auto_result *r, size_t n)
{
	for (size_t i = 0; r != NULL && i < n; i++) {
		free(r[i].name);
		free(r[i].taken);
		strv_free(r[i].pruned);
		sysctr_error_free(r[i].error);
	}
	free(r);
}

/* One auto snapshot of a container, as a run sees it. */
struct auto_snap {
	const char *name; /* owned by the snapshot rows or the result */
	int64_t created;
	int64_t id; /* INT64_MAX: the one this run took */
};

static int by_newest(const void *a, const void *b)
{
	const struct auto_snap *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->id != y->id)
		return x->id < y->id ? 1 : -1;
	return 0;
}

/* Prune the auto snapshots v[0..n) of one container by its keep_*
 * settings. */
static int prune(struct sysctr *s, const char *name,
		 const struct sysctr_ct_config *ct, struct auto_snap *v,
		 size_t n, char ***pruned, struct sysctr_error **err)
{
	cleanup_free int64_t *times = xcalloc(n + 1, sizeof(*times));
	cleanup_free bool *kept = xcalloc(n + 1, sizeof(*kept));
	const int keep[4] = { ct->snapshots.keep_hourly,
			      ct->snapshots.keep_daily,
			      ct->snapshots.keep_weekly,
			      ct->snapshots.keep_monthly };

	qsort(v, n, sizeof(*v), by_newest);
	for (size_t i = 0; i < n; i++)
		times[i] = v[i].created;
	sysctr_retention(times, n, keep, kept);
	for (size_t i = 0; i < n; i++) {
		struct sysctr_error *e = NULL;

		if (kept[i])
			continue;
		if (sysctr_snapshot_delete(s, name, v[i].name, &e) == 0) {
			strv_push(pruned, v[i].name);
			continue;
		}
		/* the list was read before the cut, without the lock: a
		 * snapshot deleted meanwhile is gone already */
		if (e->kind == SYSCTR_E_NOT_FOUND) {
			sysctr_error_free(e);
			continue;
		}
		return sysctr_err_pass(err, &e);
	}
	return 0;
}

/* A snapshot of name at now, named for the minute. */
static int take(struct sysctr *s, const char *name, int64_t now,
		struct sysctr_auto_result *r, struct sysctr_error **err)
{
	struct sysctr_snapshot_result res;
	cleanup_free char *snap = NULL;
	char stamp[32];
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M", &tm);
	snap = xasprintf("auto-%s", stamp);
	if (sysctr_snapshot_cut(s, name, snap, NULL, "auto", now, &res, err) <
	    0)
		return -1;
	r->taken = steal_ptr(&res.name);
	r->frozen_s = res.frozen_s;
	sysctr_snapshot_result_clear(&res);
	return 0;
}

/* The container's snapshot list is read once: what is due is decided on
 * its auto snapshots, and the one taken joins them for the pruning (a
 * cut changes no other snapshot). */
static int auto_one(struct sysctr *s, const struct sysctr_ct_row *row,
		    int64_t now, struct sysctr_auto_result *r,
		    struct sysctr_error **err)
{
	cleanup_free char *conf = sysctr_ct_conf_path(s, row->name);
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_free struct auto_snap *autos = NULL;
	struct sysctr_snap_row *rows = NULL;
	size_t n = 0, na = 0;
	int64_t newest = 0;
	int ret = 0;

	if (sysctr_ct_config_load(conf, &ct, err) < 0)
		return -1;
	if (ct->snapshots.schedule[0] == '\0')
		return 0;
	r->scheduled = true;
	r->pruned = xcalloc(1, sizeof(char *));
	if (sysctr_store_snap_list(s->store, row->id, &rows, &n, err) < 0)
		return -1;
	/* room for the one this run takes */
	autos = xcalloc(n + 1, sizeof(*autos));
	for (size_t i = 0; i < n; i++) {
		if (rows[i].kind == NULL || strcmp(rows[i].kind, "auto") != 0)
			continue;
		autos[na].name = rows[i].name;
		autos[na].created = rows[i].created;
		autos[na].id = rows[i].id;
		if (rows[i].created > newest)
			newest = rows[i].created;
		na++;
	}
	if (sysctr_auto_due(ct->snapshots.schedule, newest, now)) {
		ret = take(s, row->name, now, r, err);
		if (ret == 0) {
			autos[na].name = r->taken;
			autos[na].created = now;
			autos[na].id = INT64_MAX;
			na++;
		}
	}
	if (ret == 0)
		ret = prune(s, row->name, ct, autos, na, &r->pruned, err);
	sysctr_snap_rows_free(rows, n);
	return ret;
}

SYSCTR_PUBLIC int sysctr_snapshot_auto(struct sysctr *s, int64_t now,
				       struct sysctr_auto_result **out,
				       size_t *nout, struct sysctr_error **err)
{
	struct sysctr_ct_row *rows = NULL;
	struct sysctr_auto_result *res;
	size_t n = 0, nres = 0;

	if (sysctr_need_store(s, err) < 0 ||
	    sysctr_store_ct_list(s->store, &rows, &n, err) < 0)
		return -1;
	if (now <= 0)
		now = now_realtime();
	res = xcalloc(n + 1, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		struct sysctr_auto_result *r = &res[nres];

		r->frozen_s = -1;
		if (rows[i].storage != NULL &&
		    strcmp(rows[i].storage, "overlay") != 0)
			continue;
		if (auto_one(s, &rows[i], now, r, &r->error) < 0)
			r->scheduled = true;
		if (!r->scheduled) {
			strv_free(r->pruned);
			r->pruned = NULL;
			continue;
		}
		r->name = xstrdup(rows[i].name);
		if (r->pruned == NULL)
			r->pruned = xcalloc(1, sizeof(char *));
		nres++;
	}
	sysctr_ct_rows_free(rows, n);
	*out = res;
	*nout = nres;
	return 0;
}

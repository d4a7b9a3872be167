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

static int by_newest(const void *a, const void *b)
{
	const struct sysctr_snap_row *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return x->id < y->id ? 1 : -1;
}

/* Prune the auto snapshots of one container by its keep_* settings. */
static int prune(struct sysctr *s, const char *name, int64_t ct_id,
		 const struct sysctr_ct_config *ct, char ***pruned,
		 struct sysctr_error **err)
{
	struct sysctr_snap_row *rows = NULL;
	size_t n = 0, na = 0;
	cleanup_free int64_t *times = NULL;
	cleanup_free bool *kept = NULL;
	const int keep[4] = { ct->snapshots.keep_hourly,
			      ct->snapshots.keep_daily,
			      ct->snapshots.keep_weekly,
			      ct->snapshots.keep_monthly };
	int ret = 0;

	*pruned = xcalloc(1, sizeof(char *));
	if (sysctr_store_snap_list(s->store, ct_id, &rows, &n, err) < 0)
		return -1;
	/* the auto ones first, newest first */
	for (size_t i = 0; i < n; i++)
		if (rows[i].kind != NULL && strcmp(rows[i].kind, "auto") == 0) {
			struct sysctr_snap_row t = rows[na];

			rows[na++] = rows[i];
			rows[i] = t;
		}
	qsort(rows, na, sizeof(*rows), by_newest);
	times = xcalloc(na + 1, sizeof(*times));
	kept = xcalloc(na + 1, sizeof(*kept));
	for (size_t i = 0; i < na; i++)
		times[i] = rows[i].created;
	sysctr_retention(times, na, keep, kept);
	for (size_t i = 0; i < na && ret == 0; i++) {
		if (kept[i])
			continue;
		ret = sysctr_snapshot_delete(s, name, rows[i].name, err);
		if (ret == 0)
			strv_push(pruned, rows[i].name);
	}
	sysctr_snap_rows_free(rows, n);
	return ret;
}

/* The newest auto snapshot's time, 0 when there is none. */
static int newest_auto(struct sysctr *s, int64_t ct_id, int64_t *newest,
		       struct sysctr_error **err)
{
	struct sysctr_snap_row *rows = NULL;
	size_t n = 0;

	*newest = 0;
	if (sysctr_store_snap_list(s->store, ct_id, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (rows[i].kind != NULL && strcmp(rows[i].kind, "auto") == 0 &&
		    rows[i].created > *newest)
			*newest = rows[i].created;
	sysctr_snap_rows_free(rows, n);
	return 0;
}

static int auto_one(struct sysctr *s, const struct sysctr_ct_row *row,
		    int64_t now, struct sysctr_auto_result *r,
		    struct sysctr_error **err)
{
	cleanup_free char *conf = sysctr_ct_conf_path(s, row->name);
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	int64_t newest = 0;

	if (sysctr_ct_config_load(conf, &ct, err) < 0)
		return -1;
	if (ct->snapshots.schedule[0] == '\0')
		return 0;
	r->scheduled = true;
	if (newest_auto(s, row->id, &newest, err) < 0)
		return -1;
	if (sysctr_auto_due(ct->snapshots.schedule, newest, now)) {
		struct sysctr_snapshot_result res;
		char stamp[32], *snap;
		time_t t = (time_t)now;
		struct tm tm;
		int ret;

		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M", &tm);
		snap = xasprintf("auto-%s", stamp);
		ret = sysctr_snapshot_cut(s, row->name, snap, NULL, "auto", now,
					  &res, err);
		free(snap);
		if (ret < 0)
			return -1;
		r->taken = steal_ptr(&res.name);
		r->frozen_s = res.frozen_s;
		sysctr_snapshot_result_clear(&res);
	}
	return prune(s, row->name, row->id, ct, &r->pruned, err);
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

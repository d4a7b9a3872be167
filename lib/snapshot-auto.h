/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rules of scheduled snapshots (lib/snapshot-auto.c), apart from the
 * containers, for the unit tests. */
#ifndef SYSCTR_SNAPSHOT_AUTO_H
#define SYSCTR_SNAPSHOT_AUTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sysctr_period {
	SYSCTR_HOURLY = 0,
	SYSCTR_DAILY,
	SYSCTR_WEEKLY,
	SYSCTR_MONTHLY,
};

/* times: snapshot times (unix), newest first; keep: how many hours, days,
 * weeks and months get their newest one kept; kept[i] says whether
 * times[i] stays. Each snapshot counts for one rule only. Local time. */
void sysctr_retention(const int64_t *times, size_t n, const int keep[4],
		      bool *kept);
/* Is a snapshot due at now for schedule ("hourly", "daily", "weekly"),
 * the newest auto snapshot being from newest (0: none)? */
bool sysctr_auto_due(const char *schedule, int64_t newest, int64_t now);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Recording what was done to containers: the history table, and with a
 * successful action the container's last known state. Two functions, one
 * for each case: whether a transaction is open is the caller's to say,
 * not for these to guess. */
#ifndef SYSCTR_HISTORY_H
#define SYSCTR_HISTORY_H

#include "context.h"

/* Record an action's outcome in a transaction of its own: on success the
 * container's new state (if state is not NULL) and the history row land
 * in one commit; on failure (e set) the history row alone, with e's
 * message. Must be called outside any transaction (else the record fails
 * and says so). A failure to record is logged as a warning, never fatal:
 * the action happened. */
void sysctr_ct_record(struct sysctr *s, const char *name, const char *action,
		      const char *state, const struct sysctr_error *e,
		      const char *detail);

/* The history row ("ok") of an action whose changes the caller makes in
 * its own open transaction: it lands, or not, with the caller's commit.
 * Fails as the store does; the caller then rolls back the whole change. */
int sysctr_ct_record_in_tx(struct sysctr *s, const char *name,
			   const char *action, const char *detail,
			   struct sysctr_error **err);

#endif

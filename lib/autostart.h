/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the rest of the library needs of autostart (lib/autostart.c). */
#ifndef SYSCTR_AUTOSTART_H
#define SYSCTR_AUTOSTART_H
#include <stdbool.h>

#include "conf.h"
#include "context.h"

/* Are the autostart sections of a and b the same? */
bool sysctr_autostart_same(const struct sysctr_ct_config *a,
			   const struct sysctr_ct_config *b);

/* For config set and edit: is the boot plan whole with container name's
 * autostart section as in c? Its error (naming the cycle or the `after`)
 * when it is not; when the plan was broken before the change already,
 * a warning only: this change did not break it. */
int sysctr_autostart_check(struct sysctr *s, const char *name,
			   const struct sysctr_ct_config *c,
			   struct sysctr_error **err);
#endif

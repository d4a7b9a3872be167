/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a container made from another one (clone, import) needs of create:
 * its directory made in a temporary place, then its row registered in
 * the caller's transaction. */
#ifndef SYSCTR_CREATE_H
#define SYSCTR_CREATE_H

#include "context.h"
#include "store.h"

/* For the holder of name's lock: check that name is free (clearing what
 * an interrupted create or destroy of it left), validate conf_text and
 * make the container's directory in a temporary place (*tmp_out): its
 * container.conf and an empty upper layer with its hostname. */
int sysctr_create_tree(struct sysctr *s, const char *name,
		       const char *conf_text, char **tmp_out,
		       struct sysctr_error **err);
/* In the caller's open transaction: the row of name (template, release,
 * arch and image as in like; overlay storage), its history row, then the
 * rename of tmp into place; *id gets the new row's id. */
int sysctr_create_register_in_tx(struct sysctr *s,
				 const struct sysctr_ct_row *like,
				 const char *name, const char *tmp,
				 const char *action, const char *detail,
				 int64_t *id, struct sysctr_error **err);

#endif

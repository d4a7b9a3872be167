/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context every lib/ call gets: resolved paths, sysctr.conf, store. */
#ifndef SYSCTR_CONTEXT_H
#define SYSCTR_CONTEXT_H

#include "conf.h"
#include "store.h"
#include "sysctr.h"

struct sysctr {
	char *root; /* "" for "/", else the --root directory */
	char *conf_path;
	struct sysctr_host_config *cfg;
	char *containers_dir; /* also liblxc's lxcpath */
	char *images_dir;
	char *logs_dir;
	char *db_path;
	char *templates_dir;
	char *locks_dir;
	struct sysctr_store *store;
	sysctr_progress_fn progress;
	void *progress_data;
};

/* Report progress of a long step, if anybody listens. */
void sysctr_progress(struct sysctr *s, const char *step, int done, int total);

/* What sysctr_open() does with open_store, for a caller that opened
 * without (doctor, which reports a registry it cannot open): the host
 * directories, then the registry. Nothing when it is open already. */
int sysctr_open_store(struct sysctr *s, struct sysctr_error **err);

/* A store must be open for this command: SYSCTR_E_FAILED if not. */
int sysctr_need_store(struct sysctr *s, struct sysctr_error **err);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Part of the container module (container.h): where a container's files
 * are, and whether it exists, which its registry row alone answers. */
#ifndef SYSCTR_CONTAINER_REGISTRY_H
#define SYSCTR_CONTAINER_REGISTRY_H

#include "context.h"

/* Paths of a container's files. */
char *sysctr_ct_dir(struct sysctr *s, const char *name);
char *sysctr_ct_conf_path(struct sysctr *s, const char *name);
char *sysctr_ct_log_path(struct sysctr *s, const char *name);

/* Mode of container.conf and of the generated liblxc config, whatever the
 * umask: they name host paths and raw liblxc keys, which are nobody
 * else's business (LXC keeps its own configs 0640 too). */
#define SYSCTR_CT_CONF_MODE 0640

/* Is there a registry row for name? 1 yes, 0 no, -1 error. */
int sysctr_ct_registered(struct sysctr *s, const char *name,
			 struct sysctr_error **err);
/* The one check every command on an existing container makes: a valid
 * name, an open registry, and its row there (SYSCTR_E_NOT_FOUND "no such
 * container" without one, whatever is on disk). */
int sysctr_ct_must_exist(struct sysctr *s, const char *name,
			 struct sysctr_error **err);

#endif

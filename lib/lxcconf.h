/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The liblxc config sysctr generates from container.conf on every start.
 * A pure function of its input, so it is unit tested without liblxc. */
#ifndef SYSCTR_LXCCONF_H
#define SYSCTR_LXCCONF_H

#include <stdbool.h>

#include "cgroup-limits.h"
#include "conf.h"

struct sysctr_lxcconf_input {
	const char *name;
	const char
	    *rootfs; /* lxc.rootfs.path: overlay:LOWER:UPPER or dir:PATH */
	const char *log_file;
	const char *lxc_config_dir; /* /usr/share/lxc/config */
	const char *lxc_common;	    /* "debian", "common", ... */
	const char *halt_signal;    /* from the image; NULL for liblxc's */
	const struct sysctr_ct_config *ct;
	const struct sysctr_host_config *host;
	const struct sysctr_cg_host *cg; /* what the host's cgroups offer */
	/* on the managed bridge: the MAC of the container's lease, which
	 * dnsmasq answers with its address; NULL elsewhere */
	const char *lease_hwaddr;
	bool apparmor; /* the host kernel has AppArmor */
	/* an unprivileged overlay rootfs keeps overlayfs' own attributes
	 * (opaque directories, ...) as user.overlay.* (Linux 5.11+): in a
	 * user namespace trusted.* cannot be set, and removing a directory
	 * of a lower layer fails with EIO without them */
	bool userxattr;
	bool in_userns; /* sysctr runs in a user namespace (nested): even a
			   privileged container's overlay is mounted in one */
	/* the uid/gid map of an unprivileged container */
	long idmap_base;
	long idmap_size;
};

/* The config text; SYSCTR_E_USAGE when container.conf asks for something
 * that cannot be expressed (a bridge name with spaces, say). */
char *sysctr_lxcconf_generate(const struct sysctr_lxcconf_input *in,
			      struct sysctr_error **err);

/* The distribution configs of liblxc that the generated config includes
 * (lxc.include) for an image whose lxc_common is given ("debian"; NULL or
 * "common" for the plain ones) below dir: *common always, *userns for an
 * unprivileged container (else NULL). They come from lxc-templates.
 * Free both. */
void sysctr_lxcconf_includes(const char *dir, const char *lxc_common,
			     bool privileged, char **common, char **userns);

/* Effective network mode and bridge: container.conf's, else sysctr.conf's. */
const char *sysctr_lxcconf_net_mode(const struct sysctr_ct_config *ct,
				    const struct sysctr_host_config *host);
const char *sysctr_lxcconf_net_bridge(const struct sysctr_ct_config *ct,
				      const struct sysctr_host_config *host);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each key of container.conf and sysctr.conf means: the one text
 * `sysctr help config`, `sysctr help sysctr.conf` and the man pages
 * container.conf(5) and sysctr.conf(5) are made from. Types, defaults
 * and integer ranges are not repeated here: they come from the schemas
 * (conf-container.c, conf-host.c) and conf-check.c's ranges. A unit test
 * (test-conf-doc) fails when a key of a schema has no entry here, or an
 * entry names no key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf-check.h"
#include "util.h"

static const struct sysctr_key_doc ct_docs[] = {
	{ "template", "a template name",
	  "The template the container was made from; create writes it." },
	{ "release", "a release of the template",
	  "The distribution release of its image; create writes it." },
	{ "arch", "an architecture (amd64, arm64, ...)",
	  "The architecture of its image; create writes it." },
	{ "autostart.enabled", "true or false",
	  "Start the container at boot: `sysctr autostart --boot` (run by "
	  "sysctr.service) starts it by the plan." },
	{ "autostart.order", NULL,
	  "Its level in the boot plan: lower levels start first, the "
	  "containers of one level together; stopped in reverse at "
	  "shutdown." },
	{ "autostart.delay", NULL,
	  "Seconds waited after its level is up before the next level "
	  "starts." },
	{ "autostart.after", "container names",
	  "Containers that must be started and ready before this one; each "
	  "must exist and have autostart enabled, and no cycle is allowed." },
	{ "autostart.ready", "started, systemd, tcp:PORT or exec:COMMAND",
	  "When it counts as up: its init runs (started), systemd inside "
	  "reports running or degraded (systemd), something listens on TCP "
	  "PORT inside (tcp:PORT), or COMMAND exits 0 inside (exec:COMMAND). "
	  "Also what `start --wait` waits for. create writes \"started\" "
	  "for an image whose init is not systemd (busybox, Alpine)." },
	{ "autostart.timeout", NULL,
	  "Seconds to wait for it to get ready at boot (and for `start "
	  "--wait` without --timeout), and for it to stop cleanly at host "
	  "shutdown (`autostart --shutdown`) before it is killed." },
	{ "autostart.group", "a word, or empty",
	  "A group name: `autostart --boot --group G` starts only group G." },
	{ "resources.memory",
	  "a size (K, M, G, T suffixes), at least 16M; "
	  "empty for none",
	  "Hard memory limit; the kernel's OOM killer acts inside the "
	  "container when it is reached." },
	{ "resources.memory_swap", "a size; empty for the host's default",
	  "Swap allowed beyond resources.memory (0: none). Needs "
	  "resources.memory and swap accounting on the host." },
	{ "resources.cpus", "a cpuset such as 0-1,3; empty for all",
	  "The CPUs the container may run on; nproc inside follows it." },
	{ "resources.cpu_weight", NULL,
	  "CPU share under contention, on cgroup v2's scale (100 is the "
	  "default share; 0 leaves the host's default); cpu.shares on "
	  "cgroup v1." },
	{ "resources.cpu_max",
	  "a percentage of one CPU (\"50%\") or a number "
	  "of CPUs (\"1.5\"); empty for none",
	  "CPU time quota per period, at least 1%." },
	{ "resources.pids", NULL,
	  "Most tasks (processes and threads) at once; 0 for no limit." },
	{ "resources.io_weight", NULL,
	  "Block I/O share under contention (100 is the default; 0 leaves "
	  "the host's default), where the host's I/O controller has a "
	  "weight." },
	{ "network.mode", "bridge, none, or empty for sysctr.conf's",
	  "bridge: a veth on network.bridge (the managed sysctr0 by "
	  "default); none: loopback only." },
	{ "network.bridge", "an interface name, or empty for sysctr.conf's",
	  "The bridge its veth joins. sysctr's managed bridge is made on "
	  "first need; any other must exist." },
	{ "network.ipv4", "auto, none, or ADDRESS/PREFIX",
	  "auto: a static DHCP lease from the managed bridge's subnet, kept "
	  "in the registry until destroy; none: no address from sysctr; an "
	  "address is set on eth0 by liblxc." },
	{ "network.hwaddr", "a MAC address, or empty",
	  "The MAC of eth0; empty: the lease's (managed bridge) or one "
	  "liblxc makes." },
	{ "network.gateway", "an IPv4 address, or empty",
	  "The default route with a static network.ipv4." },
	{ "network.forward", "HOSTPORT:PORT/tcp or /udp entries",
	  "Ports published on the host (nftables DNAT to the container's "
	  "lease on the managed bridge)." },
	{ "snapshots.schedule", "hourly, daily, weekly, or empty for none",
	  "How often `sysctr snapshot auto` (sysctr-snapshot.timer) takes a "
	  "scheduled snapshot." },
	{ "snapshots.keep_hourly", NULL,
	  "Scheduled snapshots kept as the newest of their hour." },
	{ "snapshots.keep_daily", NULL,
	  "Scheduled snapshots kept as the newest of their day." },
	{ "snapshots.keep_weekly", NULL,
	  "Scheduled snapshots kept as the newest of their week." },
	{ "snapshots.keep_monthly", NULL,
	  "Scheduled snapshots kept as the newest of their month. A "
	  "snapshot made by hand is never pruned." },
	{ "security.privileged", "true or false",
	  "false: root inside is an unprivileged uid of the host (the idmap "
	  "of sysctr.conf). true: root inside is the host's root." },
	{ "security.nesting", "true or false",
	  "Allow containers (and their mounts) inside this one." },
	{ "mount.NAME.source", "an absolute host path (required)",
	  "A host directory or file bind-mounted into the container; NAME "
	  "is the mount's own name (letters, digits, _ and -)." },
	{ "mount.NAME.path", "an absolute path inside (required), not /",
	  "Where the mount appears inside the container." },
	{ "mount.NAME.readonly", "true or false", "Mount it read-only." },
	{ "raw.lxc.KEY", "a liblxc configuration value",
	  "A liblxc key sysctr does not model, passed through as it is; keys "
	  "sysctr writes itself (rootfs, network, idmap, ...) are refused." },
};

static const struct sysctr_key_doc host_docs[] = {
	{ "log_level", "error, warn, info or debug",
	  "How much sysctr says on stderr (-v and -q change it per run)." },
	{ "paths.containers", "a path, or empty for the default",
	  "Where containers live (container.conf, layers, snapshots). A "
	  "relative path, and the default, are below --root." },
	{ "paths.images", "a path, or empty for the default",
	  "The image store: images built by templates, shared by "
	  "containers." },
	{ "paths.logs", "a path, or empty for the default",
	  "Where liblxc's and dnsmasq's logs go." },
	{ "paths.database", "a path, or empty for the default",
	  "The registry, an SQLite database." },
	{ "paths.templates", "a path, or empty for the default",
	  "Where the templates (executables) are found." },
	{ "defaults.template", "a template name",
	  "The template of `sysctr create NAME` (no TEMPLATE given)." },
	{ "defaults.release", "a release, or empty for the template's",
	  "The release of create without -r when the template is "
	  "defaults.template." },
	{ "defaults.arch", "an architecture, or empty for the host's",
	  "The architecture of create without -a." },
	{ "timeouts.stop", NULL,
	  "Seconds a clean stop may take before the container is killed; at "
	  "host shutdown, for the running containers the boot plan does not "
	  "start (the others get their autostart.timeout)." },
	{ "timeouts.start", NULL,
	  "Not used: liblxc's start reports RUNNING or a failure itself, and "
	  "`start --wait` has its own timeout. Kept so that files setting it "
	  "still load." },
	{ "timeouts.lock", NULL,
	  "Seconds to wait for another sysctr's lock on a container before "
	  "giving up with exit status 5." },
	{ "network.mode", "bridge or none",
	  "The network of containers whose container.conf does not choose: "
	  "bridge puts them on network.bridge, none gives loopback only." },
	{ "network.bridge", "an interface name",
	  "The bridge containers join; with managed = true, sysctr's own." },
	{ "network.managed", "true or false",
	  "true: sysctr makes and runs the bridge (its address, dnsmasq for "
	  "DHCP and DNS, an nftables table); false: it must exist." },
	{ "network.ipv4", "ADDRESS/PREFIX, prefix 8 to 30",
	  "The managed bridge's address and subnet; a subnet the host "
	  "already routes is refused when the bridge is made." },
	{ "network.domain", "a DNS label",
	  "Containers resolve as NAME and NAME.DOMAIN through the bridge's "
	  "dnsmasq." },
	{ "network.nat", "true or false",
	  "Masquerade the subnet to the outside (turns on IPv4 forwarding); "
	  "false: an isolated network." },
	{ "idmap.base", NULL,
	  "The first host uid and gid of unprivileged containers' root; the "
	  "range must be root's in /etc/subuid and /etc/subgid." },
	{ "idmap.size", NULL,
	  "How many uids and gids each unprivileged container maps." },
	{ "mirrors.TEMPLATE", "an http://, https:// or file:// URL",
	  "The package mirror of template TEMPLATE (create --mirror "
	  "overrides it); a template not named uses its own default." },
};

SYSCTR_PUBLIC const struct sysctr_key_doc *
sysctr_key_docs(enum sysctr_conf_file file, size_t *n)
{
	if (file == SYSCTR_CONF_HOST) {
		*n = ARRAY_SIZE(host_docs);
		return host_docs;
	}
	*n = ARRAY_SIZE(ct_docs);
	return ct_docs;
}

SYSCTR_PUBLIC bool sysctr_key_range(const char *key, long *min, long *max)
{
	return sysctr_conf_range(key, min, max);
}

SYSCTR_PUBLIC bool sysctr_key_is_live(const char *key)
{
	return !sysctr_ct_config_key_needs_restart(key);
}

SYSCTR_PUBLIC int sysctr_conf_defaults(enum sysctr_conf_file file,
				       struct sysctr_config_item **items,
				       size_t *n, struct sysctr_error **err)
{
	if (file == SYSCTR_CONF_HOST)
		return sysctr_host_config_items(NULL, items, n, err);
	return sysctr_ct_config_items_of(NULL, items, n, err);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctr's managed bridge (sysctr.conf's network.bridge with managed =
 * true): the bridge with its address, dnsmasq for DHCP (static leases
 * from the registry) and DNS (NAME and NAME.DOMAIN), and an nftables
 * table of its own (masquerade of the subnet, the containers'
 * forwards). Made on first need, by `network up` (the boot unit) or by
 * a start; removed by `network down`. */
#ifndef SYSCTR_NETWORK_H
#define SYSCTR_NETWORK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"

/* sysctr.conf's network.ipv4 ("10.117.0.1/24"): the bridge's address,
 * the prefix, and the range leases come from (the subnet but its
 * network, broadcast and bridge addresses), host byte order. -1 when it
 * is not such a subnet. */
int sysctr_net_subnet(const char *cidr, uint32_t *gw, int *prefix,
		      uint32_t *first, uint32_t *last);

/* Does a route in routes (the text of /proc/net/route) other than the
 * default route or one on bridge overlap net/prefix (host byte order)?
 * 1 with its interface in dev and the route in route ("10.0.0.0/8"),
 * else 0. */
int sysctr_net_route_clash(const char *routes, uint32_t net, int prefix,
			   const char *bridge, char *dev, size_t devlen,
			   char *route, size_t routelen);

/* Is bridge the one sysctr manages? */
bool sysctr_net_is_managed(struct sysctr *s, const char *bridge);

/* Bring the managed bridge up (idempotent) and give the container its
 * lease; *hwaddr (the lease's MAC) for its veth. */
int sysctr_net_attach(struct sysctr *s, const char *name, char **hwaddr,
		      struct sysctr_error **err);

/* Rewrite dnsmasq's hosts and the forwards from the registry when the
 * bridge is up (after a destroy, a config set of network.*). */
int sysctr_net_refresh(struct sysctr *s, struct sysctr_error **err);

/* The lease address of name on the managed bridge, or NULL. */
char *sysctr_net_lease_of(struct sysctr *s, const char *name);

/* What doctor asks of the bridges, read without changing anything. */
struct sysctr_net_health {
	char **missing; /* the host tools the managed bridge needs that are
			   missing, as need_tool() says it; never NULL */
	bool subnet_ok; /* sysctr.conf's network.ipv4 is a subnet */
	char *clash;	/* a host route it overlaps, "10.0.0.0/8 on tun0";
			   NULL none */
	bool up;	/* the managed bridge exists */
	pid_t dnsmasq;	/* its dnsmasq, 0 when none runs */
	char **users;	/* registered containers on the managed bridge */
	char **absent;	/* "NAME (BRIDGE)": on a bridge sysctr does not
			   manage, which does not exist */
};
void sysctr_net_health(struct sysctr *s, struct sysctr_net_health *h);
void sysctr_net_health_clear(struct sysctr_net_health *h);

#endif

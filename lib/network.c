/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The managed bridge (network.h). What runs is rebuilt from what is
 * recorded: the leases from the registry, the forwards from the
 * containers' container.conf, the rest from sysctr.conf; the files
 * dnsmasq reads live under the run directory, its lease file beside the
 * registry. Host tools do the kernel work: ip(8) for the bridge, nft(8)
 * for one table of sysctr's own (replaced whole, atomically), dnsmasq(8)
 * as a daemon that re-reads its hosts files on SIGHUP. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf-cache.h"
#include "conf-check.h"
#include "conf.h"
#include "container.h"
#include "error.h"
#include "lock.h"
#include "log.h"
#include "lxcconf.h"
#include "network.h"
#include "util.h"

int sysctr_net_subnet(const char *cidr, uint32_t *gw, int *prefix,
		      uint32_t *first, uint32_t *last)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	struct in_addr a;
	uint32_t mask, net;
	char *end = NULL;
	long p;

	if (slash == NULL || (size_t)(slash - cidr) >= sizeof(addr))
		return -1;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	p = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &a) != 1 || *end != '\0' || p < 8 ||
	    p > 30)
		return -1;
	*gw = ntohl(a.s_addr);
	*prefix = (int)p;
	mask = 0xffffffffU << (32 - p);
	net = *gw & mask;
	if (*gw == net || *gw == (net | ~mask))
		return -1;
	*first = net + 1;
	*last = (net | ~mask) - 1;
	return 0;
}

int sysctr_net_route_clash(const char *routes, uint32_t net, int prefix,
			   const char *bridge, char *dev, size_t devlen,
			   char *route, size_t routelen)
{
	const char *line = routes;

	/* /proc/net/route: a header, then Iface Destination Gateway Flags
	 * RefCnt Use Metric Mask ..., addresses in hex, network byte order
	 * as the kernel stores them */
	while (line != NULL && *line != '\0') {
		const char *next = strchr(line, '\n');
		char ifc[64];
		unsigned int dst, gwy, flags, mask;
		int refcnt, use, metric;

		if (sscanf(line, "%63s %x %x %x %d %d %d %x", ifc, &dst, &gwy,
			   &flags, &refcnt, &use, &metric, &mask) == 8 &&
		    mask != 0 && strcmp(ifc, bridge) != 0) {
			uint32_t d = ntohl(dst), m = ntohl(mask);
			uint32_t ours = 0xffffffffU << (32 - prefix);
			uint32_t both = m & ours; /* the wider of the two */

			if ((d & both) == (net & both)) {
				struct in_addr a = { .s_addr = dst };
				char txt[INET_ADDRSTRLEN];
				int bits = 0;

				for (uint32_t b = m; b != 0; b <<= 1)
					bits++;
				inet_ntop(AF_INET, &a, txt, sizeof(txt));
				snprintf(dev, devlen, "%s", ifc);
				snprintf(route, routelen, "%s/%d", txt, bits);
				return 1;
			}
		}
		line = next == NULL ? NULL : next + 1;
	}
	return 0;
}

bool sysctr_net_is_managed(struct sysctr *s, const char *bridge)
{
	return s->cfg->network.managed && bridge != NULL &&
	       strcmp(bridge, s->cfg->network.bridge) == 0;
}

/* ---- paths and tools ------------------------------------------------- */

static char *run_dir(struct sysctr *s)
{
	cleanup_free char *locks = xstrdup(s->locks_dir);

	return xasprintf("%s/net", dirname(locks));
}

static char *state_dir(struct sysctr *s)
{
	cleanup_free char *db = xstrdup(s->db_path);

	return xasprintf("%s/net", dirname(db));
}

static char *run_file(struct sysctr *s, const char *suffix)
{
	cleanup_free char *dir = run_dir(s);

	return xasprintf("%s/%s.%s", dir, s->cfg->network.bridge, suffix);
}

/* The host tool's full path (the units run with a short PATH). */
static const char *tool(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin",
					    "/bin" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

static int need_tool(const char *name, const char *package, char *buf,
		     size_t len, struct sysctr_error **err)
{
	if (tool(name, buf, len) != NULL)
		return 0;
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "%s is missing: the managed network needs it "
			  "(install the %s package)",
			  name, package);
}

static int ip_cmd(struct sysctr_error **err, const char *a0, const char *a1,
		  const char *a2, const char *a3, const char *a4,
		  const char *a5)
{
	char ip[64];
	char *argv[] = { ip,	     (char *)a0, (char *)a1, (char *)a2,
			 (char *)a3, (char *)a4, (char *)a5, NULL };

	if (need_tool("ip", "iproute2", ip, sizeof(ip), err) < 0)
		return -1;
	return run_capture(argv, NULL, err);
}

static bool bridge_exists(const char *bridge)
{
	cleanup_free char *p = xasprintf("/sys/class/net/%s/bridge", bridge);

	return is_dir(p);
}

/* ---- what dnsmasq and nftables get ------------------------------------ */

struct subnet {
	uint32_t gw_n;
	char gw[INET_ADDRSTRLEN];
	char net[INET_ADDRSTRLEN];
	char mask[INET_ADDRSTRLEN];
	int prefix;
	uint32_t first, last;
};

static void ntoa(uint32_t host, char *buf)
{
	struct in_addr a = { .s_addr = htonl(host) };

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int subnet_of(struct sysctr *s, struct subnet *n,
		     struct sysctr_error **err)
{
	uint32_t gw;

	if (sysctr_net_subnet(s->cfg->network.ipv4, &gw, &n->prefix, &n->first,
			      &n->last) < 0)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "sysctr.conf's network.ipv4: invalid "
				  "subnet '%s'",
				  s->cfg->network.ipv4);
	n->gw_n = gw;
	ntoa(gw, n->gw);
	ntoa(n->first - 1, n->net);
	ntoa(0xffffffffU << (32 - n->prefix), n->mask);
	return 0;
}

static char *dnsmasq_conf(struct sysctr *s, const struct subnet *n)
{
	const struct sysctr_host_config *h = s->cfg;
	cleanup_free char *pid = run_file(s, "pid");
	cleanup_free char *hosts = run_file(s, "hosts");
	cleanup_free char *names = run_file(s, "names");
	cleanup_free char *state = state_dir(s);

	/* static leases only: every address comes from the registry, so
	 * dnsmasq never hands out one a container already has */
	return xasprintf(
	    "# Written by sysctr for %s: do not edit (sysctr.conf's network).\n"
	    "pid-file=%s\n"
	    "interface=%s\n"
	    "except-interface=lo\n"
	    "bind-interfaces\n"
	    "listen-address=%s\n"
	    "dhcp-range=%s,static,%s,1h\n"
	    "dhcp-authoritative\n"
	    "dhcp-no-override\n"
	    "dhcp-leasefile=%s/%s.leases\n"
	    "dhcp-hostsfile=%s\n"
	    "addn-hosts=%s\n"
	    "no-hosts\n"
	    "domain=%s\n"
	    "local=/%s/\n"
	    "domain-needed\n"
	    "bogus-priv\n"
	    "strict-order\n"
	    "log-facility=%s/dnsmasq-%s.log\n"
	    "%s",
	    h->network.bridge, pid, h->network.bridge, n->gw, n->net, n->mask,
	    state, h->network.bridge, hosts, names, h->network.domain,
	    h->network.domain, s->logs_dir, h->network.bridge,
	    /* an isolated network asks nobody outside */
	    h->network.nat ? "" : "no-resolv\n");
}

/* dnsmasq's hosts files from the leases: MAC,IP,NAME for DHCP and
 * "IP NAME NAME.DOMAIN" for DNS. */
static int write_hosts(struct sysctr *s, struct sysctr_error **err)
{
	cleanup_free char *hosts_path = run_file(s, "hosts");
	cleanup_free char *names_path = run_file(s, "names");
	struct sysctr_lease_row *rows = NULL;
	char *hosts = NULL, *names = NULL;
	size_t hlen = 0, nlen = 0, n = 0;
	FILE *hf = open_memstream(&hosts, &hlen);
	FILE *nf = open_memstream(&names, &nlen);
	int ret;

	if (hf == NULL || nf == NULL)
		abort();
	ret = sysctr_store_lease_list(s->store, s->cfg->network.bridge, &rows,
				      &n, err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		fprintf(hf, "%s,%s,%s\n", rows[i].hwaddr, rows[i].ipv4,
			rows[i].container);
		fprintf(nf, "%s %s %s.%s\n", rows[i].ipv4, rows[i].container,
			rows[i].container, s->cfg->network.domain);
	}
	fclose(hf);
	fclose(nf);
	sysctr_lease_rows_free(rows, n);
	if (ret == 0)
		ret = write_file_replace(hosts_path, hosts, hlen, 0644, err);
	if (ret == 0)
		ret = write_file_replace(names_path, names, nlen, 0644, err);
	free(hosts);
	free(names);
	return ret;
}

/* Every forward of every registered container, with its lease. Each
 * container.conf as the registry's summary of it says while the file is
 * unchanged (conf-cache.h): a start on a host of hundreds of containers
 * reads only the files that changed. */
static int collect_forwards(struct sysctr *s, struct sysctr_net_forward **out,
			    size_t *nout, struct sysctr_error **err)
{
	struct sysctr_ct_row *rows = NULL;
	struct sysctr_conf_cache cc;
	struct sysctr_net_forward *fw = NULL;
	size_t n = 0, count = 0;

	if (sysctr_store_ct_list(s->store, &rows, &n, err) < 0)
		return -1;
	sysctr_conf_cache_open(s, &cc);
	for (size_t i = 0; i < n; i++) {
		struct sysctr_summary sum;
		cleanup_error struct sysctr_error *e = NULL;
		cleanup_free char *list = NULL, *ip = NULL;
		char *save = NULL;

		/* a file that cannot be read forwards nothing */
		if (sysctr_conf_cache_get(s, &cc, rows[i].name, &sum, &e) < 0)
			continue;
		list = steal_ptr(&sum.forwards);
		sysctr_summary_clear(&sum);
		if (list[0] == '\0')
			continue;
		ip = sysctr_net_lease_of(s, rows[i].name);
		for (char *spec = strtok_r(list, ",", &save); spec != NULL;
		     spec = strtok_r(NULL, ",", &save)) {
			struct sysctr_net_forward *f;
			const char *proto;
			unsigned hp, p;

			if (sysctr_conf_parse_forward(spec, &hp, &p, &proto) <
			    0)
				continue;
			fw = xrealloc(fw, (count + 1) * sizeof(*fw));
			f = &fw[count++];
			f->container = xstrdup(rows[i].name);
			f->ipv4 = xstrdup_or_null(ip);
			f->host_port = hp;
			f->port = p;
			f->proto = xstrdup(proto);
		}
	}
	sysctr_conf_cache_close(s, &cc);
	sysctr_ct_rows_free(rows, n);
	*out = fw;
	*nout = count;
	return 0;
}

static void forwards_free(struct sysctr_net_forward *fw, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(fw[i].container);
		free(fw[i].ipv4);
		free(fw[i].proto);
	}
	free(fw);
}

static char *table_name(struct sysctr *s)
{
	char *t = xasprintf("sysctr_%s", s->cfg->network.bridge);

	for (char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	return t;
}

/* The whole table, replaced in one nft transaction. */
static int apply_nft(struct sysctr *s, const struct subnet *n,
		     struct sysctr_error **err)
{
	const char *br = s->cfg->network.bridge;
	cleanup_free char *table = table_name(s);
	cleanup_free char *path = run_file(s, "nft");
	struct sysctr_net_forward *fw = NULL;
	size_t nfw = 0, len = 0;
	char *text = NULL;
	char nft[64];
	FILE *f;
	int ret;

	if (need_tool("nft", "nftables", nft, sizeof(nft), err) < 0 ||
	    collect_forwards(s, &fw, &nfw, err) < 0)
		return -1;
	f = open_memstream(&text, &len);
	if (f == NULL)
		abort();
	fprintf(f, "table ip %s {}\ndelete table ip %s\n", table, table);
	fprintf(f, "table ip %s {\n", table);
	fprintf(f, " chain forward {\n"
		   "  type filter hook forward priority filter; policy "
		   "accept;\n");
	if (!s->cfg->network.nat)
		fprintf(f, "  iifname \"%s\" oifname != \"%s\" drop\n", br, br);
	fprintf(f, " }\n");
	if (s->cfg->network.nat)
		fprintf(f,
			" chain postrouting {\n"
			"  type nat hook postrouting priority srcnat; policy "
			"accept;\n"
			"  ip saddr %s/%d ip daddr != %s/%d masquerade\n"
			" }\n",
			n->net, n->prefix, n->net, n->prefix);
	/* from outside (prerouting) and from the host itself (output) */
	for (int hook = 0; hook < 2; hook++) {
		fprintf(f,
			" chain %s {\n"
			"  type nat hook %s priority %s; policy accept;\n",
			hook ? "output" : "prerouting",
			hook ? "output" : "prerouting",
			hook ? "-100" : "dstnat");
		for (size_t i = 0; i < nfw; i++)
			if (fw[i].ipv4 != NULL)
				fprintf(f,
					"  fib daddr type local %s dport %u "
					"dnat to %s:%u\n",
					fw[i].proto, fw[i].host_port,
					fw[i].ipv4, fw[i].port);
		fprintf(f, " }\n");
	}
	fprintf(f, "}\n");
	fclose(f);
	forwards_free(fw, nfw);
	ret = write_file_replace(path, text, len, 0644, err);
	free(text);
	if (ret == 0) {
		char *argv[] = { nft, (char *)"-f", path, NULL };

		ret = run_capture(argv, NULL, err);
		if (ret < 0)
			sysctr_err_prefix(err, "nftables table %s", table);
	}
	return ret;
}

/* dnsmasq's pid from its pid file when that process is dnsmasq; else 0. */
static pid_t dnsmasq_pid(struct sysctr *s)
{
	cleanup_free char *pidfile = run_file(s, "pid");
	cleanup_free char *text = NULL, *cmd = NULL, *exe = NULL;
	char path[64];
	long pid;

	if (read_file(pidfile, &text, NULL, NULL) < 0)
		return 0;
	pid = strtol(text, NULL, 10);
	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (read_file(path, &cmd, NULL, NULL) < 0 ||
	    !str_starts_with(cmd, "dnsmasq"))
		return 0;
	return (pid_t)pid;
}

static int start_dnsmasq(struct sysctr *s, const struct subnet *n,
			 struct sysctr_error **err)
{
	cleanup_free char *conf_path = run_file(s, "dnsmasq.conf");
	cleanup_free char *conf = dnsmasq_conf(s, n);
	cleanup_free char *old = NULL;
	cleanup_free char *arg = NULL;
	pid_t pid = dnsmasq_pid(s);
	char bin[64];

	if (need_tool("dnsmasq", "dnsmasq-base", bin, sizeof(bin), err) < 0)
		return -1;
	/* running with this very configuration: the hosts files are new */
	if (pid > 0 && read_file(conf_path, &old, NULL, NULL) == 0 &&
	    strcmp(old, conf) == 0) {
		kill(pid, SIGHUP);
		return 0;
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
			usleep(10000);
	}
	if (write_file_replace(conf_path, conf, strlen(conf), 0644, err) < 0)
		return -1;
	arg = xasprintf("--conf-file=%s", conf_path);
	{
		char *argv[] = { bin, arg, (char *)"--user=nobody",
				 (char *)"--group=nogroup", NULL };

		if (run_capture(argv, NULL, err) < 0)
			return sysctr_err_prefix(err, "start dnsmasq on %s",
						 s->cfg->network.bridge);
	}
	return 0;
}

static int net_lock(struct sysctr *s, struct sysctr_error **err)
{
	cleanup_free char *dir = run_dir(s);
	cleanup_free char *path =
	    xasprintf("%s/%s.lock", dir, s->cfg->network.bridge);

	cleanup_free char *up = xstrdup(dir);
	size_t root_len = strlen(s->root);
	struct stat st;

	if (mkdir_p(dir, 0755, err) < 0)
		return -1;
	/* dnsmasq re-reads its hosts files as nobody: the directories
	 * above (0700 for the locks) must let it pass, not list; up to
	 * --root or / */
	for (char *p = dirname(up); strlen(p) > root_len && strcmp(p, "/") != 0;
	     p = dirname(p))
		if (stat(p, &st) == 0 && (st.st_mode & 0001) == 0 &&
		    chmod(p, (st.st_mode & 07777) | 0111) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "chmod %s", p);
	return sysctr_lock_path(path, s->cfg->timeouts.lock, err);
}

static int ip_forward_on(struct sysctr_error **err)
{
	cleanup_close int fd =
	    open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1\n", 2) != 2)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "enable IPv4 forwarding (masquerade needs "
				  "it)");
	return 0;
}

/* A new bridge must not take a subnet the host already routes (a LAN,
 * a VPN, another tool's bridge): its containers would shadow real
 * hosts. Incus picks a free subnet on init; we refuse and say which. */
static int subnet_free(const struct subnet *n, const char *br,
		       struct sysctr_error **err)
{
	cleanup_free char *routes = NULL;
	char dev[64], route[INET_ADDRSTRLEN + 4];

	if (read_file("/proc/net/route", &routes, NULL, NULL) < 0)
		return 0; /* no procfs view: ip(8) reports a real clash */
	if (sysctr_net_route_clash(routes, n->first - 1, n->prefix, br, dev,
				   sizeof(dev), route, sizeof(route)) == 0)
		return 0;
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "network.ipv4 %s/%d overlaps the host's route %s "
			  "on %s: choose a free subnet in sysctr.conf",
			  n->gw, n->prefix, route, dev);
}

static int up_locked(struct sysctr *s, struct sysctr_error **err)
{
	const char *br = s->cfg->network.bridge;
	cleanup_free char *state = state_dir(s);
	cleanup_free char *cidr = NULL;
	struct subnet n;

	if (subnet_of(s, &n, err) < 0 || mkdir_p(state, 0755, err) < 0)
		return -1;
	cidr = xasprintf("%s/%d", n.gw, n.prefix);
	if (!bridge_exists(br)) {
		if (subnet_free(&n, br, err) < 0)
			return -1;
		if (ip_cmd(err, "link", "add", br, "type", "bridge", NULL) < 0)
			return sysctr_err_prefix(err, "create bridge %s", br);
	}
	if (ip_cmd(err, "addr", "replace", cidr, "dev", br, NULL) < 0 ||
	    ip_cmd(err, "link", "set", br, "up", NULL, NULL) < 0)
		return sysctr_err_prefix(err, "bridge %s", br);
	/* masquerade needs the host to route; an isolated network does
	 * not */
	if (s->cfg->network.nat && ip_forward_on(err) < 0)
		return -1;
	if (apply_nft(s, &n, err) < 0 || write_hosts(s, err) < 0)
		return -1;
	return start_dnsmasq(s, &n, err);
}

static int need_managed(struct sysctr *s, struct sysctr_error **err)
{
	if (sysctr_need_store(s, err) < 0)
		return -1;
	if (!s->cfg->network.managed)
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "sysctr.conf manages no bridge (network."
				  "managed = false)");
	return 0;
}

SYSCTR_PUBLIC int sysctr_net_up(struct sysctr *s, struct sysctr_error **err)
{
	cleanup_lock int lock = -1;

	if (need_managed(s, err) < 0)
		return -1;
	lock = net_lock(s, err);
	if (lock < 0)
		return -1;
	return up_locked(s, err);
}

int sysctr_net_attach(struct sysctr *s, const char *name, char **hwaddr,
		      struct sysctr_error **err)
{
	struct sysctr_lease_row lease = { 0 };
	cleanup_lock int lock = -1;
	struct subnet n;
	int ret;

	if (need_managed(s, err) < 0 || subnet_of(s, &n, err) < 0)
		return -1;
	lock = net_lock(s, err);
	if (lock < 0)
		return -1;
	/* The common start: its lease known to dnsmasq and the forwards,
	 * the bridge up. Nothing to write or run (`network up` repairs what
	 * somebody else removed). */
	if (sysctr_store_lease_get(s->store, name, s->cfg->network.bridge,
				   &lease, NULL) == 1 &&
	    bridge_exists(s->cfg->network.bridge) && dnsmasq_pid(s) > 0) {
		*hwaddr = steal_ptr(&lease.hwaddr);
		sysctr_lease_row_clear(&lease);
		return 0;
	}
	sysctr_lease_row_clear(&lease);
	if (sysctr_store_lease_take(s->store, name, s->cfg->network.bridge,
				    n.first, n.last, n.gw_n, &lease, err) < 0)
		return sysctr_err_prefix(err, "address on %s",
					 s->cfg->network.bridge);
	ret = up_locked(s, err);
	if (ret == 0)
		*hwaddr = steal_ptr(&lease.hwaddr);
	sysctr_lease_row_clear(&lease);
	return ret;
}

int sysctr_net_refresh(struct sysctr *s, struct sysctr_error **err)
{
	cleanup_lock int lock = -1;
	struct subnet n;
	pid_t pid;

	if (!s->cfg->network.managed || s->store == NULL ||
	    !bridge_exists(s->cfg->network.bridge))
		return 0;
	if (subnet_of(s, &n, err) < 0)
		return -1;
	lock = net_lock(s, err);
	if (lock < 0)
		return -1;
	if (apply_nft(s, &n, err) < 0 || write_hosts(s, err) < 0)
		return -1;
	pid = dnsmasq_pid(s);
	if (pid > 0)
		kill(pid, SIGHUP);
	return 0;
}

char *sysctr_net_lease_of(struct sysctr *s, const char *name)
{
	struct sysctr_lease_row r = { 0 };
	struct sysctr_error *e = NULL;
	char *ip = NULL;

	if (s->store == NULL)
		return NULL;
	if (sysctr_store_lease_get(s->store, name, s->cfg->network.bridge, &r,
				   &e) == 1)
		ip = steal_ptr(&r.ipv4);
	sysctr_error_free(e);
	sysctr_lease_row_clear(&r);
	return ip;
}

/* Which of names use the managed bridge (by their container.conf; one
 * that cannot be read counts). */
static char **users_of(struct sysctr *s, char *const *active)
{
	char **out = xcalloc(1, sizeof(char *));

	for (size_t i = 0; active[i] != NULL; i++) {
		cleanup_free char *path = sysctr_ct_conf_path(s, active[i]);
		cleanup_ctconf struct sysctr_ct_config *ct = NULL;
		struct sysctr_error *e = NULL;
		const char *mode, *br;

		if (sysctr_ct_config_load(path, &ct, &e) < 0) {
			sysctr_error_free(e);
			strv_push(&out, active[i]); /* cannot tell: in use */
			continue;
		}
		mode = sysctr_lxcconf_net_mode(ct, s->cfg);
		br = sysctr_lxcconf_net_bridge(ct, s->cfg);
		if (strcmp(mode, "bridge") == 0 &&
		    strcmp(br, s->cfg->network.bridge) == 0)
			strv_push(&out, active[i]);
	}
	return out;
}

/* Running containers whose veth is on the managed bridge. */
static char **users(struct sysctr *s)
{
	cleanup_strv char **active = sysctr_ct_active_names(s);

	return users_of(s, active);
}

SYSCTR_PUBLIC bool sysctr_net_wanted(struct sysctr *s)
{
	struct sysctr_ct_row *rows = NULL;
	struct sysctr_error *e = NULL;
	cleanup_strv char **names = xcalloc(1, sizeof(char *));
	cleanup_strv char **using = NULL;
	size_t n = 0;

	if (!s->cfg->network.managed)
		return false;
	if (strcmp(s->cfg->network.mode, "bridge") == 0)
		return true;
	if (s->store == NULL ||
	    sysctr_store_ct_list(s->store, &rows, &n, &e) < 0) {
		sysctr_error_free(e);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		strv_push(&names, rows[i].name);
	sysctr_ct_rows_free(rows, n);
	using = users_of(s, names);
	return using[0] != NULL;
}

SYSCTR_PUBLIC int sysctr_net_down(struct sysctr *s, struct sysctr_error **err)
{
	const char *br = s->cfg->network.bridge;
	cleanup_free char *table = NULL;
	cleanup_strv char **busy = NULL;
	cleanup_lock int lock = -1;
	pid_t pid;
	char nft[64];

	if (need_managed(s, err) < 0)
		return -1;
	lock = net_lock(s, err);
	if (lock < 0)
		return -1;
	busy = users(s);
	if (busy[0] != NULL) {
		cleanup_free char *names = strv_join(busy, ", ");

		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "%s is in use by running containers: %s "
				  "(stop them first)",
				  br, names);
	}
	pid = dnsmasq_pid(s);
	if (pid > 0) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
			usleep(10000);
	}
	table = table_name(s);
	if (tool("nft", nft, sizeof(nft)) != NULL) {
		char *argv[] = { nft,
				 (char *)"delete",
				 (char *)"table",
				 (char *)"ip",
				 table,
				 NULL };
		struct sysctr_error *e = NULL;

		/* gone already is as good */
		if (run_capture(argv, NULL, &e) < 0)
			sysctr_error_free(e);
	}
	if (bridge_exists(br) &&
	    ip_cmd(err, "link", "del", br, NULL, NULL, NULL) < 0)
		return sysctr_err_prefix(err, "remove bridge %s", br);
	{
		static const char *const files[] = { "pid", "hosts", "names",
						     "nft", "dnsmasq.conf" };

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			cleanup_free char *p = run_file(s, files[i]);

			unlink(p);
		}
	}
	return 0;
}

SYSCTR_PUBLIC void sysctr_net_status_clear(struct sysctr_net_status *st)
{
	free(st->bridge);
	free(st->subnet);
	free(st->domain);
	strv_free(st->leases);
	forwards_free(st->forwards, st->nforwards);
	memset(st, 0, sizeof(*st));
}

SYSCTR_PUBLIC int sysctr_net_show(struct sysctr *s,
				  struct sysctr_net_status *out,
				  struct sysctr_error **err)
{
	struct sysctr_lease_row *rows = NULL;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (sysctr_need_store(s, err) < 0)
		return -1;
	out->bridge = xstrdup(s->cfg->network.bridge);
	out->subnet = xstrdup(s->cfg->network.ipv4);
	out->domain = xstrdup(s->cfg->network.domain);
	out->managed = s->cfg->network.managed;
	out->nat = s->cfg->network.nat;
	out->up = bridge_exists(out->bridge);
	out->dnsmasq = dnsmasq_pid(s);
	out->leases = xcalloc(1, sizeof(char *));
	if (sysctr_store_lease_list(s->store, out->bridge, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *line =
		    xasprintf("%s %s %s", rows[i].container, rows[i].ipv4,
			      rows[i].hwaddr);

		strv_push(&out->leases, line);
	}
	sysctr_lease_rows_free(rows, n);
	return collect_forwards(s, &out->forwards, &out->nforwards, err);
}

/* ---- doctor ------------------------------------------------------------ */

void sysctr_net_health_clear(struct sysctr_net_health *h)
{
	strv_free(h->missing);
	strv_free(h->users);
	strv_free(h->absent);
	free(h->clash);
	memset(h, 0, sizeof(*h));
}

/* Which registered containers are on a bridge: the managed one (users),
 * or one that sysctr does not manage and that does not exist (absent,
 * "NAME (BRIDGE)"). */
static void bridge_users(struct sysctr *s, struct sysctr_net_health *h)
{
	struct sysctr_ct_row *rows = NULL;
	struct sysctr_error *e = NULL;
	size_t n = 0;

	if (s->store == NULL ||
	    sysctr_store_ct_list(s->store, &rows, &n, &e) < 0) {
		sysctr_error_free(e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = sysctr_ct_conf_path(s, rows[i].name);
		cleanup_ctconf struct sysctr_ct_config *ct = NULL;
		const char *mode, *br;

		if (sysctr_ct_config_load(path, &ct, &e) < 0) {
			sysctr_error_free(e);
			e = NULL;
			continue;
		}
		mode = sysctr_lxcconf_net_mode(ct, s->cfg);
		br = sysctr_lxcconf_net_bridge(ct, s->cfg);
		if (strcmp(mode, "bridge") != 0)
			continue;
		if (sysctr_net_is_managed(s, br)) {
			strv_push(&h->users, rows[i].name);
		} else if (!bridge_exists(br)) {
			cleanup_free char *what =
			    xasprintf("%s (%s)", rows[i].name, br);

			strv_push(&h->absent, what);
		}
	}
	sysctr_ct_rows_free(rows, n);
}

void sysctr_net_health(struct sysctr *s, struct sysctr_net_health *h)
{
	/* what ip_cmd(), apply_nft() and start_dnsmasq() need */
	static const char *const tools[][2] = {
		{ "ip", "iproute2" },
		{ "dnsmasq", "dnsmasq-base" },
		{ "nft", "nftables" },
	};
	cleanup_free char *routes = NULL;
	struct subnet n;
	char buf[64], dev[64], route[INET_ADDRSTRLEN + 4];

	memset(h, 0, sizeof(*h));
	h->missing = xcalloc(1, sizeof(char *));
	h->users = xcalloc(1, sizeof(char *));
	h->absent = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		struct sysctr_error *e = NULL;

		if (need_tool(tools[i][0], tools[i][1], buf, sizeof(buf), &e) <
		    0)
			strv_push(&h->missing, e->msg);
		sysctr_error_free(e);
	}
	h->subnet_ok = subnet_of(s, &n, NULL) == 0;
	if (h->subnet_ok &&
	    read_file("/proc/net/route", &routes, NULL, NULL) == 0 &&
	    sysctr_net_route_clash(routes, n.first - 1, n.prefix,
				   s->cfg->network.bridge, dev, sizeof(dev),
				   route, sizeof(route)) == 1)
		h->clash = xasprintf("%s on %s", route, dev);
	h->up = bridge_exists(s->cfg->network.bridge);
	h->dnsmasq = dnsmasq_pid(s);
	bridge_users(s, h);
}

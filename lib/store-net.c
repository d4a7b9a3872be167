/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry's address leases on sysctr's managed bridge: one IPv4
 * address and one MAC per container and bridge, handed out by dnsmasq
 * as static leases. UNIQUE (bridge, ipv4) makes two containers with one
 * address impossible, whatever runs in parallel; the row goes with its
 * container (ON DELETE CASCADE). Constant SQL with bound parameters
 * only, like store-rows.c. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "error.h"
#include "store-sql.h"
#include "util.h"

void sysctr_lease_row_clear(struct sysctr_lease_row *r)
{
	free(r->container);
	free(r->ipv4);
	free(r->hwaddr);
	memset(r, 0, sizeof(*r));
}

void sysctr_lease_rows_free(struct sysctr_lease_row *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++)
		sysctr_lease_row_clear(&rows[i]);
	free(rows);
}

static void lease_read(sqlite3_stmt *s, void *p)
{
	struct sysctr_lease_row *r = p;

	r->container = store_col_text(s, 0);
	r->ipv4 = store_col_text(s, 1);
	r->hwaddr = store_col_text(s, 2);
}

static void lease_clear(void *p)
{
	sysctr_lease_row_clear(p);
}

int sysctr_store_lease_list(struct sysctr_store *st, const char *bridge,
			    struct sysctr_lease_row **out, size_t *n,
			    struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	void *rows = NULL;

	s = store_prepare(st->db,
			  "SELECT c.name, l.ipv4, l.hwaddr FROM leases l "
			  "JOIN containers c ON c.id = l.container_id "
			  "WHERE l.bridge = ?1 ORDER BY c.name",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, bridge) != SQLITE_OK)
		return store_fail(st->db, "bind", err);
	if (store_fetch_all(st->db, s, sizeof(struct sysctr_lease_row),
			    lease_read, lease_clear, &rows, n, err) < 0)
		return -1;
	*out = rows;
	return 0;
}

static int lease_get(sqlite3 *db, const char *name, const char *bridge,
		     struct sysctr_lease_row *out, struct sysctr_error **err)
{
	memset(out, 0, sizeof(*out));
	cleanup_stmt sqlite3_stmt *s = NULL;

	s = store_prepare(db,
			  "SELECT c.name, l.ipv4, l.hwaddr FROM leases l "
			  "JOIN containers c ON c.id = l.container_id "
			  "WHERE c.name = ?1 AND l.bridge = ?2",
			  err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, name) != SQLITE_OK ||
	    store_bind_text(s, 2, bridge) != SQLITE_OK)
		return store_fail(db, "bind", err);
	return store_fetch_one(db, s, lease_read, out, err);
}

int sysctr_store_lease_get(struct sysctr_store *st, const char *name,
			   const char *bridge, struct sysctr_lease_row *out,
			   struct sysctr_error **err)
{
	return lease_get(st->db, name, bridge, out, err);
}

/* A locally administered unicast MAC in the 00:16:3e range LXC uses. */
static char *new_hwaddr(void)
{
	unsigned char b[3] = { 0 };

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	return xasprintf("00:16:3e:%02x:%02x:%02x", b[0] & 0x7f, b[1], b[2]);
}

/* The lowest address of first..last (host order) but avoid that no row
 * of bridge has. */
static int free_address(sqlite3 *db, const char *bridge, uint32_t first,
			uint32_t last, uint32_t avoid, char **out,
			struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	cleanup_free unsigned char *used = NULL;
	uint32_t span = last - first + 1;
	int rc;

	s = store_prepare(db, "SELECT ipv4 FROM leases WHERE bridge = ?1", err);
	if (s == NULL)
		return -1;
	if (store_bind_text(s, 1, bridge) != SQLITE_OK)
		return store_fail(db, "bind", err);
	used = xcalloc(span, 1);
	if (avoid >= first && avoid <= last)
		used[avoid - first] = 1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct in_addr a;
		const char *t = (const char *)sqlite3_column_text(s, 0);

		if (t != NULL && inet_pton(AF_INET, t, &a) == 1 &&
		    ntohl(a.s_addr) >= first && ntohl(a.s_addr) <= last)
			used[ntohl(a.s_addr) - first] = 1;
	}
	if (rc != SQLITE_DONE)
		return store_fail(db, "step", err);
	for (uint32_t i = 0; i < span; i++) {
		struct in_addr a = { .s_addr = htonl(first + i) };
		char buf[INET_ADDRSTRLEN];

		if (used[i])
			continue;
		inet_ntop(AF_INET, &a, buf, sizeof(buf));
		*out = xstrdup(buf);
		return 0;
	}
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "no free address left on %s (every one of its "
			  "subnet is leased)",
			  bridge);
}

int sysctr_store_lease_take(struct sysctr_store *st, const char *name,
			    const char *bridge, uint32_t first, uint32_t last,
			    uint32_t avoid, struct sysctr_lease_row *out,
			    struct sysctr_error **err)
{
	cleanup_stmt sqlite3_stmt *s = NULL;
	cleanup_free char *ip = NULL, *mac = NULL;
	bool own;
	int ret;

	memset(out, 0, sizeof(*out));
	/* BEGIN IMMEDIATE: the look for a free address and the insert are
	 * one step for every other sysctr */
	if (store_tx_open(st, &own, err) < 0)
		return -1;
	ret = lease_get(st->db, name, bridge, out, err);
	if (ret != 0)
		return store_tx_close(st->db, own, ret < 0 ? -1 : 0, err);
	ret = free_address(st->db, bridge, first, last, avoid, &ip, err);
	if (ret == 0) {
		mac = new_hwaddr();
		/* one lease per container: one on another bridge goes */
		s = store_prepare(st->db,
				  "INSERT OR REPLACE INTO leases "
				  "(container_id, bridge, ipv4, hwaddr) "
				  "SELECT id, ?2, ?3, ?4 FROM containers "
				  "WHERE name = ?1",
				  err);
		ret = s == NULL ? -1 : 0;
	}
	if (ret == 0 && (store_bind_text(s, 1, name) != SQLITE_OK ||
			 store_bind_text(s, 2, bridge) != SQLITE_OK ||
			 store_bind_text(s, 3, ip) != SQLITE_OK ||
			 store_bind_text(s, 4, mac) != SQLITE_OK))
		ret = store_fail(st->db, "bind", err);
	if (ret == 0)
		ret = store_step_done(st->db, s, err);
	if (ret == 0 && sqlite3_changes(st->db) != 1)
		ret =
		    sysctr_err(err, SYSCTR_E_NOT_FOUND, 0, "no such container");
	ret = store_tx_close(st->db, own, ret, err);
	if (ret < 0)
		return -1;
	out->container = xstrdup(name);
	out->ipv4 = steal_ptr(&ip);
	out->hwaddr = steal_ptr(&mac);
	return 0;
}

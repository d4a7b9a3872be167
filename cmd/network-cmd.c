/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `sysctr network show|up|down`: sysctr's managed bridge. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static json_object *show_json(const struct sysctr_net_status *st)
{
	json_object *o = json_object_new_object();
	json_object *leases = json_object_new_array();
	json_object *fwd = json_object_new_array();

	json_object_object_add(o, "bridge", cli_json_str(st->bridge));
	json_object_object_add(o, "subnet", cli_json_str(st->subnet));
	json_object_object_add(o, "domain", cli_json_str(st->domain));
	json_object_object_add(o, "managed",
			       json_object_new_boolean(st->managed));
	json_object_object_add(o, "nat", json_object_new_boolean(st->nat));
	json_object_object_add(o, "up", json_object_new_boolean(st->up));
	json_object_object_add(
	    o, "dnsmasq_pid",
	    st->dnsmasq > 0 ? json_object_new_int(st->dnsmasq) : NULL);
	for (size_t i = 0; st->leases[i] != NULL; i++) {
		char name[256] = "", ip[64] = "", mac[64] = "";
		json_object *l = json_object_new_object();

		sscanf(st->leases[i], "%255s %63s %63s", name, ip, mac);
		json_object_object_add(l, "name", json_object_new_string(name));
		json_object_object_add(l, "ipv4", json_object_new_string(ip));
		json_object_object_add(l, "hwaddr",
				       json_object_new_string(mac));
		json_object_array_add(leases, l);
	}
	json_object_object_add(o, "leases", leases);
	for (size_t i = 0; i < st->nforwards; i++) {
		const struct sysctr_net_forward *f = &st->forwards[i];
		json_object *l = json_object_new_object();

		json_object_object_add(l, "name",
				       json_object_new_string(f->container));
		json_object_object_add(l, "host_port",
				       json_object_new_int((int)f->host_port));
		json_object_object_add(l, "port",
				       json_object_new_int((int)f->port));
		json_object_object_add(l, "proto",
				       json_object_new_string(f->proto));
		json_object_object_add(l, "ipv4", cli_json_str(f->ipv4));
		json_object_array_add(fwd, l);
	}
	json_object_object_add(o, "forwards", fwd);
	return o;
}

static void show_table(const struct sysctr_net_status *st)
{
	printf("bridge:      %s (%s%s)\n", st->bridge,
	       st->managed ? "managed by sysctr" : "not managed",
	       st->managed ? (st->up ? ", up" : ", down") : "");
	printf("subnet:      %s, %s\n", st->subnet,
	       st->nat ? "masqueraded to the outside" : "isolated");
	printf("dns:         NAME and NAME.%s\n", st->domain);
	if (st->dnsmasq > 0)
		printf("dnsmasq:     running (pid %d)\n", (int)st->dnsmasq);
	else
		printf("dnsmasq:     not running\n");
	printf("leases:%s\n", st->leases[0] ? "" : "      none");
	for (size_t i = 0; st->leases[i] != NULL; i++)
		printf("  %s\n", st->leases[i]);
	printf("forwards:%s\n", st->nforwards ? "" : "    none");
	for (size_t i = 0; i < st->nforwards; i++)
		printf("  host port %u/%s -> %s:%u (%s)\n",
		       st->forwards[i].host_port, st->forwards[i].proto,
		       st->forwards[i].ipv4 ? st->forwards[i].ipv4
					    : "no lease yet",
		       st->forwards[i].port, st->forwards[i].container);
}

int cmd_network(struct cli *cli, int argc, char **argv,
		struct sysctr_error **err)
{
	static const struct option longopts[] = {
		{ "if-wanted", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	bool if_wanted = false;
	const char *sub;
	int ret, opt;

	while ((opt = cli_getopt(cli, argc, argv, "", longopts, err)) != -1) {
		if (opt != 'm')
			return -1;
		if_wanted = true;
	}
	if (argc - optind != 1)
		return cli_usage(cli, err, "needs one of show, up, down");
	sub = argv[optind];
	if (strcmp(sub, "show") == 0) {
		struct sysctr_net_status st;

		ret = sysctr_net_show(cli->s, &st, err);
		if (ret == 0) {
			if (cli->format == CLI_JSON)
				cli_json_print(show_json(&st));
			else
				show_table(&st);
		}
		sysctr_net_status_clear(&st);
		return ret;
	}
	if (strcmp(sub, "up") == 0 || strcmp(sub, "down") == 0) {
		bool up = strcmp(sub, "up") == 0;
		json_object *arr = json_object_new_array();

		/* the boot unit: nothing to do where no container wants
		 * the managed bridge */
		if (if_wanted && !sysctr_net_wanted(cli->s)) {
			json_object_put(arr);
			return 0;
		}
		ret = up ? sysctr_net_up(cli->s, err)
			 : sysctr_net_down(cli->s, err);
		cli_outcome(cli, arr, "network", up ? "up" : "down",
			    ret < 0 ? *err : NULL, NULL, NULL);
		cli_outcomes_print(cli, arr);
		return ret;
	}
	return cli_usage(cli, err, "needs one of show, up, down");
}

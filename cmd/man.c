/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys of container.conf and sysctr.conf for `help config` and
 * `help sysctr.conf`, and the man pages sysctr(1), sysctr.conf(5) and
 * container.conf(5) in roff (`sysctr help --man PAGE`; make builds them
 * so). Commands and options come from the command table, keys from
 * lib/'s key documentation and the schemas' defaults: a new command,
 * option or key is in the pages without an edit here. The prose around
 * them is here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- the keys ---------------------------------------------------------- */

static const char *default_of(const struct sysctr_config_item *items, size_t n,
			      const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].key, key) == 0)
			return items[i].text;
	return NULL;
}

/* "integer 1 to 3600, default 30; applies at once" */
static char *key_facts(enum sysctr_conf_file file,
		       const struct sysctr_key_doc *d,
		       const struct sysctr_config_item *defs, size_t ndefs)
{
	const char *def = default_of(defs, ndefs, d->key);
	cleanup_free char *what = NULL;
	cleanup_free char *dflt = NULL;
	long min, max;

	if (d->values != NULL)
		what = xstrdup(d->values);
	else if (sysctr_key_range(d->key, &min, &max))
		what = xasprintf("an integer, %ld to %ld", min, max);
	else
		what = xstrdup("an integer");
	if (def != NULL)
		dflt = xasprintf("; default %s", *def ? def : "empty");
	return xasprintf(
	    "%s%s%s", what, dflt ? dflt : "",
	    file == SYSCTR_CONF_CONTAINER
		? (sysctr_key_is_live(d->key)
		       ? "; a change applies to a running container at once"
		       : "; a change applies at the next start")
		: "");
}

/* text wrapped at width, each line indented */
static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
	int col = 0;

	while (*text) {
		size_t len = strcspn(text, " ");

		if (col > 0 && col + 1 + (int)len > width) {
			fputc('\n', f);
			col = 0;
		}
		if (col == 0)
			col = fprintf(f, "%*s", indent, "");
		else
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)len, text);
		text += len;
		text += strspn(text, " ");
	}
	if (col > 0)
		fputc('\n', f);
}

int cli_print_keys(FILE *f, enum sysctr_conf_file file,
		   struct sysctr_error **err)
{
	struct sysctr_config_item *defs = NULL;
	const struct sysctr_key_doc *docs;
	size_t n, ndefs;

	if (sysctr_conf_defaults(file, &defs, &ndefs, err) < 0)
		return -1;
	docs = sysctr_key_docs(file, &n);
	fprintf(f, "%s keys:\n",
		file == SYSCTR_CONF_HOST ? "sysctr.conf" : "container.conf");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *facts =
		    key_facts(file, &docs[i], defs, ndefs);

		fprintf(f, "  %s\n", docs[i].key);
		print_wrapped(f, facts, 6, 76);
		print_wrapped(f, docs[i].desc, 6, 76);
	}
	sysctr_config_items_free(defs, ndefs);
	return 0;
}

json_object *cli_keys_json(enum sysctr_conf_file file,
			   struct sysctr_error **err)
{
	struct sysctr_config_item *defs = NULL;
	const struct sysctr_key_doc *docs;
	json_object *arr;
	size_t n, ndefs;

	if (sysctr_conf_defaults(file, &defs, &ndefs, err) < 0)
		return NULL;
	docs = sysctr_key_docs(file, &n);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		long min, max;

		json_object_object_add(o, "key",
				       json_object_new_string(docs[i].key));
		json_object_object_add(o, "values",
				       cli_json_str(docs[i].values));
		if (sysctr_key_range(docs[i].key, &min, &max)) {
			json_object_object_add(o, "min",
					       json_object_new_int64(min));
			json_object_object_add(o, "max",
					       json_object_new_int64(max));
		}
		json_object_object_add(
		    o, "default",
		    cli_json_str(default_of(defs, ndefs, docs[i].key)));
		if (file == SYSCTR_CONF_CONTAINER)
			json_object_object_add(
			    o, "live",
			    json_object_new_boolean(
				sysctr_key_is_live(docs[i].key)));
		json_object_object_add(o, "description",
				       json_object_new_string(docs[i].desc));
		json_object_array_add(arr, o);
	}
	sysctr_config_items_free(defs, ndefs);
	return arr;
}

/* ---- roff -------------------------------------------------------------- */

/* Text as roff: backslashes and minus signs escaped, a line that would
 * start with a control character guarded, `code` in bold; with wrap,
 * input lines broken at a blank past column 56 (mandoc -Tlint asks for
 * lines within 80 bytes, escapes included). */
static void roff_text(FILE *f, const char *s, bool wrap)
{
	bool bold = false, line_start = true;
	int col = 0;

	for (; *s; s++, col++) {
		if (wrap && *s == ' ' && col > 56) {
			fputc('\n', f);
			line_start = true;
			col = -1;
			continue;
		}
		if (line_start && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		line_start = false;
		switch (*s) {
		case '\\':
			fputs("\\e", f);
			break;
		case '-':
			fputs("\\-", f);
			break;
		case '`':
			fputs(bold ? "\\fR" : "\\fB", f);
			bold = !bold;
			break;
		case '\n':
			fputc('\n', f);
			line_start = true;
			col = -1;
			break;
		default:
			fputc(*s, f);
		}
	}
	if (bold)
		fputs("\\fR", f);
}

/* running text */
static void roff(FILE *f, const char *s)
{
	roff_text(f, s, true);
}

/* an example, line for line */
static void roff_ex(FILE *f, const char *s)
{
	roff_text(f, s, false);
}

static void roff_line(FILE *f, const char *s)
{
	roff(f, s);
	fputc('\n', f);
}

/* The options text of the command table: a tag in columns 0-24 ("  -t,
 * --timeout S"), its meaning from column 25, continued on lines with
 * an empty tag. One .TP paragraph per tag. */
static void roff_options(FILE *f, const char *help)
{
	const char *line = help;
	bool open = false;

	while (line != NULL && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		size_t tag_len = len < 25 ? len : 25;
		cleanup_free char *tag = xasprintf("%.*s", (int)tag_len, line);
		cleanup_free char *text =
		    len > 25 ? xasprintf("%.*s", (int)(len - 25), line + 25)
			     : xstrdup("");
		char *t = tag + strspn(tag, " ");

		for (char *e = t + strlen(t); e > t && e[-1] == ' ';)
			*--e = '\0';
		if (*t != '\0') {
			fputs(".TP\n.B ", f);
			roff_line(f, t);
			open = true;
		}
		if (open && *text)
			roff_line(f, text + strspn(text, " "));
		line = end ? end + 1 : NULL;
	}
}

static void th(FILE *f, const char *title, int section, const char *manual)
{
	fprintf(f,
		".\\\" Made by `sysctr help --man` from sysctr's command table "
		"and key\n.\\\" documentation: edit those, not this file.\n"
		".TH %s %d %s \"sysctr %s\" \"%s\"\n",
		title, section, SYSCTR_RELEASE_DATE, PACKAGE_VERSION, manual);
}

static void man_sysctr(FILE *f, const struct cli_man_source *src)
{
	size_t n = src->n;
	const struct cli_command *cmds = src->cmds;

	th(f, "SYSCTR", 1, "User Commands");
	fputs(".SH NAME\nsysctr \\- manage system containers on one Linux "
	      "host\n.SH SYNOPSIS\n.B sysctr\n",
	      f);
	roff_line(f, "[--root DIR] [--config FILE] [--format table|json] "
		     "[-q|-v] COMMAND [ARGS]");
	fputs(".SH DESCRIPTION\n", f);
	roff_line(
	    f, "sysctr hosts whole distributions (\"lightweight VMs\") with "
	       "their own init in system containers: made from templates, "
	       "configured in one file each (container.conf(5)), started and "
	       "waited for until they are up, stopped, snapshotted, cloned, "
	       "exported and imported, and brought back at boot in "
	       "dependency order by `sysctr.service`. liblxc does the kernel "
	       "work; an SQLite registry keeps containers, images, snapshots, "
	       "leases and history. Containers are unprivileged (user-"
	       "namespaced) by default and go on sysctr's managed bridge "
	       "`sysctr0` (DHCP and DNS by dnsmasq, NAT by nftables).");
	fputs(".SH GLOBAL OPTIONS\n", f);
	roff_line(f, "They may stand before or after the command name, as "
		     "whole words: after `--`, and after exec's NAME, every "
		     "word is the command's, and create's `--config` is its "
		     "container.conf.");
	roff_options(f, src->global_options);
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct cli_command *c = &cmds[i];

		fprintf(f, ".SS %s%s%s\n", c->name, c->alias ? " | " : "",
			c->alias ? c->alias : "");
		fputs(".B sysctr ", f);
		roff_line(f, c->name);
		roff_line(f, c->usage);
		fputs(".PP\n", f);
		roff_line(f, c->summary);
		if (c->help)
			roff_options(f, c->help);
	}
	fputs(".SH EXIT STATUS\n", f);
	roff_line(f, src->exit_status);
	roff_line(f, "exec and shell exit with the command's status (127: not "
		     "found, 126: not executable, 128+N: killed by signal N). "
		     "Errors are one line on stderr, `sysctr: NAME: what: "
		     "why`; with `--format json` also a document "
		     "{\"error\": {\"kind\", \"exit\", \"message\"}} on "
		     "stdout.");
	fputs(".SH ENVIRONMENT\n.TP\n.B SYSCTR_ROOT\n", f);
	roff_line(f, "As --root: every path below this directory.");
	fputs(".TP\n.B VISUAL, EDITOR\n", f);
	roff_line(f, "The editor of `config edit` (vi without them).");
	fputs(".TP\n.B SUDO_USER\n", f);
	roff_line(f, "Kept in history as the user behind a root run.");
	fputs(".SH FILES\n.TP\n.B " SYSCTR_SYSCONFDIR "/sysctr/sysctr.conf\n",
	      f);
	roff_line(f, "Host settings, sysctr.conf(5).");
	fputs(".TP\n.B " SYSCTR_LOCALSTATEDIR "/lib/sysctr/\n", f);
	roff_line(f, "The registry (sysctr.db), the containers "
		     "(containers/NAME/container.conf, container.conf(5); "
		     "their layers and snapshots) and the images.");
	fputs(".TP\n.B " SYSCTR_LOCALSTATEDIR "/cache/sysctr/\n", f);
	roff_line(f, "Template downloads.");
	fputs(".TP\n.B " SYSCTR_RUNSTATEDIR "/sysctr/\n", f);
	roff_line(f, "Locks and the managed bridge's dnsmasq files.");
	fputs(".TP\n.B " SYSCTR_LOCALSTATEDIR "/log/sysctr/\n", f);
	roff_line(f, "liblxc's log of each container, dnsmasq's log.");
	fputs(".SH EXAMPLES\n.EX\n", f);
	roff_ex(f, "sysctr create debian web1\n"
		   "sysctr start web1 --wait\n"
		   "sysctr exec web1 -- apt-get install -y nginx\n"
		   "sysctr config set web1 resources.memory=512M "
		   "network.forward=8080:80/tcp\n"
		   "sysctr snapshot create web1 before-upgrade\n"
		   "sysctr config set web1 autostart.enabled=true\n"
		   "sysctr list\n");
	fputs(".EE\n.SH SEE ALSO\n.BR container.conf (5),\n"
	      ".BR sysctr.conf (5),\n.BR lxc (7),\n.BR dnsmasq (8),\n"
	      ".BR nft (8)\n",
	      f);
}

static int man_keys(FILE *f, enum sysctr_conf_file file,
		    struct sysctr_error **err)
{
	struct sysctr_config_item *defs = NULL;
	const struct sysctr_key_doc *docs;
	bool host = file == SYSCTR_CONF_HOST;
	size_t n, ndefs;
	cleanup_free char *section = NULL;

	if (sysctr_conf_defaults(file, &defs, &ndefs, err) < 0)
		return -1;
	docs = sysctr_key_docs(file, &n);
	th(f, host ? "SYSCTR.CONF" : "CONTAINER.CONF", 5, "File Formats");
	fputs(".SH NAME\n", f);
	roff_line(f, host ? "sysctr.conf - sysctr's host settings"
			  : "container.conf - one sysctr container's "
			    "settings");
	fputs(".SH SYNOPSIS\n", f);
	roff_line(f, host ? SYSCTR_SYSCONFDIR "/sysctr/sysctr.conf"
			  : SYSCTR_LOCALSTATEDIR
			 "/lib/sysctr/containers/NAME/container.conf");
	fputs(".SH DESCRIPTION\n", f);
	roff_line(f,
		  "A libconfuse file: `key = value` at the top, and "
		  "sections `name { key = value ... }`; strings in double "
		  "quotes, lists as {\"a\", \"b\"}, booleans true and false, "
		  "# comments. An unknown key or a bad value is refused "
		  "with FILE:LINE: KEY: why, and nothing runs with it.");
	if (host)
		roff_line(f, "Every key has a default: the file may be "
			     "missing. --config FILE reads another; with "
			     "--root DIR it is DIR/etc/sysctr/sysctr.conf, and "
			     "every relative path below is below DIR.");
	else
		roff_line(f,
			  "create writes it (from --config FILE and --set "
			  "KEY=VALUE); `sysctr config set NAME KEY=VALUE` "
			  "and `sysctr config edit NAME` change it, checked "
			  "before it is saved. Keys that apply at once are "
			  "written to a running container's cgroup, its "
			  "forwards or the autostart plan; the others at its "
			  "next start. Network keys left empty take "
			  "sysctr.conf's.");
	fputs(".SH KEYS\n", f);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *facts =
		    key_facts(file, &docs[i], defs, ndefs);
		const char *dot = strchr(docs[i].key, '.');
		size_t slen = dot ? (size_t)(dot - docs[i].key) : 0;

		if (section == NULL || strlen(section) != slen ||
		    strncmp(section, docs[i].key, slen) != 0) {
			free(section);
			section = xasprintf("%.*s", (int)slen, docs[i].key);
			fprintf(f, ".SS %s\n",
				slen > 0 ? section : "top level");
		}
		fputs(".TP\n.B ", f);
		roff_line(f, docs[i].key);
		roff(f, facts);
		fputs(".\n.br\n", f);
		roff_line(f, docs[i].desc);
	}
	fputs(".SH EXAMPLE\n.EX\n", f);
	if (host)
		roff_ex(
		    f,
		    "network {\n  ipv4 = \"10.200.0.1/24\"\n}\n"
		    "mirrors {\n  debian = \"http://mirror.example/debian\"\n"
		    "}\n");
	else
		roff_ex(f,
			"autostart {\n  enabled = true\n  order = 10\n"
			"  after = {\"db1\"}\n  ready = \"tcp:80\"\n}\n"
			"resources {\n  memory = \"512M\"\n  cpus = \"0-1\"\n"
			"}\nnetwork {\n  forward = {\"8080:80/tcp\"}\n}\n"
			"mount \"data\" {\n  source = \"/srv/web1\"\n"
			"  path = \"/srv\"\n  readonly = true\n}\n");
	fputs(".EE\n.SH SEE ALSO\n.BR sysctr (1),\n", f);
	fputs(host ? ".BR container.conf (5)\n" : ".BR sysctr.conf (5)\n", f);
	sysctr_config_items_free(defs, ndefs);
	return 0;
}

int cli_man(const char *page, const struct cli_man_source *src,
	    struct sysctr_error **err)
{
	if (strcmp(page, "sysctr.1") == 0) {
		man_sysctr(stdout, src);
		return 0;
	}
	if (strcmp(page, "sysctr.conf.5") == 0)
		return man_keys(stdout, SYSCTR_CONF_HOST, err);
	if (strcmp(page, "container.conf.5") == 0)
		return man_keys(stdout, SYSCTR_CONF_CONTAINER, err);
	return sysctr_err(err, SYSCTR_E_USAGE, 0,
			  "--man %s: sysctr.1, sysctr.conf.5 or "
			  "container.conf.5",
			  page);
}

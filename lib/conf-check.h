/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value checks of sysctr.conf and container.conf (conf-check.c), for the
 * schemas of conf-host.c and conf-container.c to install as validation
 * callbacks. Callbacks (sysctr_conf_v_*) return 0, or report through
 * conf-parse.h and return -1. */
#ifndef SYSCTR_CONF_CHECK_H
#define SYSCTR_CONF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <confuse.h>

/* The integer bounds of key ("section.key"), when it has some. */
bool sysctr_conf_range(const char *key, long *min, long *max);
/* Has s a control character (a newline, ...)? */
bool sysctr_conf_has_control(const char *s);
/* 1 to max letters, digits, '_' and '-': a mount name, a group. */
bool sysctr_conf_valid_word(const char *s, size_t max);
/* "" -> 0; digits with an optional K, M, G or T (powers of 1024). */
int sysctr_conf_parse_size(const char *s, int64_t *out);
/* resources.cpu_max as microseconds of CPU time per 100 ms period:
 * "50%" is 50000, "1.5" is 150000, "" is 0 (no quota). -1 when it is
 * neither, below 1% or above 1024 CPUs. */
int sysctr_conf_parse_cpu_max(const char *s, int64_t *out);

int sysctr_conf_v_text(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_range(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_token(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_group(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_after(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ready(cfg_t *cfg, cfg_opt_t *opt);
/* snapshots.schedule: "", hourly, daily or weekly. */
int sysctr_conf_v_schedule(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_memory(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_cpus(cfg_t *cfg, cfg_opt_t *opt);
/* resources.memory_swap: "" or a size (0: no swap). */
int sysctr_conf_v_swap(cfg_t *cfg, cfg_opt_t *opt);
/* resources.cpu_max: "" or CPUs as a share ("50%") or a count ("1.5"). */
int sysctr_conf_v_cpu_max(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ct_mode(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ct_bridge(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_ipv4(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_hwaddr(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_subnet(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_gateway(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_forward(cfg_t *cfg, cfg_opt_t *opt);
/* "8080:80/tcp" (or /udp; no protocol is tcp) into its parts; -1 when it
 * is not one. */
int sysctr_conf_parse_forward(const char *s, unsigned *host_port,
			      unsigned *port, const char **proto);
int sysctr_conf_v_mount_source(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_mount_target(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_log_level(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_host_mode(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_host_bridge(cfg_t *cfg, cfg_opt_t *opt);
int sysctr_conf_v_url(cfg_t *cfg, cfg_opt_t *opt);

#endif

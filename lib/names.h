/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SYSCTR_NAMES_H
#define SYSCTR_NAMES_H

#include <stdbool.h>

/* A container name is a hostname label: [a-zA-Z0-9][a-zA-Z0-9-]{0,62}. */
bool sysctr_name_valid(const char *name);

/* Image and template names: [a-z0-9][a-z0-9._-]{0,63}, no "..". */
bool sysctr_token_valid(const char *s);

#endif

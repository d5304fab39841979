/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel's per-CPU counters, summed. */
#ifndef XFFW_COUNTERS_H
#define XFFW_COUNTERS_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"

/* Name of counter @idx as printed ("ringbuf_lost"), or NULL. */
const char *counter_name(unsigned int idx);

/* What counter @idx counts, one line ("Records lost: ring buffer full"), or NULL. */
const char *counter_help(unsigned int idx);

/* Sums the per-CPU values of map @map_fd into @out[XFFW_CNT__MAX]. 0 or -errno. */
int counters_read(int map_fd, uint64_t out[XFFW_CNT__MAX]);

/*
 * Entries in the flow table (a walk over its keys), or -errno: -ERANGE when
 * the walk gave up after twice the table's size in steps (a key deleted under
 * the walk sends it back to the first bucket, so a churning table can keep it
 * going). Keys deleted or added meanwhile make it approximate; a key there
 * all along is counted at least once.
 */
long counters_live_flows(int map_fd, size_t key_size);

#endif

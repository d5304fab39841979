/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture files read with libpcap (pcap in micro- or nanoseconds, pcapng)
 * and merged into one stream in timestamp order: a heap over each file's
 * next packet, ties going to the file named first; within a file, its order.
 */
#ifndef XFFW_PCAP_FILES_H
#define XFFW_PCAP_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct raw_packet {
	const uint8_t *data; /* valid until the next pcap_files_next() */
	size_t caplen, len;
	uint64_t ts_ns;
	int dlt;
	uint16_t file;
};

/* One line a caller shows (a capture truncated at its end). */
typedef void (*pcap_files_warn_fn)(void *ctx, const char *line);

struct pcap_files;

/*
 * Opens the @n files (a name "-" is standard input) and reads each one's
 * first packet. On error writes one line naming the file (and the offset
 * where it can be told) into @err and returns NULL.
 */
struct pcap_files *pcap_files_open(char *const files[], size_t n, pcap_files_warn_fn warn,
				   void *warn_ctx, char *err, size_t errlen);

/*
 * The next packet of all files in timestamp order into *@out. Returns 1, 0
 * at the end of every file, or -EIO with one line in @err (a corrupt
 * record). A file cut short at its end is read up to its last whole packet,
 * with one line to the warn function.
 */
int pcap_files_next(struct pcap_files *pf, struct raw_packet *out, char *err, size_t errlen);

/* Bytes read so far of all files and their total size (0 if unknown: a pipe). */
void pcap_files_position(const struct pcap_files *pf, uint64_t *done, uint64_t *total);

/* Files read to their end with a warning because they were cut short. */
uint64_t pcap_files_truncated(const struct pcap_files *pf);

/* Do all the files count time in nanoseconds (pcap's nanosecond magic, pcapng's if_tsresol)? */
bool pcap_files_nanoseconds(const struct pcap_files *pf);

void pcap_files_close(struct pcap_files *pf);

#endif

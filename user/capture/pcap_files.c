// SPDX-License-Identifier: BSD-2-Clause
/* Capture files through libpcap, merged by timestamp (pcap_files.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "capture/link_frames.h"
#include "capture/pcap_files.h"
#include "util/heap.h"

#define PCAP_FILE_HDR	24
#define PCAP_RECORD_HDR 16

struct pfile {
	const char *name;
	FILE *fp;
	pcap_t *p;
	int dlt;
	bool pcapng;   /* else pcap: record offsets are known */
	bool nano;     /* its times have nanoseconds (else microseconds, or coarser) */
	bool has;      /* a packet is current */
	bool advance;  /* handed out: read the next one before comparing */
	uint64_t size; /* 0 if not a regular file */
	uint64_t off;  /* pcap: the current record's offset */
	uint64_t next_off;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t ts_ns;
};

struct pcap_files {
	struct pfile *f;
	size_t n;
	uint32_t *heap; /* indices of files with a current packet */
	size_t nheap;
	uint64_t truncated;
	pcap_files_warn_fn warn;
	void *warn_ctx;
};

/* Earlier packet first; on a tie, the file named first. */
static bool before(const void *ctx, const void *x, const void *y)
{
	const struct pcap_files *pf = ctx;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	if (pf->f[a].ts_ns != pf->f[b].ts_ns)
		return pf->f[a].ts_ns < pf->f[b].ts_ns;
	return a < b;
}

/* Where libpcap's reading stopped, or -1. */
static long stopped_at(const struct pfile *f)
{
	return f->fp ? ftell(f->fp) : -1;
}

/*
 * Reads @f's next packet. Returns 1, 0 at its end, or -EIO with @err. A
 * record cut short by the end of the file ends it with a warning: what
 * tcpdump leaves when it is killed, or a copy taken while it was writing.
 */
static int file_read(struct pcap_files *pf, struct pfile *f, char *err, size_t errlen)
{
	int rc;

	f->off = f->next_off;
	rc = pcap_next_ex(f->p, &f->hdr, &f->data);
	if (rc == 1) {
		/*
		 * A pcap record's seconds are an unsigned 32-bit count, which libpcap
		 * widens with its sign: after 2038 they come out negative. Times past
		 * what nanoseconds since 1970 hold (year 2554) are held there.
		 */
		uint64_t sec = f->hdr->ts.tv_sec < 0 ? (uint32_t)f->hdr->ts.tv_sec
						     : (uint64_t)f->hdr->ts.tv_sec;
		uint64_t nsec = (uint64_t)f->hdr->ts.tv_usec % 1000000000ull;

		if (sec > (UINT64_MAX - nsec) / 1000000000ull)
			sec = (UINT64_MAX - nsec) / 1000000000ull;
		/* Opened with nanosecond precision: tv_usec holds nanoseconds. */
		f->ts_ns = sec * 1000000000ull + nsec;
		f->next_off = f->off + PCAP_RECORD_HDR + f->hdr->caplen;
		f->has = true;
		return 1;
	}
	f->has = false;
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (strstr(pcap_geterr(f->p), "truncated")) {
		char line[512];

		if (f->pcapng)
			snprintf(line, sizeof(line),
				 "%s: cut short at offset %ld: read up to its last whole packet",
				 f->name, stopped_at(f));
		else
			snprintf(line, sizeof(line),
				 "%s: the record at offset %llu is cut short: read up to its last "
				 "whole packet",
				 f->name, (unsigned long long)f->off);
		pf->truncated++;
		if (pf->warn)
			pf->warn(pf->warn_ctx, line);
		return 0;
	}
	/* Not corrupt: libpcap reads one link type per file, and pcapng allows one per interface. */
	if (f->pcapng && strstr(pcap_geterr(f->p), "different from the type of the first"))
		snprintf(
			err, errlen,
			"%s: at offset %ld an interface of another link type begins, which libpcap "
			"cannot read in one file: split it by interface (docs/replay.md)",
			f->name, stopped_at(f));
	else if (f->pcapng)
		snprintf(err, errlen, "%s: corrupt at or before offset %ld: %s", f->name,
			 stopped_at(f), pcap_geterr(f->p));
	else
		snprintf(err, errlen, "%s: corrupt record at offset %llu: %s", f->name,
			 (unsigned long long)f->off, pcap_geterr(f->p));
	return -EIO;
}

/* How much of a pcapng file is read for its interfaces' time resolution. */
#define PCAPNG_HEAD_MAX 65536

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swap)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap16(v) : v;
}

/*
 * Do the interfaces described in a pcapng file's first PCAPNG_HEAD_MAX bytes
 * all count time finer than microseconds (option if_tsresol: 10^-v, or 2^-v
 * with the top bit; the default is microseconds)? libpcap does not say.
 */
static bool pcapng_nanoseconds(const uint8_t *b, size_t n)
{
	bool swap = false, any = false;
	size_t off = 0;

	while (off + 12 <= n) {
		uint32_t type, len;

		if (get32(b + off, false) == 0x0a0d0d0a)
			swap = get32(b + off + 8, false) != 0x1a2b3c4d;
		type = get32(b + off, swap);
		len = get32(b + off + 4, swap);
		if (len < 12 || len % 4 || len > n - off)
			break;
		if (type == 1) { /* Interface Description Block */
			size_t o = off + 16, end = off + len - 4;
			bool fine = false;

			while (o + 4 <= end) {
				uint16_t code = get16(b + o, swap), olen = get16(b + o + 2, swap);

				if (code == 0 || o + 4 + olen > end)
					break;
				if (code == 9 && olen == 1) {
					uint8_t v = b[o + 4];

					fine = v & 0x80 ? (v & 0x7f) > 19 : v > 6;
				}
				o += 4 + (size_t)((olen + 3) & ~3);
			}
			if (!fine)
				return false;
			any = true;
		}
		off += len;
	}
	return any;
}

/* Whether a file starting with @head (its first @n bytes; @magic its first four) has nanosecond times. */
static bool file_nanoseconds(const uint8_t *head, size_t n, uint32_t magic)
{
	if (magic == 0xa1b23c4d || magic == 0x4d3cb2a1)
		return true;
	return magic == 0x0a0d0d0a && pcapng_nanoseconds(head, n);
}

static int file_open(struct pfile *f, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	static uint8_t head[PCAPNG_HEAD_MAX];
	size_t got = 0;
	uint32_t m;
	struct stat st;
	bool regular = false;

	if (!strcmp(f->name, "-")) {
		f->fp = stdin;
	} else {
		if (stat(f->name, &st) < 0) {
			snprintf(err, errlen, "%s: %s", f->name, strerror(errno));
			return -errno;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory, not a capture file", f->name);
			return -EISDIR;
		}
		regular = S_ISREG(st.st_mode);
		if (regular && st.st_size == 0) {
			snprintf(err, errlen, "%s: empty file, not a capture", f->name);
			return -EINVAL;
		}
		f->size = regular ? (uint64_t)st.st_size : 0;
		f->fp = fopen(f->name, "rb");
		if (!f->fp) {
			snprintf(err, errlen, "%s: %s", f->name, strerror(errno));
			return -errno;
		}
	}
	/*
	 * The file's head, read once: its magic names what the file is when
	 * libpcap refuses it, and says (with pcapng's interface blocks) whether
	 * its times have nanoseconds.
	 */
	if (regular) {
		got = fread(head, 1, sizeof(head), f->fp);
		if (got < 4 || fseek(f->fp, 0, SEEK_SET) < 0) {
			snprintf(err, errlen, "%s: cut short at offset %zu, in the file header",
				 f->name, got);
			return -EINVAL;
		}
	}
	m = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	f->pcapng = m == 0x0a0d0d0a;
	f->nano = regular && file_nanoseconds(head, got, m);
	f->p = pcap_fopen_offline_with_tstamp_precision(f->fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!f->p) {
		bool known = m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d ||
			     m == 0x4d3cb2a1 || f->pcapng;

		if (regular && !known)
			snprintf(
				err, errlen,
				"%s: not a pcap or pcapng file (it starts with 0x%08x at offset 0)",
				f->name, m);
		else
			snprintf(err, errlen, "%s: %s", f->name, ebuf);
		return -EINVAL;
	}
	f->dlt = pcap_datalink(f->p);
	if (!link_supported(f->dlt)) {
		const char *name = pcap_datalink_val_to_name(f->dlt);

		snprintf(err, errlen, "%s: link type %s (%d) is not supported", f->name,
			 name ? name : "unknown", f->dlt);
		return -EPROTONOSUPPORT;
	}
	f->next_off = PCAP_FILE_HDR;
	return 0;
}

struct pcap_files *pcap_files_open(char *const files[], size_t n, pcap_files_warn_fn warn,
				   void *warn_ctx, char *err, size_t errlen)
{
	struct pcap_files *pf = calloc(1, sizeof(*pf));

	if (!pf || !(pf->f = calloc(n ?: 1, sizeof(*pf->f))) ||
	    !(pf->heap = calloc(n ?: 1, sizeof(*pf->heap)))) {
		snprintf(err, errlen, "capture: out of memory");
		pcap_files_close(pf);
		return NULL;
	}
	pf->warn = warn;
	pf->warn_ctx = warn_ctx;
	for (size_t i = 0; i < n; i++) {
		struct pfile *f = &pf->f[pf->n++];

		f->name = files[i];
		if (file_open(f, err, errlen) < 0 || file_read(pf, f, err, errlen) < 0) {
			pcap_files_close(pf);
			return NULL;
		}
		if (f->has) {
			pf->heap[pf->nheap++] = (uint32_t)i;
			heap_up(pf->heap, sizeof(pf->heap[0]), pf->nheap - 1, before, pf);
		}
	}
	return pf;
}

int pcap_files_next(struct pcap_files *pf, struct raw_packet *out, char *err, size_t errlen)
{
	struct pfile *f;

	if (!pf->nheap)
		return 0;
	f = &pf->f[pf->heap[0]];
	if (f->advance) {
		/* The packet handed out last is done with: libpcap may now reuse its buffer. */
		int rc = file_read(pf, f, err, errlen);

		f->advance = false;
		if (rc < 0)
			return rc;
		if (!rc)
			pf->heap[0] = pf->heap[--pf->nheap];
		heap_down(pf->heap, sizeof(pf->heap[0]), pf->nheap, 0, before, pf);
		if (!pf->nheap)
			return 0;
		f = &pf->f[pf->heap[0]];
	}
	f->advance = true;
	out->data = f->data;
	out->caplen = f->hdr->caplen;
	out->len = f->hdr->len;
	out->ts_ns = f->ts_ns;
	out->dlt = f->dlt;
	out->file = (uint16_t)(f - pf->f);
	return 1;
}

void pcap_files_position(const struct pcap_files *pf, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	for (size_t i = 0; i < pf->n; i++) {
		const struct pfile *f = &pf->f[i];
		long at = f->has ? stopped_at(f) : -1;

		*total += f->size;
		*done += f->has ? (at > 0 ? (uint64_t)at : 0) : f->size;
	}
}

uint64_t pcap_files_truncated(const struct pcap_files *pf)
{
	return pf->truncated;
}

void pcap_files_close(struct pcap_files *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; pf->f && i < pf->n; i++) {
		if (pf->f[i].p)
			pcap_close(pf->f[i].p); /* closes its FILE too */
		else if (pf->f[i].fp && pf->f[i].fp != stdin)
			fclose(pf->f[i].fp);
	}
	free(pf->f);
	free(pf->heap);
	free(pf);
}

bool pcap_files_nanoseconds(const struct pcap_files *pf)
{
	for (size_t i = 0; i < pf->n; i++)
		if (!pf->f[i].nano)
			return false;
	return pf->n > 0;
}

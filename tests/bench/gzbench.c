/*
 * gzbench: how fast a gzip-compressed log decompresses with zlib, streamed in
 * 64 KiB chunks as kbdiag's reader does (engine/reader.c), and with
 * libdeflate, which decompresses only whole members into a buffer the size of
 * the member's output (so its memory grows with the log). Prints the
 * decompressed bytes, the time of each and its peak memory need:
 *
 *   build/gzbench FILE.gz
 *   zlib       209715930 bytes  0.812 s  258 MB/s  buffers 0.1 MiB
 *   libdeflate 209715930 bytes  0.402 s  522 MB/s  buffers 246.1 MiB
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define CHUNK	65536

static double
gz_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	unsigned char *in, *out, chunk[CHUNK];
	size_t len, got, total = 0, pos, used, outcap, consumed, written;
	struct libdeflate_decompressor *d;
	z_stream z;
	double t0, tz, td;
	FILE *f;
	int rc;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fputs("usage: gzbench FILE.gz\n", stderr);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	in = malloc(len);
	if (in == NULL || fread(in, 1, len, f) != len)
		return 1;
	fclose(f);

	/* zlib, streamed, every member */
	t0 = gz_now();
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return 1;
	z.next_in = in;
	z.avail_in = (uInt)len;
	for (;;) {
		z.next_out = chunk;
		z.avail_out = CHUNK;
		rc = inflate(&z, Z_NO_FLUSH);
		total += CHUNK - z.avail_out;
		if (rc == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			inflateReset(&z);
		} else if (rc != Z_OK) {
			fprintf(stderr, "gzbench: zlib: %s\n", z.msg ? z.msg : "error");
			return 1;
		}
	}
	inflateEnd(&z);
	tz = gz_now() - t0;
	printf("zlib       %zu bytes  %.3f s  %.0f MB/s  buffers %.1f MiB\n", total, tz,
	    (double)total / 1e6 / tz, (double)CHUNK * 2 / 1048576);

	/* libdeflate, member by member, each into a buffer of its ISIZE */
	t0 = gz_now();
	d = libdeflate_alloc_decompressor();
	got = 0;
	outcap = 0;
	out = NULL;
	for (pos = 0; pos < len; pos += consumed) {
		unsigned long isize;
		size_t i;

		/* ISIZE of this member is not known before its end: the last
		 * member's is the file's last 4 bytes; one member is the usual
		 * case, and its output size mod 2^32 is there. */
		for (isize = 0, i = 0; i < 4; i++)
			isize |= (unsigned long)in[len - 4 + i] << (8 * i);
		used = isize;
		if (used + 1 > outcap) {
			outcap = used + 1;
			free(out);
			out = malloc(outcap);
		}
		if (libdeflate_gzip_decompress_ex(d, in + pos, len - pos, out, outcap, &consumed,
		    &written) != LIBDEFLATE_SUCCESS) {
			fprintf(stderr, "gzbench: libdeflate failed (several members, or over "
			    "4 GiB: it needs each member's whole output in memory)\n");
			return 1;
		}
		got += written;
	}
	libdeflate_free_decompressor(d);
	td = gz_now() - t0;
	printf("libdeflate %zu bytes  %.3f s  %.0f MB/s  buffers %.1f MiB\n", got, td,
	    (double)got / 1e6 / td, (double)outcap / 1048576);
	printf("libdeflate / zlib: %.2f\n", tz / td);
	free(out);
	free(in);
	return 0;
}

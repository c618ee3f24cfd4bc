/* Latency of random 4 KiB reads: COUNT preads of distinct page-aligned pages within the first
 * SPAN bytes of FILE, in a scattered order. Prints "p50_us p99_us" on stdout.
 * Usage: randread FILE SPAN COUNT
 * Distinct pages, so that on a fresh FUSE mount every read is a miss the daemon must serve;
 * POSIX_FADV_RANDOM, so that the kernel reads only the page asked for, not a readahead window. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { page = 4096 };

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: randread FILE SPAN COUNT\n");
		return 2;
	}
	uint64_t pages = strtoull(argv[2], NULL, 0) / page;
	uint64_t count = strtoull(argv[3], NULL, 0);
	if (pages == 0 || count == 0 || count > pages) {
		fprintf(stderr, "randread: need 0 < COUNT <= SPAN / 4096\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	/* Page i*stride mod pages visits distinct pages when stride and pages are coprime: a
	 * scattered order without a table of 2^28 pages for a 1 TiB file. */
	uint64_t stride = 2654435761u % pages + 1;
	while (gcd(stride, pages) != 1)
		stride++;
	double *lat = malloc(count * sizeof *lat);
	static char buf[page];
	if (!lat)
		return 1;
	for (uint64_t i = 0; i < count; i++) {
		off_t at = (off_t)((i * stride) % pages) * page;
		double t0 = now_us();
		if (pread(fd, buf, page, at) != page) {
			fprintf(stderr, "randread: %s: short read at %lld\n", argv[1],
				(long long)at);
			return 1;
		}
		lat[i] = now_us() - t0;
	}
	qsort(lat, count, sizeof *lat, by_value);
	printf("%.1f %.1f\n", lat[count / 2], lat[count * 99 / 100]);
	return 0;
}

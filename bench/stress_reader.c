/* Load for vmcorefs, checked byte for byte. THREADS threads pread random ranges of FILE
 * (guest.vmcore on a mount) for SECONDS: a random offset inside one of its PT_LOADs and a random
 * size of 4 KiB .. 1 MiB (cut at the PT_LOAD's end). Every byte that comes back is compared
 * with the same guest-physical range of REFERENCE (QEMU's own vmcore of the same instant), found
 * through the PT_LOADs of both files: offsets differ between the two, physical addresses do not.
 * Usage: stress_reader [--until-failure] FILE REFERENCE THREADS SECONDS
 * Prints one line of key=value figures on stdout; each wrong read is described on stderr with
 * what reproduces it. Exit status 1 only when the test itself cannot run (bad arguments, the
 * reference unreadable); errors and wrong bytes from FILE are figures, not failures.
 * --until-failure: a thread stops at its first error or short read (the signal test: what each
 * reader saw when the daemon went away). Otherwise failures are counted and reading goes on. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { min_size = 4096, max_size = 1 << 20, max_loads = 4096, max_seconds = 3600 };

struct load {
	uint64_t offset, paddr, size; /* p_offset, p_paddr, p_filesz */
};

struct image {
	const char *path;
	int fd;
	size_t count;
	uint64_t total; /* sum of the sizes: random offsets are uniform over guest bytes */
	struct load loads[max_loads];
};

/* What one thread counts. Written by its thread only; main() reads reads, bytes and failed
 * while it runs (the per-second figures, the early end), hence their atomic accesses. */
struct reader {
	pthread_t thread;
	int index;
	uint64_t seed;
	uint64_t reads, bytes, shorts, wrong_reads, wrong_bytes, unchecked;
	uint64_t errors[134]; /* by errno; the last slot collects any larger one */
	int failed;           /* --until-failure: it stopped at a failure (else at the deadline) */
};

static struct image file, reference;
static int until_failure;
static volatile int stop; /* set by main() at the deadline */
static int wrong_told;    /* wrong reads described so far: the first 20, not thousands */

static void die(const char *what, const char *path)
{
	fprintf(stderr, "stress_reader: %s: %s\n", path, what);
	exit(1);
}

/* All LEN bytes at OFFSET, or exits: used for the reference and the headers, which must read. */
static void read_fully(const struct image *im, void *buf, size_t len, uint64_t offset)
{
	while (len > 0) {
		ssize_t n = pread(im->fd, buf, len, (off_t)offset);
		if (n <= 0)
			die(n < 0 ? strerror(errno) : "ends early", im->path);
		buf = (char *)buf + n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
}

/* A minimal ELF64 program header parser: only PT_LOADs with bytes in the file matter here. */
static void load_image(struct image *im, const char *path, int flags)
{
	Elf64_Ehdr eh;
	im->path = path;
	im->fd = open(path, O_RDONLY | flags);
	if (im->fd < 0)
		die(strerror(errno), path);
	read_fully(im, &eh, sizeof eh, 0);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_phentsize != sizeof(Elf64_Phdr))
		die("not a little-endian ELF64 file", path);
	if (eh.e_phnum == PN_XNUM)
		die("more than 65534 program headers: not handled", path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		read_fully(im, &ph, sizeof ph, eh.e_phoff + (uint64_t)i * sizeof ph);
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (im->count == max_loads)
			die("too many PT_LOADs", path);
		im->loads[im->count++] = (struct load){ph.p_offset, ph.p_paddr, ph.p_filesz};
		im->total += ph.p_filesz;
	}
	if (im->count == 0)
		die("no PT_LOAD", path);
}

/* splitmix64: a fixed seed per thread makes the sequence of ranges each thread asks for the
 * same from run to run, so that a wrong read can be asked again. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Compares GOT, LEN bytes of guest memory from physical address PADDR, with the reference.
 * Returns the number of differing bytes; bytes the reference does not hold go to *unchecked.
 * The first PT_LOAD that holds an address wins, as for the readers of a vmcore. */
static uint64_t compare(const unsigned char *got, size_t len, uint64_t paddr,
			unsigned char *expected, uint64_t *unchecked, uint64_t *first_wrong)
{
	uint64_t wrong = 0;
	size_t done = 0;
	while (done < len) {
		uint64_t pa = paddr + done, next = UINT64_MAX;
		const struct load *r = NULL;
		for (size_t i = 0; i < reference.count && !r; i++) {
			const struct load *l = &reference.loads[i];
			if (pa >= l->paddr && pa - l->paddr < l->size)
				r = l;
			else if (l->paddr > pa && l->paddr < next)
				next = l->paddr;
		}
		size_t part = len - done;
		if (!r) { /* not in the reference: up to the next PT_LOAD it has, unchecked */
			if (next - pa < part)
				part = (size_t)(next - pa);
			*unchecked += part;
			done += part;
			continue;
		}
		if (r->paddr + r->size - pa < part)
			part = (size_t)(r->paddr + r->size - pa);
		read_fully(&reference, expected, part, r->offset + (pa - r->paddr));
		if (memcmp(got + done, expected, part) != 0)
			for (size_t i = 0; i < part; i++)
				if (got[done + i] != expected[i] && wrong++ == 0)
					*first_wrong = done + i;
		done += part;
	}
	return wrong;
}

static void *run_reader(void *arg)
{
	struct reader *me = arg;
	uint64_t state = me->seed;
	unsigned char *got = malloc(max_size), *expected = malloc(max_size);
	if (!got || !expected)
		die("out of memory", "malloc");
	for (uint64_t n = 0; !stop; n++) {
		/* A load chosen in proportion to its size, a size, then an offset that fits. */
		uint64_t at = next_random(&state) % file.total;
		const struct load *l = file.loads;
		while (at >= l->size)
			at -= l++->size;
		size_t len = min_size + (size_t)(next_random(&state) % (max_size - min_size + 1));
		if (len > l->size)
			len = (size_t)l->size;
		uint64_t start = next_random(&state) % (l->size - len + 1);
		uint64_t offset = l->offset + start;
		ssize_t got_len = pread(file.fd, got, len, (off_t)offset);
		if (got_len < 0) {
			int e = errno < 133 ? errno : 133;
			me->errors[e]++;
			if (until_failure) {
				__atomic_store_n(&me->failed, 1, __ATOMIC_RELAXED);
				break;
			}
			continue;
		}
		uint64_t unchecked = 0, first_wrong = 0;
		uint64_t wrong = compare(got, (size_t)got_len, l->paddr + start, expected,
					 &unchecked, &first_wrong);
		/* Each range is evicted from the FUSE page cache once checked, so that the next
		 * read of it is a miss the daemon serves: without this, after a few seconds all of
		 * guest.vmcore would be cached and the figures would be the kernel's, not
		 * vmcorefs's. (The reference stays cached: it is the yardstick, not what is
		 * measured.) */
		posix_fadvise(file.fd, (off_t)offset, got_len, POSIX_FADV_DONTNEED);
		me->unchecked += unchecked;
		if (wrong) {
			me->wrong_reads++;
			me->wrong_bytes += wrong;
			if (__atomic_fetch_add(&wrong_told, 1, __ATOMIC_RELAXED) >= 20)
				goto counted;
			uint64_t pa = l->paddr + start + first_wrong;
			fprintf(stderr,
				"stress_reader: WRONG: thread %d (seed %llu) read %llu: pread(%s, %zu, offset %#llx)"
				" returned %zd bytes, %llu of them differ from the reference; the first at offset"
				" %#llx = guest physical %#llx\n",
				me->index, (unsigned long long)me->seed, (unsigned long long)n,
				file.path, len, (unsigned long long)offset, got_len,
				(unsigned long long)wrong,
				(unsigned long long)(offset + first_wrong), (unsigned long long)pa);
		}
	counted:
		__atomic_add_fetch(&me->reads, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&me->bytes, (uint64_t)got_len, __ATOMIC_RELAXED);
		if ((size_t)got_len < len) {
			me->shorts++;
			if (until_failure) {
				__atomic_store_n(&me->failed, 1, __ATOMIC_RELAXED);
				break;
			}
		}
	}
	free(got);
	free(expected);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t sum(const struct reader *r, int threads, size_t field)
{
	uint64_t total = 0;
	for (int i = 0; i < threads; i++)
		total += __atomic_load_n((const uint64_t *)((const char *)&r[i] + field),
					 __ATOMIC_RELAXED);
	return total;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--until-failure") == 0) {
		until_failure = 1;
		argv++;
		argc--;
	}
	if (argc != 5) {
		fprintf(stderr,
			"usage: stress_reader [--until-failure] FILE REFERENCE THREADS SECONDS\n");
		return 1;
	}
	int threads = atoi(argv[3]), seconds = atoi(argv[4]);
	if (threads < 1 || threads > 1024 || seconds < 1 || seconds > max_seconds) {
		fprintf(stderr, "stress_reader: 1 <= THREADS <= 1024, 1 <= SECONDS <= %d\n",
			max_seconds);
		return 1;
	}
	load_image(&file, argv[1], 0);
	load_image(&reference, argv[2], 0);
	/* Only the asked-for pages, no readahead window: every byte the daemon serves is counted.
	 */
	posix_fadvise(file.fd, 0, 0, POSIX_FADV_RANDOM);
	posix_fadvise(reference.fd, 0, 0, POSIX_FADV_RANDOM);

	struct reader *r = calloc((size_t)threads, sizeof *r);
	if (!r)
		die("out of memory", "calloc");
	double start = now_s();
	for (int i = 0; i < threads; i++) {
		r[i].index = i;
		r[i].seed = (uint64_t)i + 1;
		if (pthread_create(&r[i].thread, NULL, run_reader, &r[i]) != 0)
			die("cannot start a thread", "pthread_create");
	}
	/* Per-second throughput, for min/median/max over the run; the deadline. */
	static double mbps[max_seconds], rps[max_seconds];
	int samples = 0;
	uint64_t last_bytes = 0, last_reads = 0;
	while (samples < seconds) {
		sleep(1);
		uint64_t b = sum(r, threads, offsetof(struct reader, bytes));
		uint64_t n = sum(r, threads, offsetof(struct reader, reads));
		mbps[samples] = (double)(b - last_bytes) / 1e6;
		rps[samples++] = (double)(n - last_reads);
		last_bytes = b;
		last_reads = n;
		if (until_failure) { /* done early once every thread has stopped at a failure */
			int failed = 0;
			for (int i = 0; i < threads; i++)
				failed += __atomic_load_n(&r[i].failed, __ATOMIC_RELAXED);
			if (failed == threads)
				break;
		}
	}
	stop = 1;
	for (int i = 0; i < threads; i++)
		pthread_join(r[i].thread, NULL);
	double elapsed = now_s() - start;
	/* The readers' own CPU: on a small machine they and the daemon share the CPUs. */
	struct rusage used;
	getrusage(RUSAGE_SELF, &used);
	double cpu = (double)(used.ru_utime.tv_sec + used.ru_stime.tv_sec) +
		     (double)(used.ru_utime.tv_usec + used.ru_stime.tv_usec) / 1e6;

	uint64_t reads = sum(r, threads, offsetof(struct reader, reads));
	uint64_t bytes = sum(r, threads, offsetof(struct reader, bytes));
	int failed = 0;
	uint64_t errors = 0;
	for (int i = 0; i < threads; i++) {
		failed += r[i].failed;
		for (int e = 0; e < 134; e++)
			errors += r[i].errors[e];
	}
	printf("threads=%d seconds=%.2f cpu_seconds=%.2f reads=%llu bytes=%llu reads_per_s=%.0f mb_per_s=%.1f short=%llu"
	       " wrong_reads=%llu wrong_bytes=%llu unchecked_bytes=%llu errors=%llu failed=%d",
	       threads, elapsed, cpu, (unsigned long long)reads, (unsigned long long)bytes,
	       reads / elapsed, bytes / elapsed / 1e6,
	       (unsigned long long)sum(r, threads, offsetof(struct reader, shorts)),
	       (unsigned long long)sum(r, threads, offsetof(struct reader, wrong_reads)),
	       (unsigned long long)sum(r, threads, offsetof(struct reader, wrong_bytes)),
	       (unsigned long long)sum(r, threads, offsetof(struct reader, unchecked)),
	       (unsigned long long)errors, failed);
	/* Errors by name, e.g. "errno=ENOTCONN:14,EIO:2" ("errno=" when there were none). */
	printf(" errno=");
	const char *sep = "";
	for (int e = 0; e < 134; e++) {
		uint64_t count = 0;
		for (int i = 0; i < threads; i++)
			count += r[i].errors[e];
		if (count) {
			const char *name = e < 133 ? strerrorname_np(e) : NULL;
			printf("%s%s:%llu", sep, name ? name : "other", (unsigned long long)count);
			sep = ",";
		}
	}
	/* The per-second samples, whole seconds only (the last partial one would read low). */
	printf(" mb_per_s_each=");
	for (int i = 0; i < samples; i++)
		printf("%s%.1f", i ? "," : "", mbps[i]);
	printf(" reads_per_s_each=");
	for (int i = 0; i < samples; i++)
		printf("%s%.0f", i ? "," : "", rps[i]);
	printf("\n");
	return 0;
}

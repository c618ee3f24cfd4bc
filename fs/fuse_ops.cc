#include "fuse_ops.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <exception>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits>
#include <optional>
#include <span>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

#include "base/file_runs.h"
#include "core_prefetch.h"
#include "log.h"

namespace vmcorefs {
namespace {

static_assert(FileTree::root == FUSE_ROOT_ID);
static_assert(sizeof(fuse_ino_t) >= sizeof(uint64_t), "inode numbers are 64-bit node indices");

// Nothing in the tree ever changes, so the kernel may keep names and attributes for good.
constexpr double forever = std::numeric_limits<double>::max();

// fuse_reply_iov adds one iovec of its own for the reply header.
constexpr size_t max_reply_iovecs = IOV_MAX - 1;

ServeContext &context(fuse_req_t req)
{
	return *static_cast<ServeContext *>(fuse_req_userdata(req));
}

struct stat attributes(const ServeContext &ctx, uint64_t ino, const Node &node)
{
	const struct stat &core = ctx.core->opened();
	struct stat st = {};
	st.st_ino = ino;
	st.st_uid = core.st_uid;
	st.st_gid = core.st_gid;
	st.st_atim = core.st_mtim;
	st.st_mtim = core.st_mtim;
	st.st_ctim = core.st_mtim;
	st.st_blksize = 4096;
	if (node.directory) {
		// Whoever may read the files may list and enter the directories.
		st.st_mode = S_IFDIR | ctx.file_mode | (ctx.file_mode >> 2);
		auto is_directory = [&](uint64_t c) { return ctx.tree->node(c)->directory; };
		st.st_nlink =
			2 + std::count_if(node.children.begin(), node.children.end(), is_directory);
	} else {
		st.st_mode = S_IFREG | ctx.file_mode;
		st.st_nlink = 1;
		st.st_size = static_cast<off_t>(node.content().size());
		st.st_blocks = static_cast<blkcnt_t>((node.allocated() + 511) / 512);
	}
	return st;
}

fuse_entry_param entry(const ServeContext &ctx, uint64_t ino, const Node &node)
{
	fuse_entry_param e = {};
	e.ino = ino;
	e.attr = attributes(ctx, ino, node);
	e.attr_timeout = forever;
	e.entry_timeout = forever;
	return e;
}

void do_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const ServeContext &ctx = context(req);
	uint64_t ino = ctx.tree->lookup(parent, name);
	if (ino == 0) {
		// A negative entry (inode 0) the kernel may cache as long as the positive ones.
		fuse_entry_param none = {};
		none.entry_timeout = forever;
		fuse_reply_entry(req, &none);
		return;
	}
	fuse_entry_param e = entry(ctx, ino, *ctx.tree->node(ino));
	fuse_reply_entry(req, &e);
}

void do_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *)
{
	const ServeContext &ctx = context(req);
	const Node *node = ctx.tree->node(ino);
	if (!node) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct stat st = attributes(ctx, ino, *node);
	fuse_reply_attr(req, &st, forever);
}

void do_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	const Node *node = context(req).tree->node(ino);
	if (!node || node->directory) {
		fuse_reply_err(req, node ? EISDIR : ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	fi->fh = ino;
	if (context(req).core->changing())
		fi->direct_io = 1; // every read asks the live process: no page cache
	else
		fi->keep_cache = 1; // the bytes never change: a second open reads the page cache
	fi->noflush = 1;            // nothing to flush on close
	fuse_reply_open(req, fi);
}

void do_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi)
{
	const Node *node = context(req).tree->node(ino);
	if (!node || !node->directory) {
		fuse_reply_err(req, node ? ENOTDIR : ENOENT);
		return;
	}
	fi->fh = ino;
	fi->cache_readdir = 1; // the listing never changes either
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

// Entries 0 and 1 are "." and "..", then the children; an entry's offset is its index plus one,
// the offset a later readdir resumes from.
size_t add_entry(fuse_req_t req, const ServeContext &ctx, uint64_t dir_ino, size_t index,
		 std::span<char> buffer, bool plus)
{
	const Node &dir = *ctx.tree->node(dir_ino);
	const char *name = index == 0 ? "." : "..";
	uint64_t ino = index == 0 ? dir_ino : dir.parent;
	if (index >= 2) {
		ino = dir.children[index - 2];
		name = ctx.tree->node(ino)->name.c_str();
	}
	fuse_entry_param e = entry(ctx, ino, *ctx.tree->node(ino));
	off_t next = static_cast<off_t>(index + 1);
	if (plus)
		return fuse_add_direntry_plus(req, buffer.data(), buffer.size(), name, &e, next);
	return fuse_add_direntry(req, buffer.data(), buffer.size(), name, &e.attr, next);
}

void reply_directory(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, bool plus)
{
	const ServeContext &ctx = context(req);
	const Node *dir = ctx.tree->node(ino);
	if (!dir || !dir->directory) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	std::vector<char> buffer(size);
	size_t used = 0;
	size_t entries = dir->children.size() + 2;
	for (size_t i = static_cast<size_t>(std::max<off_t>(offset, 0)); i < entries; i++) {
		size_t needed = add_entry(req, ctx, ino, i, std::span(buffer).subspan(used), plus);
		if (needed > size - used)
			break;
		used += needed;
	}
	fuse_reply_buf(req, buffer.data(), used);
}

void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info *)
{
	reply_directory(req, ino, size, offset, false);
}

void do_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info *)
{
	reply_directory(req, ino, size, offset, true);
}

// Whether the core is still the file that was mounted; 0 if so, else the errno to fail the
// request with. A core that changed once (truncated, extended, rewritten in place) stays changed
// for the mount, even if it is changed back: its bytes, holes included, are never served again.
// The first request to find it says so in the log.
int core_changed_errno(ServeContext &ctx)
{
	if (ctx.core_changed.load(std::memory_order_relaxed))
		return EIO;
	auto unchanged = ctx.core->check_unchanged();
	if (unchanged)
		return 0;
	if (!ctx.core_changed.exchange(true))
		log_line(unchanged.error().to_string() +
			 "; reads of the mount fail with EIO from now on");
	return unchanged.error().to_errno();
}

// A piece of a READ reply: memory to send and, for core bytes, where they are in the core.
struct ReplyPiece {
	const std::byte *data;
	size_t length;
	bool from_core;
	uint64_t core_offset;
};

// What the core's holes are sent from, in pieces of at most its size; it stays in .bss, so
// replies read the kernel's zero page and it never costs memory.
std::byte zeros[1 << 20];

// Core bytes [source, source + length): the mapping where the core has data, zeros where it has
// holes, which are not faulted in (that would fill the page cache with zero pages).
void add_core_pieces(const ServeContext &ctx, uint64_t source, size_t length,
		     std::vector<ReplyPiece> &pieces)
{
	thread_local FileRuns runs(-1);
	if (runs.fd() != ctx.core->fd())
		runs = FileRuns(ctx.core->fd());
	uint64_t end = source + length;
	while (source < end) {
		FileRun run = runs.at(source);
		size_t part = static_cast<size_t>(std::min(end, run.end) - source);
		if (run.hole)
			part = std::min(part, sizeof zeros);
		// No mapping (a live process): reply_copied reads these pieces.
		const std::byte *data = run.hole ? zeros
					: ctx.core->bytes().empty()
						? nullptr
						: ctx.core->bytes().data() + source;
		pieces.push_back({data, part, !run.hole, source});
		source += part;
	}
}

// Splits [offset, end) of a file into reply pieces; false if any of it is absent.
bool collect_pieces(const ServeContext &ctx, const ExtentTable &table, uint64_t offset,
		    uint64_t end, std::vector<ReplyPiece> &pieces)
{
	pieces.clear();
	return table.for_each_piece(offset, end - offset, [&](const Extent &piece) {
		auto length = static_cast<size_t>(piece.length);
		switch (piece.source) {
		case Extent::Source::generated:
			pieces.push_back(
				{table.generated().data() + piece.source_offset, length, false, 0});
			return true;
		case Extent::Source::core:
			add_core_pieces(ctx, piece.source_offset, length, pieces);
			return true;
		case Extent::Source::absent: break;
		}
		return false;
	});
}

// A reply copied into a buffer: the rare one with more pieces than one writev takes, and every
// reply from a source with no mapping (a live process). Source bytes are read with pread, which
// sees a shrunk core as a short read where the mapping would raise SIGBUS.
void reply_copied(fuse_req_t req, ServeContext &ctx, const std::vector<ReplyPiece> &pieces)
{
	std::vector<std::byte> buffer;
	for (const ReplyPiece &piece : pieces) {
		size_t at = buffer.size();
		buffer.resize(at + piece.length);
		if (!piece.from_core) {
			std::copy_n(piece.data, piece.length, buffer.data() + at);
			continue;
		}
		auto read = ctx.core->read(piece.core_offset, buffer.data() + at, piece.length);
		if (!read) {
			int error = core_changed_errno(ctx);
			fuse_reply_err(req, error ? error : read.error().to_errno());
			return;
		}
	}
	fuse_reply_buf(req, reinterpret_cast<const char *>(buffer.data()), buffer.size());
}

void do_read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info *fi)
{
	ServeContext &ctx = context(req);
	const ExtentTable &table = ctx.tree->node(fi->fh)->content();
	uint64_t start = static_cast<uint64_t>(std::max<off_t>(offset, 0));
	if (start >= table.size()) {
		fuse_reply_buf(req, nullptr, 0);
		return;
	}
	uint64_t end = start + std::min<uint64_t>(size, table.size() - start);
	// Checked before the reply is made: after it, the bytes are the reader's.
	if (int error = core_changed_errno(ctx)) {
		fuse_reply_err(req, error);
		return;
	}
	thread_local std::vector<ReplyPiece> pieces;
	if (!collect_pieces(ctx, table, start, end, pieces)) {
		fuse_reply_err(req, EIO);
		return;
	}
	if (pieces.size() > max_reply_iovecs || ctx.core->bytes().empty()) {
		reply_copied(req, ctx, pieces);
		return;
	}
	thread_local std::vector<iovec> iov;
	iov.clear();
	for (const ReplyPiece &piece : pieces)
		iov.push_back({const_cast<std::byte *>(piece.data), piece.length});
	// The kernel copies from the mapping inside writev. If the core shrank since the check,
	// that copy faults: writev fails with EFAULT (no SIGBUS here) and the kernel fails the READ
	// with EIO itself; the check then logs why.
	if (fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size())) == -EFAULT) {
		core_changed_errno(ctx);
		return;
	}
	// After the reply, so that the reader does not wait for it.
	if (ctx.prefetch)
		ctx.prefetch->served(table, start, end);
}

void do_lseek(fuse_req_t req, fuse_ino_t, off_t offset, int whence, fuse_file_info *fi)
{
	ServeContext &ctx = context(req);
	const ExtentTable &table = ctx.tree->node(fi->fh)->content();
	if (whence != SEEK_DATA && whence != SEEK_HOLE) {
		fuse_reply_err(req, EINVAL); // the kernel answers the other kinds itself
		return;
	}
	// The holes of a changed core are not the holes of the mounted one.
	if (int error = core_changed_errno(ctx)) {
		fuse_reply_err(req, error);
		return;
	}
	std::optional<uint64_t> found;
	if (offset >= 0) {
		auto from = static_cast<uint64_t>(offset);
		found = whence == SEEK_DATA ? table.seek_data(from, ctx.core->fd())
					    : table.seek_hole(from, ctx.core->fd());
	}
	if (found)
		fuse_reply_lseek(req, static_cast<off_t>(*found));
	else
		fuse_reply_err(req, ENXIO);
}

void do_statfs(fuse_req_t req, fuse_ino_t)
{
	const ServeContext &ctx = context(req);
	struct statvfs st = {};
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	const Node *vmcore = ctx.tree->node(ctx.tree->lookup(FileTree::root, "guest.vmcore"));
	st.f_blocks = (vmcore->content().size() + st.f_frsize - 1) / st.f_frsize;
	st.f_files = ctx.tree->node_count();
	st.f_namemax = NAME_MAX;
	fuse_reply_statfs(req, &st);
}

void read_only(fuse_req_t req)
{
	fuse_reply_err(req, EROFS);
}

// The FUSE boundary. An exception (std::bad_alloc, in practice) must not unwind into libfuse's C
// code, which would end the daemon and leave a dead mount: the request fails with EIO instead,
// and the log says why. Every callback here replies last (after its reply, do_read calls only
// CorePrefetch::served, which never throws), so a throw means no reply was sent.
template <auto operation> struct Guarded;
template <typename... Args, void (*operation)(fuse_req_t, Args...)> struct Guarded<operation> {
	static void call(fuse_req_t req, Args... args) noexcept
	{
		try {
			operation(req, args...);
		} catch (const std::exception &e) {
			log_line(std::string("a FUSE request failed: ") + e.what());
			fuse_reply_err(req, EIO);
		}
	}
};

// Negotiation of the session's capabilities: every choice, with why.
void do_init(void *userdata, fuse_conn_info *conn)
{
	// libfuse insists that init() repeats a max_read given as a mount option.
	const ServeContext &ctx = *static_cast<ServeContext *>(userdata);
	if (ctx.max_read)
		conn->max_read = ctx.max_read;
	// The kernel's readahead window is the smaller of this and the mount's bdi, which
	// FuseMount::mount has set by now (mount_readahead.h); libfuse offers the bdi's value at
	// mount time, the kernel's default, unless told otherwise.
	conn->max_readahead = ctx.max_readahead;
	// Requests are small; receiving them by splice would cost a pipe round trip each.
	conn->want &= ~FUSE_CAP_SPLICE_READ;
	// Replies are iovecs into the core's mapping, never spliced: splicing lost with 1 MiB READs
	// (libfuse then copies) and would make a shrunk core a silent short read instead of EIO.
	conn->want &= ~(FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	// Files never change, so cached pages never need to be checked against mtime.
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	// Readahead keeps several READs in flight, for the worker threads to serve in parallel.
	conn->want |= conn->capable & FUSE_CAP_ASYNC_READ;
	// ls -l of blocks/ gets names and attributes in one round trip.
	conn->want |= conn->capable & FUSE_CAP_READDIRPLUS;
	// The tree is immutable and lock-free: lookups in one directory may run concurrently.
	conn->want |= conn->capable & FUSE_CAP_PARALLEL_DIROPS;
}

fuse_lowlevel_ops make_operations()
{
	fuse_lowlevel_ops ops = {};
	ops.init = do_init;
	ops.lookup = Guarded<do_lookup>::call;
	ops.getattr = Guarded<do_getattr>::call;
	ops.open = Guarded<do_open>::call;
	ops.read = Guarded<do_read>::call;
	ops.lseek = Guarded<do_lseek>::call;
	ops.opendir = Guarded<do_opendir>::call;
	ops.readdir = Guarded<do_readdir>::call;
	ops.readdirplus = Guarded<do_readdirplus>::call;
	ops.statfs = Guarded<do_statfs>::call;
	// Everything that would change the tree. The mount is read-only, so the kernel rejects
	// most of these before they get here; the rest (and any remount rw) meets EROFS.
	ops.setattr = [](fuse_req_t req, fuse_ino_t, struct stat *, int, fuse_file_info *) {
		read_only(req);
	};
	ops.write = [](fuse_req_t req, fuse_ino_t, const char *, size_t, off_t, fuse_file_info *) {
		read_only(req);
	};
	ops.create = [](fuse_req_t req, fuse_ino_t, const char *, mode_t, fuse_file_info *) {
		read_only(req);
	};
	ops.mknod = [](fuse_req_t req, fuse_ino_t, const char *, mode_t, dev_t) { read_only(req); };
	ops.mkdir = [](fuse_req_t req, fuse_ino_t, const char *, mode_t) { read_only(req); };
	ops.unlink = [](fuse_req_t req, fuse_ino_t, const char *) { read_only(req); };
	ops.rmdir = [](fuse_req_t req, fuse_ino_t, const char *) { read_only(req); };
	ops.symlink = [](fuse_req_t req, const char *, fuse_ino_t, const char *) {
		read_only(req);
	};
	ops.rename = [](fuse_req_t req, fuse_ino_t, const char *, fuse_ino_t, const char *,
			unsigned int) { read_only(req); };
	ops.link = [](fuse_req_t req, fuse_ino_t, fuse_ino_t, const char *) { read_only(req); };
	ops.setxattr = [](fuse_req_t req, fuse_ino_t, const char *, const char *, size_t, int) {
		read_only(req);
	};
	ops.removexattr = [](fuse_req_t req, fuse_ino_t, const char *) { read_only(req); };
	ops.fallocate = [](fuse_req_t req, fuse_ino_t, int, off_t, off_t, fuse_file_info *) {
		read_only(req);
	};
	ops.copy_file_range = [](fuse_req_t req, fuse_ino_t, off_t, fuse_file_info *, fuse_ino_t,
				 off_t, fuse_file_info *, size_t, int) { read_only(req); };
	return ops;
}

} // namespace

const fuse_lowlevel_ops &fuse_operations()
{
	static const fuse_lowlevel_ops ops = make_operations();
	return ops;
}

} // namespace vmcorefs

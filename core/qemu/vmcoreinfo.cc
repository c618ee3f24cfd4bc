#include "qemu/vmcoreinfo.h"

#include <cstring>

#include "base/byte_order.h"
#include "base/elf_note.h"
#include "qemu/guest_memory_resolver.h"
#include "qemu/qom_type.h"
#include "qemu/vmcoreinfo_scan.h"

namespace vmcorefs {
namespace {

// dump.c's MAX_GUEST_NOTE_SIZE.
constexpr uint64_t max_guest_note_size = 1 << 20;
constexpr uint64_t note_header_size = 12;
constexpr uint64_t page_size = 4096;
constexpr char note_name[] = "VMCOREINFO"; // namesz 11 with the NUL
constexpr char first_key[] = "OSRELEASE=";
// What the scan reads at the start of a page: the note's header, its name and the first key.
constexpr size_t note_probe_size = 24 + sizeof first_key - 1;

// The VMCOREINFO note at the start of buf (of buf.size() bytes), sized and checked as dump.c
// does; empty when there is none or it does not fit. dump.c would copy a note of any name, but a
// Linux guest only ever points the device at its VMCOREINFO: another name means the address is
// wrong. Like vmcoreinfo_update_phys_base, the byte after the descriptor is set to NUL (it is
// padding, zero in Linux's note anyway).
std::vector<std::byte> first_note(std::vector<std::byte> buf)
{
	auto note = elf_note_at(buf, 0);
	if (!note || load_le<uint32_t>(buf.data()) != sizeof note_name || note->name != note_name ||
	    note->desc.size() > max_guest_note_size)
		return {};
	uint64_t desc_end =
		static_cast<uint64_t>(note->desc.data() - buf.data()) + note->desc.size();
	if (((desc_end + 3) & ~uint64_t{3}) > buf.size()) // its padding too, as dump.c reads it
		return {};
	buf.resize(note->size);
	if (desc_end < buf.size())
		buf[desc_end] = std::byte{0};
	return buf;
}

std::string desc_text(const std::vector<std::byte> &note)
{
	auto parsed = elf_note_at(note, 0);
	if (!parsed)
		return "";
	const char *desc = reinterpret_cast<const char *>(parsed->desc.data());
	return std::string(desc, strnlen(desc, parsed->desc.size()));
}

struct DeviceFields {
	Field has, guest_format, size, paddr;
};

// Vmcoreinfo from the device, or a reason why not.
Result<Vmcoreinfo> from_device(QemuReader &r, const GuestMemoryMap &map)
{
	auto state = r.global_with_prefix("vmcoreinfo_state");
	if (!state)
		return state.take_error();
	auto layout = r.layout("VMCoreInfoState");
	if (!*state && !r.facts().borrowed_from.empty())
		return make_error(ErrorCode::absent, "",
				  "where this QEMU keeps its vmcoreinfo device is known only to "
				  "its own debug info or profile");
	if (!*state || !layout)
		return make_error(ErrorCode::absent, "", "this QEMU has no vmcoreinfo device");
	DeviceFields f;
	VMCOREFS_TRY(layout->fields({{"has_vmcoreinfo", &f.has},
				     {"vmcoreinfo.guest_format", &f.guest_format},
				     {"vmcoreinfo.size", &f.size},
				     {"vmcoreinfo.paddr", &f.paddr}}));
	Field pointer{0, 8, {}, "vmcoreinfo_state"};
	auto device = r.read_uint(**state, pointer);
	if (!device)
		return device.take_error();
	if (*device == 0)
		return make_error(ErrorCode::absent, "", "QEMU ran without -device vmcoreinfo");
	// The static's place comes from DWARF or, for a stripped QEMU, from a profile that placed
	// it by its neighbours: read nothing through it unless it leads to the device.
	auto is_device = qom_object_is_a(r, *device, "vmcoreinfo");
	if (!is_device || !*is_device)
		return make_error(ErrorCode::bad_structure, "",
				  "vmcoreinfo_state (" + hex(**state) +
					  ") does not point at a vmcoreinfo device");
	auto has = r.read_bool(*device, f.has);
	auto format = r.read_uint(*device, f.guest_format);
	auto size = r.read_uint(*device, f.size);
	auto paddr = r.read_uint(*device, f.paddr);
	for (auto *v : {&format, &size, &paddr})
		if (!*v)
			return v->take_error();
	if (!has || !*has)
		return make_error(ErrorCode::absent, "",
				  "the guest never wrote to the vmcoreinfo device (is its "
				  "qemu_fw_cfg driver loaded?)");
	if (*size < note_header_size || *size > max_guest_note_size)
		return make_error(ErrorCode::corrupt, "",
				  "the vmcoreinfo device's size is invalid");
	if (*format != 1)
		return make_error(ErrorCode::unsupported, "",
				  "the vmcoreinfo device's format is not ELF");
	std::vector<std::byte> buf(*size);
	VMCOREFS_TRY(read_guest_physical(r.core(), map, *paddr, buf.data(), buf.size()));
	Vmcoreinfo out;
	out.note = first_note(std::move(buf));
	if (out.note.empty())
		return make_error(ErrorCode::corrupt, "",
				  "there is no valid VMCOREINFO note at " + hex(*paddr) +
					  ", where the vmcoreinfo device points");
	out.source = "vmcoreinfo device (guest physical " + hex(*paddr) + ")";
	out.text = desc_text(out.note);
	return out;
}

// A page that starts with the kernel's VMCOREINFO note header and first key.
bool looks_like_note(std::span<const std::byte> start, uint64_t available)
{
	if (start.size() < note_probe_size || available < note_probe_size)
		return false;
	const std::byte *page = start.data();
	uint32_t namesz = load_le<uint32_t>(page), type = load_le<uint32_t>(page + 8);
	uint32_t descsz = load_le<uint32_t>(page + 4);
	return namesz == sizeof note_name && type == 0 && descsz > 0 && descsz <= available - 24 &&
	       !std::memcmp(page + 12, note_name, sizeof note_name) &&
	       !std::memcmp(page + 24, first_key, sizeof first_key - 1);
}

// The note in the page at paddr, if that page holds a valid one.
std::optional<Vmcoreinfo> note_in_page(QemuReader &r, const GuestMemoryMap &map, uint64_t paddr,
				       uint64_t available)
{
	std::vector<std::byte> buf(std::min(available, page_size * 4));
	if (!read_guest_physical(r.core(), map, paddr, buf.data(), buf.size()))
		return std::nullopt;
	Vmcoreinfo out;
	out.note = first_note(std::move(buf));
	if (out.note.empty())
		return std::nullopt;
	out.source = "found in guest RAM at " + hex(paddr);
	out.text = desc_text(out.note);
	return out;
}

// The note at paddr, where the guest kernel's variables point, if that page holds one.
std::optional<Vmcoreinfo> pointed_note(QemuReader &r, const GuestMemoryMap &map, uint64_t paddr)
{
	std::byte probe[note_probe_size];
	if (!read_guest_physical(r.core(), map, paddr, probe, sizeof probe))
		return std::nullopt;
	// The header, the name and the descriptor with its padding, as its own header sizes it (so
	// looks_like_note checks the name, the type and the first key); first_note bounds it.
	uint64_t size = 24 + ((uint64_t{load_le<uint32_t>(probe + 4)} + 3) & ~uint64_t{3});
	if (!looks_like_note(probe, size))
		return std::nullopt;
	auto found = note_in_page(r, map, paddr, size);
	if (found)
		found->source += ", where the guest kernel's vmcoreinfo_note points";
	return found;
}

std::optional<Vmcoreinfo> scan_guest_ram(QemuReader &r, const GuestMemoryMap &map, uint64_t limit,
					 VmcoreinfoScan &scan)
{
	std::optional<Vmcoreinfo> found;
	scan = scan_guest_pages(r.core().source(), map, note_probe_size, limit,
				[&](uint64_t paddr, std::span<const std::byte> start,
				    uint64_t available) {
					if (looks_like_note(start, available))
						found = note_in_page(r, map, paddr, available);
					return found.has_value();
				});
	return found;
}

std::string mib(uint64_t bytes)
{
	return std::to_string(bytes >> 20) + " MiB";
}

} // namespace

Vmcoreinfo find_vmcoreinfo(QemuReader &r, const GuestMemoryMap &map, uint64_t scan_limit,
			   const LikelyNotePages &likely, std::vector<std::string> &warnings)
{
	auto device = from_device(r, map);
	if (device)
		return *device;
	std::optional<Vmcoreinfo> found;
	if (likely)
		likely([&](uint64_t paddr) {
			found = pointed_note(r, map, paddr);
			return found.has_value();
		});
	VmcoreinfoScan scan;
	if (!found)
		found = scan_guest_ram(r, map, scan_limit, scan);
	if (found) {
		warnings.push_back("VMCOREINFO " + found->source + " (" + device.error().message +
				   ")");
		return *found;
	}
	std::string where =
		scan.limit_reached
			? "in the " + mib(scan.examined) +
				  " of guest RAM scanned (--vmcoreinfo-scan=all scans it all)"
			: "in guest RAM";
	warnings.push_back("no VMCOREINFO: " + device.error().message + ", and none was found " +
			   where +
			   "; crash needs --kaslr for a KASLR kernel and drgn cannot read the "
			   "vmcore");
	return {};
}

} // namespace vmcorefs

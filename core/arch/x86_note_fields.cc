#include "arch/x86_note_fields.h"

namespace vmcorefs {
namespace {

constexpr NoteField prstatus_fields[] = {
	{"pid", 32, 4},       {"r15", 112, 8}, {"r14", 120, 8},     {"r13", 128, 8},
	{"r12", 136, 8},      {"rbp", 144, 8}, {"rbx", 152, 8},     {"r11", 160, 8},
	{"r10", 168, 8},      {"r9", 176, 8},  {"r8", 184, 8},      {"rax", 192, 8},
	{"rcx", 200, 8},      {"rdx", 208, 8}, {"rsi", 216, 8},     {"rdi", 224, 8},
	{"orig_rax", 232, 8}, {"rip", 240, 8}, {"cs", 248, 8},      {"eflags", 256, 8},
	{"rsp", 264, 8},      {"ss", 272, 8},  {"fs_base", 280, 8}, {"gs_base", 288, 8},
	{"ds", 296, 8},       {"es", 304, 8},  {"fs", 312, 8},      {"gs", 320, 8},
};

// QEMUCPUSegment: {u32 selector, u32 limit, u32 flags, u32 pad, u64 base}.
// Laid out by hand: clang-format takes the macro's last braces for a block.
// clang-format off
#define SEGMENT(name, at) \
	{name ".selector", at, 4}, {name ".limit", at + 4, 4}, {name ".flags", at + 8, 4}, \
	{name ".pad", at + 12, 4}, {name ".base", at + 16, 8}
// clang-format on

constexpr NoteField qemu_fields[] = {
	{"version", 0, 4},   {"size", 4, 4},      {"rax", 8, 8},       {"rbx", 16, 8},
	{"rcx", 24, 8},      {"rdx", 32, 8},      {"rsi", 40, 8},      {"rdi", 48, 8},
	{"rsp", 56, 8},      {"rbp", 64, 8},      {"r8", 72, 8},       {"r9", 80, 8},
	{"r10", 88, 8},      {"r11", 96, 8},      {"r12", 104, 8},     {"r13", 112, 8},
	{"r14", 120, 8},     {"r15", 128, 8},     {"rip", 136, 8},     {"rflags", 144, 8},
	SEGMENT("cs", 152),  SEGMENT("ds", 176),  SEGMENT("es", 200),  SEGMENT("fs", 224),
	SEGMENT("gs", 248),  SEGMENT("ss", 272),  SEGMENT("ldt", 296), SEGMENT("tr", 320),
	SEGMENT("gdt", 344), SEGMENT("idt", 368), {"cr0", 392, 8},     {"cr1", 400, 8},
	{"cr2", 408, 8},     {"cr3", 416, 8},     {"cr4", 424, 8},     {"kernel_gs_base", 432, 8},
};
#undef SEGMENT

} // namespace

std::span<const NoteField> x86_64_prstatus_fields()
{
	return prstatus_fields;
}
std::span<const NoteField> qemu_cpu_state_fields()
{
	return qemu_fields;
}

} // namespace vmcorefs

// Fallback names in DwarfTypes: the first existing name wins, which one matched is recorded for
// `--info -v`, and a name that exists under none of its spellings is an error naming the struct
// and every spelling. The DWARF comes from a tiny C program shaped like QEMU 10.0's structures
// (no env_ptr, neg moved into CPUState, the CPU list called cpus_queue).
#include <algorithm>
#include <gtest/gtest.h>
#include <optional>

#include "compiled_dwarf.h"
#include "dwarf_types.h"

namespace vmcorefs {
namespace {

constexpr char qemu10_like[] = R"(
struct CPUState { int cpu_index; _Bool running; _Bool vcpu_dirty; long neg[4]; };
struct CPUArchState { unsigned long regs[16]; unsigned long eip; };
typedef struct CPUArchState CPUX86State;
struct ArchCPU { struct CPUState parent_obj; CPUX86State env; };
typedef struct ArchCPU X86CPU;
struct CPUState *cpus_queue;
X86CPU cpu;
int main(void) { return cpu.env.regs[0] != 0; }
)";

class DwarfNames : public testing::Test {
protected:
	void SetUp() override
	{
		program_.emplace(qemu10_like);
		ASSERT_EQ(program_->error(), "");
		types_.emplace(program_->dwarf());
	}
	bool recorded(const std::string &line) const
	{
		const auto &m = types_->matched();
		return std::find(m.begin(), m.end(), line) != m.end();
	}

	std::optional<test::CompiledDwarf> program_; // before types_, which reads it
	std::optional<DwarfTypes> types_;
};

TEST_F(DwarfNames, FirstExistingStructNameWinsAndIsRecorded)
{
	auto arch = types_->find_struct({"X86CPU", "ArchCPU"});
	ASSERT_TRUE(arch.ok()) << arch.error().message;
	EXPECT_EQ(arch->name(), "X86CPU");
	EXPECT_TRUE(recorded("struct X86CPU|ArchCPU: X86CPU"));
	auto env = arch->field("env");
	ASSERT_TRUE(env.ok());
	EXPECT_EQ(env->offset, arch->field("parent_obj")->size) << "env follows CPUState";
}

TEST_F(DwarfNames, RenamedFieldFallsBackAndIsRecordedOnce)
{
	auto cpu = types_->find_struct("CPUState");
	ASSERT_TRUE(cpu.ok());
	for (int i = 0; i < 2; i++) {
		auto dirty = cpu->field({"hwaccel_synchronized", "vcpu_dirty"});
		ASSERT_TRUE(dirty.ok()) << dirty.error().message;
		EXPECT_EQ(dirty->path, "vcpu_dirty");
	}
	EXPECT_EQ(std::count(types_->matched().begin(), types_->matched().end(),
			     "field CPUState.hwaccel_synchronized|vcpu_dirty: vcpu_dirty"),
		  1);
}

TEST_F(DwarfNames, MissingFieldNamesStructAndEverySpelling)
{
	auto cpu = types_->find_struct("CPUState");
	ASSERT_TRUE(cpu.ok());
	auto env_ptr = cpu->field({"env_ptr", "env"});
	ASSERT_FALSE(env_ptr.ok());
	EXPECT_NE(env_ptr.error().message.find("env_ptr or env"), std::string::npos)
		<< env_ptr.error().message;
	EXPECT_NE(env_ptr.error().message.find("struct CPUState"), std::string::npos)
		<< env_ptr.error().message;
	EXPECT_TRUE(recorded("field CPUState.env_ptr|env: none"));
	auto single = cpu->field("env_ptr");
	ASSERT_FALSE(single.ok());
	EXPECT_NE(single.error().message.find("no field env_ptr in struct CPUState"),
		  std::string::npos)
		<< single.error().message;
}

TEST_F(DwarfNames, MissingStructNamesEverySpelling)
{
	auto missing = types_->find_struct({"X86CPUv2", "ArchCPUv2"});
	ASSERT_FALSE(missing.ok());
	EXPECT_NE(missing.error().message.find("X86CPUv2 or ArchCPUv2"), std::string::npos)
		<< missing.error().message;
	EXPECT_TRUE(recorded("struct X86CPUv2|ArchCPUv2: none"));
}

} // namespace
} // namespace vmcorefs

// QemuFacts from DWARF: of a name's alternatives the first existing one wins, which one matched
// is recorded for `--info -v`, what QEMU lacks is an error naming it, and what the fact list does
// not declare is refused. The DWARF comes from a tiny C program shaped like QEMU 10.0's structures
// (no env_ptr, neg moved into CPUState, the CPU list called cpus_queue).
#include <algorithm>
#include <gtest/gtest.h>
#include <optional>

#include "compiled_dwarf.h"
#include "facts/dwarf_facts.h"

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
		facts_ = layout_facts_from_dwarf(program_->dwarf());
	}
	bool recorded(const std::string &line) const
	{
		const auto &m = facts_.matched();
		return std::find(m.begin(), m.end(), line) != m.end();
	}

	std::optional<test::CompiledDwarf> program_;
	QemuFacts facts_;
};

TEST_F(DwarfNames, FirstExistingStructNameWinsAndIsRecorded)
{
	auto arch = facts_.find_struct({"X86CPU", "ArchCPU"});
	ASSERT_TRUE(arch.ok()) << arch.error().message;
	EXPECT_EQ(arch->name(), "X86CPU");
	EXPECT_TRUE(recorded("struct X86CPU|ArchCPU: X86CPU"));
	auto env = arch->field("env");
	ASSERT_TRUE(env.ok());
	auto cpu = facts_.find_struct("CPUState");
	ASSERT_TRUE(cpu.ok());
	EXPECT_EQ(env->offset, cpu->size()) << "env follows CPUState";
}

TEST_F(DwarfNames, RenamedFieldFallsBackAndIsRecordedOnce)
{
	auto cpu = facts_.find_struct("CPUState");
	ASSERT_TRUE(cpu.ok());
	for (int i = 0; i < 2; i++) {
		auto dirty = cpu->field({"vcpu_dirty", "hwaccel_synchronized"});
		ASSERT_TRUE(dirty.ok()) << dirty.error().message;
		EXPECT_EQ(dirty->path, "vcpu_dirty");
	}
	EXPECT_EQ(std::count(facts_.matched().begin(), facts_.matched().end(),
			     "field CPUState.vcpu_dirty|hwaccel_synchronized: vcpu_dirty"),
		  1);
}

TEST_F(DwarfNames, ArrayFieldsHaveTheirStride)
{
	auto env = facts_.find_struct("CPUX86State");
	ASSERT_TRUE(env.ok()) << env.error().message;
	auto regs = env->field("regs");
	ASSERT_TRUE(regs.ok());
	EXPECT_EQ(regs->size, 16 * sizeof(long));
	EXPECT_EQ(regs->stride, sizeof(long));
	EXPECT_EQ(env->field("eip")->stride, 0u);
}

TEST_F(DwarfNames, MissingFieldNamesStructAndPath)
{
	auto cpu = facts_.find_struct("CPUState");
	ASSERT_TRUE(cpu.ok());
	auto next = cpu->field("node.tqe_next");
	ASSERT_FALSE(next.ok());
	EXPECT_NE(next.error().message.find("no field node.tqe_next in struct CPUState"),
		  std::string::npos)
		<< next.error().message;
	auto kernelgsbase = facts_.find_struct("CPUX86State")->field({"kernelgsbase"});
	ASSERT_FALSE(kernelgsbase.ok());
	EXPECT_TRUE(recorded("field CPUX86State.kernelgsbase: none"));
}

TEST_F(DwarfNames, MissingStructIsAnError)
{
	auto missing = facts_.find_struct("RAMBlock");
	ASSERT_FALSE(missing.ok());
	EXPECT_NE(missing.error().message.find("no struct RAMBlock"), std::string::npos)
		<< missing.error().message;
}

// A lookup the fact list does not declare cannot be answered by a profile, so it is refused with
// DWARF too: the first test that reaches it fails.
TEST_F(DwarfNames, UndeclaredLookupsAreErrors)
{
	auto env_ptr = facts_.find_struct("CPUState")->field({"env_ptr", "env"});
	ASSERT_FALSE(env_ptr.ok());
	EXPECT_NE(env_ptr.error().message.find("does not declare"), std::string::npos)
		<< env_ptr.error().message;
	EXPECT_FALSE(facts_.find_struct({"X86CPUv2", "ArchCPUv2"}).ok());
	EXPECT_FALSE(facts_.enumerator("CC_OP_DYNAMIC").ok());
	EXPECT_FALSE(facts_.global({"cpus"}).ok());
}

} // namespace
} // namespace vmcorefs

// Layout profiles: what format_profile writes, parse_profile reads back to the same facts, and
// a profile that is damaged, incomplete or hostile is refused with the line at fault, never
// partly believed.
#include <gtest/gtest.h>
#include <optional>

#include "compiled_dwarf.h"
#include "facts/dwarf_facts.h"
#include "facts/layout_profile.h"
#include "facts/qemu_fact_list.h"

namespace vmcorefs {
namespace {

constexpr char qemu_like[] = R"(
struct CPUState { int cpu_index; _Bool running; _Bool vcpu_dirty; };
struct CPUArchState { unsigned long regs[16]; unsigned long eip; };
typedef struct CPUArchState CPUX86State;
struct ArchCPU { struct CPUState parent_obj; CPUX86State env; };
typedef struct ArchCPU X86CPU;
enum CCOp { CC_OP_DYNAMIC, CC_OP_EFLAGS };
X86CPU cpu;
enum CCOp op;
int main(void) { return cpu.env.regs[0] != 0 || op; }
)";

class LayoutProfile : public testing::Test {
protected:
	void SetUp() override
	{
		program_.emplace(qemu_like);
		ASSERT_EQ(program_->error(), "");
		facts_ = layout_facts_from_dwarf(program_->dwarf());
		for (std::string_view g : declared_facts().globals)
			facts_.globals.emplace(g, std::nullopt);
		facts_.globals["cpus_queue|cpus"] = QemuFacts::Symbol{"cpus", 0x1b4c8e0};
		for (std::string_view g : declared_facts().global_prefixes)
			facts_.global_prefixes.emplace(g, std::nullopt);
		facts_.build_id = {0xfc, 0xce, 0x12, 0x39};
		facts_.qemu_version = "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)";
		text_ = format_profile(facts_);
	}
	// text_ with the first line starting with `from` replaced by `to` (nothing: removed).
	std::string edited(const std::string &from, const std::string &to) const
	{
		std::string text = text_;
		size_t at = text.find("\n" + from);
		EXPECT_NE(at, std::string::npos) << from;
		size_t end = text.find('\n', at + 1);
		return text.replace(at + 1, end - at, to.empty() ? "" : to + "\n");
	}
	std::string refusal(const std::string &text) const
	{
		auto facts = parse_profile(text, "p");
		EXPECT_FALSE(facts.ok());
		return facts ? "" : facts.error().to_string();
	}

	std::optional<test::CompiledDwarf> program_;
	QemuFacts facts_;
	std::string text_;
};

TEST_F(LayoutProfile, ReadsBackWhatItWrites)
{
	auto read = parse_profile(text_, "p");
	ASSERT_TRUE(read.ok()) << read.error().to_string();
	EXPECT_EQ(format_profile(*read), text_);
	EXPECT_EQ(read->qemu_version, facts_.qemu_version);
	auto env = read->find_struct({"X86CPU", "ArchCPU"});
	ASSERT_TRUE(env.ok());
	EXPECT_EQ(env->name(), "X86CPU");
	auto regs = read->find_struct("CPUX86State")->field("regs");
	ASSERT_TRUE(regs.ok());
	EXPECT_EQ(regs->stride, sizeof(long));
	EXPECT_EQ(*read->enumerator("CC_OP_EFLAGS"), 1);
	EXPECT_EQ(read->global({"cpus_queue", "cpus"})->offset, 0x1b4c8e0u);
	EXPECT_FALSE(read->find_struct("RAMBlock").ok())
		<< "absent in the program, absent read back";
	EXPECT_FALSE(read->global({"ram_list"}).ok());
}

// refusal(text) says `why`.
#define EXPECT_REFUSED(text, why) EXPECT_NE(refusal(text).find(why), std::string::npos) << (why)

TEST_F(LayoutProfile, RefusesAnIncompleteProfile)
{
	EXPECT_REFUSED(edited("field CPUState cpu_index ", ""),
		       "no line for field CPUState.cpu_index");
	EXPECT_REFUSED(edited("enumerator CC_OP_EFLAGS", ""),
		       "no line for enumerator CC_OP_EFLAGS");
	EXPECT_REFUSED(edited("global cpus_queue|cpus", ""), "no line for global cpus_queue|cpus");
	EXPECT_REFUSED(edited("build-id", ""), "no build-id");
}

TEST_F(LayoutProfile, RefusesDamagedLines)
{
	const std::string cpu_index = "field CPUState cpu_index ";
	EXPECT_REFUSED("vmcorefs layout profile 2\n", "the first line");
	EXPECT_REFUSED(edited("struct CPUState ", "struct CPUState CPUState"), "line ");
	EXPECT_REFUSED(edited(cpu_index, cpu_index + "4096 4 0 cpu_index"),
		       "does not lie inside its struct");
	EXPECT_REFUSED(edited(cpu_index, cpu_index + "18446744073709551615 2 0 cpu_index"),
		       "does not lie inside its struct");
	EXPECT_REFUSED(edited("enumerator CC_OP_EFLAGS", "enumerator CC_OP_EFLAGS one"),
		       "has no value");
	EXPECT_REFUSED(edited("global cpus_queue|cpus", "global cpus_queue|cpus cpus 1234"),
		       "0xOFFSET");
	EXPECT_REFUSED(edited("build-id", "build-id xyz"), "not hexadecimal");
	EXPECT_REFUSED(text_ + "struct CPUState -\n", "struct CPUState twice");
	EXPECT_REFUSED(text_ + "frobnicate\n", "is not a line of a layout profile");
}

TEST_F(LayoutProfile, ReadsPastComments)
{
	std::string commented = text_;
	commented.insert(text_.find('\n') + 1, "# made from a build\n");
	auto read = parse_profile(commented + "# the end\n", "p");
	ASSERT_TRUE(read.ok()) << read.error().to_string();
	EXPECT_EQ(format_profile(*read), text_) << "comments are read past, and not written back";
	EXPECT_REFUSED(text_ + " # not at the start of a line\n",
		       "is not a line of a layout profile");
}

TEST_F(LayoutProfile, ErrorsNameTheFileAndLine)
{
	std::string why = refusal(
		edited("field CPUState cpu_index ", "field CPUState cpu_index x 4 0 cpu_index"));
	EXPECT_EQ(why.rfind("p: line ", 0), 0u) << why;
}

} // namespace
} // namespace vmcorefs

// yama_hint: what a user is told when Yama's ptrace_scope keeps vmcorefs out of their own QEMU's
// memory. The machines the tests run on may have no Yama, so its values are given here.
#include <gtest/gtest.h>

#include "source/process_memory.h"

namespace vmcorefs {
namespace {

bool says(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

TEST(YamaHint, WithoutYamaOnlyTheRightToPtraceIsNamed)
{
	EXPECT_TRUE(says(yama_hint(""), "needs the right to ptrace it (root, or CAP_SYS_PTRACE)"));
	EXPECT_FALSE(says(yama_hint(""), "Yama"));
}

TEST(YamaHint, ScopeZeroNamesNoSetting)
{
	EXPECT_EQ(yama_hint("0"), "reading another process's memory needs the right to ptrace it");
}

TEST(YamaHint, ScopesOneAndTwoSayHowToAllowIt)
{
	for (std::string scope : {"1", "2"}) {
		EXPECT_TRUE(says(yama_hint(scope), "Yama's ptrace_scope is " + scope + ", "));
		EXPECT_TRUE(says(yama_hint(scope), "run vmcorefs as root"));
		EXPECT_TRUE(says(yama_hint(scope), "set /proc/sys/kernel/yama/ptrace_scope to 0"));
	}
}

TEST(YamaHint, ScopeThreeSaysNothingHelpsBeforeReboot)
{
	EXPECT_TRUE(says(yama_hint("3"), "forbids ptrace to all, root included, until reboot"));
	EXPECT_FALSE(says(yama_hint("3"), "set /proc"));
}

} // namespace
} // namespace vmcorefs

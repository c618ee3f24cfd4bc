#include "qemu/cpu_list.h"

#include <optional>
#include <unordered_set>

namespace vmcorefs {
namespace {

// QEMU's limit is a few thousand vCPUs; a longer list is corrupt.
constexpr size_t max_cpus = 1 << 16;

// QTAILQ links both ways: each element's tqe_circ.tql_prev points at the previous element's link
// (the head's for the first), and the head's tqh_circ.tql_prev at the last element's. A list
// whose forward and backward links disagree was cut or redirected: walking it forward would drop
// vCPUs or read some other memory as one.
struct ListFields {
	Field list_first, list_link, list_last, next, link, prev, cpu_index, running, stopped;
	std::optional<Field> vcpu_dirty, hwaccel_synchronized;
};

Result<ListFields> look_up_fields(QemuReader &r)
{
	ListFields f;
	auto list = r.layout("CPUTailQ");
	auto cpu = r.layout("CPUState");
	if (!list || !cpu)
		return list ? cpu.take_error() : list.take_error();
	VMCOREFS_TRY(list->fields({{"tqh_first", &f.list_first},
				   {"tqh_circ", &f.list_link},
				   {"tqh_circ.tql_prev", &f.list_last}}));
	VMCOREFS_TRY(cpu->fields({{"node.tqe_next", &f.next},
				  {"node.tqe_circ", &f.link},
				  {"node.tqe_circ.tql_prev", &f.prev},
				  {"cpu_index", &f.cpu_index},
				  {"running", &f.running},
				  {"stopped", &f.stopped}}));
	// vcpu_dirty (7.2 to 10.0); a proposed rename makes it its negation, hwaccel_synchronized.
	// Neither: registers count as stale under KVM (registers_current).
	if (auto d = cpu->field({"vcpu_dirty", "hwaccel_synchronized"}))
		(d->path == "vcpu_dirty" ? f.vcpu_dirty : f.hwaccel_synchronized) = *d;
	return f;
}

Result<bool> registers_current(QemuReader &r, const ListFields &f, uint64_t cpu,
			       const std::string &accelerator)
{
	if (accelerator != "kvm")
		return true;
	if (f.vcpu_dirty)
		return r.read_bool(cpu, *f.vcpu_dirty);
	if (f.hwaccel_synchronized) {
		auto synced = r.read_bool(cpu, *f.hwaccel_synchronized);
		if (!synced)
			return synced.take_error();
		return !*synced;
	}
	return false;
}

// A live QEMU whose threads run changes a running vCPU's registers while they are read: only a
// vCPU QEMU has paused (QMP stop: CPUState.stopped), or any vCPU of a process stopped whole
// (SIGSTOP, a debugger, --freeze), has registers to show.
Result<VcpuRef> read_vcpu(QemuReader &r, const ListFields &f, uint64_t cpu,
			  const std::string &accelerator, bool live_running)
{
	auto index = r.read_uint(cpu, f.cpu_index);
	auto current = registers_current(r, f, cpu, accelerator);
	auto running = r.read_bool(cpu, f.running);
	auto stopped = r.read_bool(cpu, f.stopped);
	if (!index || !current || !running || !stopped)
		return !index     ? index.take_error()
		       : !current ? current.take_error()
		       : !running ? running.take_error()
				  : stopped.take_error();
	VcpuRef vcpu{cpu, static_cast<int32_t>(*index), *current, {}, *running};
	if (!vcpu.current)
		vcpu.stale_reason = "KVM had not synchronised them with QEMU";
	if (vcpu.current && live_running && !*stopped) {
		vcpu.current = false;
		vcpu.stale_reason = "the vCPU runs in the live QEMU; pause it with QMP stop, or "
				    "use --freeze";
	}
	return vcpu;
}

} // namespace

Result<std::vector<VcpuRef>> walk_cpu_list(QemuReader &r, const std::string &accelerator)
{
	auto fields = look_up_fields(r);
	if (!fields)
		return fields.take_error();
	// The global CPU list: cpus_queue since 8.2, cpus before.
	auto head = r.global({"cpus_queue", "cpus"});
	if (!head)
		return head.take_error();
	auto cpu = r.read_uint(*head, fields->list_first);
	if (!cpu)
		return cpu.take_error();
	auto broken = [&](uint64_t at, const std::string &what) {
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  "the CPU list is broken at " + hex(at) + ": " + what, at);
	};
	bool live_running = r.core().pid() && !r.core().stopped();
	std::vector<VcpuRef> out;
	std::unordered_set<uint64_t> seen;
	uint64_t previous_link = *head + fields->list_link.offset;
	while (*cpu != 0) {
		if (!seen.insert(*cpu).second || out.size() >= max_cpus)
			return broken(*cpu, "it loops or is absurdly long");
		auto prev = r.read_uint(*cpu, fields->prev);
		if (!prev)
			return prev.take_error();
		if (*prev != previous_link)
			return broken(*cpu, "this vCPU's back link points at " + hex(*prev) +
						    ", not at the list entry before it, " +
						    hex(previous_link));
		auto vcpu = read_vcpu(r, *fields, *cpu, accelerator, live_running);
		if (!vcpu)
			return vcpu.take_error();
		out.push_back(*vcpu);
		previous_link = *cpu + fields->link.offset;
		cpu = r.read_uint(*cpu, fields->next);
		if (!cpu)
			return cpu.take_error();
	}
	auto last = r.read_uint(*head, fields->list_last);
	if (!last)
		return last.take_error();
	if (*last != previous_link)
		return broken(*head, "its head says the last vCPU's link is at " + hex(*last) +
					     ", but the list ends at " + hex(previous_link));
	return out;
}

} // namespace vmcorefs

#include "facts/qemu_fact_list.h"

namespace vmcorefs {
namespace {

using Names = const std::string_view[];

// The guest's memory map (guest_block_walker, ram_discard_manager, ramblock_walker).
Names address_space = {"current_map"};
Names flat_view = {"ranges", "nr"};
Names flat_range = {"mr", "offset_in_region", "addr.start", "addr.size"};
Names memory_region = {"ram", "ram_device", "nonvolatile", "ram_block", "size", "rdm"};
Names ram_block = {"host",  "offset", "used_length", "max_length",  "flags",
		   "idstr", "fd",     "mr",          "next.le_next"};
Names ram_list = {"blocks.lh_first"};
Names virtio_mem = {"bitmap", "bitmap_size", "block_size", "memdev"};
Names host_memory_backend = {"mr"};

// QOM, for checking what a pointer points at (qom_type), the machine (qemu_identity) and a borrowed
// layout's struct sizes (layout_checks).
Names object = {"class"};
Names object_class = {"type"};
Names type_impl = {"name", "parent_type", "instance_size"};
Names machine_state = {"dump_guest_core"};
Names vmcoreinfo_state = {"has_vmcoreinfo", "vmcoreinfo.guest_format", "vmcoreinfo.size",
			  "vmcoreinfo.paddr"};

// The vCPU list (cpu_list).
Names cpu_tailq = {"tqh_first", "tqh_circ", "tqh_circ.tql_prev"};
Names cpu_state = {"node.tqe_next", "node.tqe_circ", "node.tqe_circ.tql_prev",         "cpu_index",
		   "running",       "stopped",       "vcpu_dirty|hwaccel_synchronized"};

// x86 (x86_cpu_state, x86_arch).
Names x86_cpu = {"env"};
Names x86_env = {"regs", "eip", "eflags", "cc_src", "cc_op", "df", "hflags",
		 "segs", "ldt", "tr",     "gdt",    "idt",   "cr", "kernelgsbase"};
Names segment_cache = {"selector", "base", "limit", "flags"};

// Arm (aarch64_cpu_state, aarch64_sve, aarch32_state).
Names arm_cpu = {"env", "isar.id_aa64pfr0", "sve_max_vq", "sve_vq.map", "sme_vq.map"};
Names arm_env = {"xregs",
		 "pc",
		 "aarch64",
		 "pstate",
		 "daif",
		 "btype",
		 "NF",
		 "ZF",
		 "CF",
		 "VF",
		 "QF",
		 "GE",
		 "features",
		 "cp15.sctlr_el",
		 "cp15.hcr_el2",
		 "cp15.scr_el3",
		 "svcr",
		 "vfp.zregs",
		 "vfp.pregs",
		 "vfp.xregs",
		 "vfp.vec_len",
		 "vfp.vec_stride",
		 "vfp.qc",
		 "vfp.zcr_el",
		 "vfp.smcr_el",
		 "vfp.fp_status.float_exception_flags",
		 "vfp.fp_status_f16.float_exception_flags",
		 "vfp.standard_fp_status.float_exception_flags",
		 "vfp.standard_fp_status_f16.float_exception_flags",
		 "v7m.ltpsize",
		 "regs",
		 "banked_r13",
		 "banked_r14",
		 "usr_regs",
		 "fiq_regs",
		 "uncached_cpsr",
		 "thumb",
		 "condexec_bits"};
Names arm_vector_reg = {"d"};
Names arm_predicate_reg = {"p"};

const DeclaredStruct structs[] = {
	{"AddressSpace", address_space},
	{"FlatView", flat_view},
	{"FlatRange", flat_range},
	{"MemoryRegion", memory_region},
	{"RAMBlock", ram_block},
	{"RAMList", ram_list},
	{"VirtIOMEM", virtio_mem},
	{"HostMemoryBackend", host_memory_backend},
	{"Object", object},
	{"ObjectClass", object_class},
	{"TypeImpl", type_impl},
	{"MachineState", machine_state},
	{"VMCoreInfoState", vmcoreinfo_state},
	{"CPUTailQ", cpu_tailq},
	{"CPUState", cpu_state},
	{"X86CPU|ArchCPU", x86_cpu},
	{"CPUX86State", x86_env},
	{"SegmentCache", segment_cache},
	{"QEMUCPUState", {}},
	{"ARMCPU|ArchCPU", arm_cpu},
	{"CPUARMState", arm_env},
	{"ARMVectorReg", arm_vector_reg},
	{"ARMPredicateReg", arm_predicate_reg},
};

Names enumerators = {
	"CC_OP_EFLAGS",        "ARM_FEATURE_AARCH64",      "ARM_FEATURE_EL2",
	"ARM_FEATURE_EL3",     "float_flag_invalid",       "float_flag_divbyzero",
	"float_flag_overflow", "float_flag_underflow",     "float_flag_output_denormal",
	"float_flag_inexact",  "float_flag_input_denormal"};

Names globals = {"address_space_memory", "ram_list",    "cpus_queue|cpus",
		 "current_machine",      "kvm_allowed", "tcg_allowed"};
Names global_prefixes = {"vmcoreinfo_state"};

} // namespace

const DeclaredFacts &declared_facts()
{
	static const DeclaredFacts facts{structs, enumerators, globals, global_prefixes};
	return facts;
}

} // namespace vmcorefs

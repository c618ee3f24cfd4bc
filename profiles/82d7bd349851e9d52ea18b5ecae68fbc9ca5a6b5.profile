vmcorefs layout profile 1
# Debian bookworm, package qemu-system-arm 1:7.2+dfsg-7+deb12u18+b3: /usr/bin/qemu-system-aarch64
# Written by scripts/make-debian-profiles.sh from qemu 1:7.2+dfsg-7+deb12u18
# built as its debian/rules configures it, with the offsets of the package's own globals.
build-id 82d7bd349851e9d52ea18b5ecae68fbc9ca5a6b5
qemu-version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
struct ARMCPU|ArchCPU ARMCPU 87232
field ARMCPU|ArchCPU env 7888 78464 0 env
field ARMCPU|ArchCPU isar.id_aa64pfr0 86808 8 0 isar.id_aa64pfr0
field ARMCPU|ArchCPU sme_vq.map 87200 4 0 sme_vq.map
field ARMCPU|ArchCPU sve_max_vq 87184 4 0 sve_max_vq
field ARMCPU|ArchCPU sve_vq.map 87188 4 0 sve_vq.map
struct ARMPredicateReg ARMPredicateReg 32
field ARMPredicateReg p 0 32 8 p
struct ARMVectorReg ARMVectorReg 256
field ARMVectorReg d 0 256 8 d
struct AddressSpace AddressSpace 88
field AddressSpace current_map 32 8 0 current_map
struct CPUARMState CPUARMState 78464
field CPUARMState CF 528 4 0 CF
field CPUARMState GE 548 4 0 GE
field CPUARMState NF 536 4 0 NF
field CPUARMState QF 544 4 0 QF
field CPUARMState VF 532 4 0 VF
field CPUARMState ZF 540 4 0 ZF
field CPUARMState aarch64 332 1 0 aarch64
field CPUARMState banked_r13 424 32 4 banked_r13
field CPUARMState banked_r14 456 32 4 banked_r14
field CPUARMState btype 556 4 0 btype
field CPUARMState condexec_bits 552 4 0 condexec_bits
field CPUARMState cp15.hcr_el2 936 8 0 cp15.hcr_el2
field CPUARMState cp15.scr_el3 952 8 0 cp15.scr_el3
field CPUARMState cp15.sctlr_el 680 32 8 cp15.sctlr_el
field CPUARMState daif 560 8 0 daif
field CPUARMState features 78328 8 0 features
field CPUARMState fiq_regs 508 20 4 fiq_regs
field CPUARMState pc 320 8 0 pc
field CPUARMState pstate 328 4 0 pstate
field CPUARMState regs 0 64 4 regs
field CPUARMState svcr 568 8 0 svcr
field CPUARMState thumb 333 1 0 thumb
field CPUARMState uncached_cpsr 352 4 0 uncached_cpsr
field CPUARMState usr_regs 488 20 4 usr_regs
field CPUARMState v7m.ltpsize 3112 4 0 v7m.ltpsize
field CPUARMState vfp.fp_status.float_exception_flags 12072 2 0 vfp.fp_status.float_exception_flags
field CPUARMState vfp.fp_status_f16.float_exception_flags 12086 2 0 vfp.fp_status_f16.float_exception_flags
field CPUARMState vfp.pregs 11376 544 32 vfp.pregs
field CPUARMState vfp.qc 11952 16 4 vfp.qc
field CPUARMState vfp.smcr_el 12160 32 8 vfp.smcr_el
field CPUARMState vfp.standard_fp_status.float_exception_flags 12100 2 0 vfp.standard_fp_status.float_exception_flags
field CPUARMState vfp.standard_fp_status_f16.float_exception_flags 12114 2 0 vfp.standard_fp_status_f16.float_exception_flags
field CPUARMState vfp.vec_len 11968 4 0 vfp.vec_len
field CPUARMState vfp.vec_stride 11972 4 0 vfp.vec_stride
field CPUARMState vfp.xregs 11976 64 4 vfp.xregs
field CPUARMState vfp.zcr_el 12128 32 8 vfp.zcr_el
field CPUARMState vfp.zregs 3184 8192 256 vfp.zregs
field CPUARMState xregs 64 256 8 xregs
struct CPUState CPUState 824
field CPUState cpu_index 752 4 0 cpu_index
field CPUState node.tqe_circ 584 16 0 node.tqe_circ
field CPUState node.tqe_circ.tql_prev 592 8 0 node.tqe_circ.tql_prev
field CPUState node.tqe_next 584 8 0 node.tqe_next
field CPUState running 188 1 0 running
field CPUState stopped 203 1 0 stopped
field CPUState vcpu_dirty|hwaccel_synchronized 776 1 0 vcpu_dirty
struct CPUTailQ CPUTailQ 16
field CPUTailQ tqh_circ 0 16 0 tqh_circ
field CPUTailQ tqh_circ.tql_prev 8 8 0 tqh_circ.tql_prev
field CPUTailQ tqh_first 0 8 0 tqh_first
struct CPUX86State -
struct FlatRange FlatRange 64
field FlatRange addr.size 32 16 0 addr.size
field FlatRange addr.start 16 16 0 addr.start
field FlatRange mr 0 8 0 mr
field FlatRange offset_in_region 8 8 0 offset_in_region
struct FlatView FlatView 56
field FlatView nr 32 4 0 nr
field FlatView ranges 24 8 0 ranges
struct HostMemoryBackend HostMemoryBackend 384
field HostMemoryBackend mr 112 272 0 mr
struct MachineState MachineState 344
field MachineState dump_guest_core 80 1 0 dump_guest_core
struct MemoryRegion MemoryRegion 272
field MemoryRegion nonvolatile 44 1 0 nonvolatile
field MemoryRegion ram 41 1 0 ram
field MemoryRegion ram_block 56 8 0 ram_block
field MemoryRegion ram_device 153 1 0 ram_device
field MemoryRegion rdm 256 8 0 rdm
field MemoryRegion size 112 16 0 size
struct Object Object 40
field Object class 0 8 0 class
struct ObjectClass ObjectClass 96
field ObjectClass type 0 8 0 type
struct QEMUCPUState -
struct RAMBlock RAMBlock 416
field RAMBlock fd 360 4 0 fd
field RAMBlock flags 72 4 0 flags
field RAMBlock host 24 8 0 host
field RAMBlock idstr 76 256 1 idstr
field RAMBlock max_length 56 8 0 max_length
field RAMBlock mr 16 8 0 mr
field RAMBlock next.le_next 336 8 0 next.le_next
field RAMBlock offset 40 8 0 offset
field RAMBlock used_length 48 8 0 used_length
struct RAMList RAMList 104
field RAMList blocks.lh_first 56 8 0 blocks.lh_first
struct SegmentCache -
struct TypeImpl TypeImpl 376
field TypeImpl instance_size 16 8 0 instance_size
field TypeImpl name 0 8 0 name
field TypeImpl parent_type 96 8 0 parent_type
struct VMCoreInfoState VMCoreInfoState 184
field VMCoreInfoState has_vmcoreinfo 160 1 0 has_vmcoreinfo
field VMCoreInfoState vmcoreinfo.guest_format 170 2 0 vmcoreinfo.guest_format
field VMCoreInfoState vmcoreinfo.paddr 176 8 0 vmcoreinfo.paddr
field VMCoreInfoState vmcoreinfo.size 172 4 0 vmcoreinfo.size
struct VirtIOMEM VirtIOMEM 616
field VirtIOMEM bitmap 528 8 0 bitmap
field VirtIOMEM bitmap_size 520 4 0 bitmap_size
field VirtIOMEM block_size 584 8 0 block_size
field VirtIOMEM memdev 536 8 0 memdev
struct X86CPU|ArchCPU ArchCPU 87232
field X86CPU|ArchCPU env 7888 78464 0 env
enumerator ARM_FEATURE_AARCH64 27
enumerator ARM_FEATURE_EL2 30
enumerator ARM_FEATURE_EL3 31
enumerator CC_OP_EFLAGS -
enumerator float_flag_divbyzero 2
enumerator float_flag_inexact 16
enumerator float_flag_input_denormal 32
enumerator float_flag_invalid 1
enumerator float_flag_output_denormal 64
enumerator float_flag_overflow 4
enumerator float_flag_underflow 8
global address_space_memory address_space_memory 0x15f74e0
global cpus_queue|cpus cpus 0x11f5010
global current_machine current_machine 0x15e2060
global kvm_allowed kvm_allowed 0x1612da3
global ram_list ram_list 0x15f75a0
global tcg_allowed tcg_allowed 0x1602cf5
global-prefix vmcoreinfo_state vmcoreinfo_state.2 0x15e22e8

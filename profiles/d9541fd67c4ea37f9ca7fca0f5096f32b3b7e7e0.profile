vmcorefs layout profile 1
# Debian bookworm, package qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3: /usr/bin/qemu-system-x86_64
# Written by scripts/make-debian-profiles.sh from qemu 1:7.2+dfsg-7+deb12u18
# built as its debian/rules configures it, with the offsets of the package's own globals.
build-id d9541fd67c4ea37f9ca7fca0f5096f32b3b7e7e0
qemu-version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
struct ARMCPU|ArchCPU ArchCPU 20480
field ARMCPU|ArchCPU env 5040 14880 0 env
field ARMCPU|ArchCPU isar.id_aa64pfr0 -
field ARMCPU|ArchCPU sme_vq.map -
field ARMCPU|ArchCPU sve_max_vq -
field ARMCPU|ArchCPU sve_vq.map -
struct ARMPredicateReg -
struct ARMVectorReg -
struct AddressSpace AddressSpace 88
field AddressSpace current_map 32 8 0 current_map
struct CPUARMState -
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
struct CPUX86State CPUX86State 14880
field CPUX86State cc_op 168 4 0 cc_op
field CPUX86State cc_src 152 8 0 cc_src
field CPUX86State cr 424 40 8 cr
field CPUX86State df 172 4 0 df
field CPUX86State eflags 136 8 0 eflags
field CPUX86State eip 128 8 0 eip
field CPUX86State gdt 376 24 0 gdt
field CPUX86State hflags 176 4 0 hflags
field CPUX86State idt 400 24 0 idt
field CPUX86State kernelgsbase 11352 8 0 kernelgsbase
field CPUX86State ldt 328 24 0 ldt
field CPUX86State regs 0 128 8 regs
field CPUX86State segs 184 144 24 segs
field CPUX86State tr 352 24 0 tr
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
struct QEMUCPUState QEMUCPUState 440
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
struct SegmentCache SegmentCache 24
field SegmentCache base 8 8 0 base
field SegmentCache flags 20 4 0 flags
field SegmentCache limit 16 4 0 limit
field SegmentCache selector 0 4 0 selector
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
struct X86CPU|ArchCPU X86CPU 20480
field X86CPU|ArchCPU env 5040 14880 0 env
enumerator ARM_FEATURE_AARCH64 -
enumerator ARM_FEATURE_EL2 -
enumerator ARM_FEATURE_EL3 -
enumerator CC_OP_EFLAGS 1
enumerator float_flag_divbyzero 2
enumerator float_flag_inexact 16
enumerator float_flag_input_denormal 32
enumerator float_flag_invalid 1
enumerator float_flag_output_denormal 64
enumerator float_flag_overflow 4
enumerator float_flag_underflow 8
global address_space_memory address_space_memory 0x11a2580
global cpus_queue|cpus cpus 0xde4010
global current_machine current_machine 0x118d098
global kvm_allowed kvm_allowed 0x11bcd26
global ram_list ram_list 0x11a2640
global tcg_allowed tcg_allowed 0x11acc75
global-prefix vmcoreinfo_state vmcoreinfo_state.2 0x118d380

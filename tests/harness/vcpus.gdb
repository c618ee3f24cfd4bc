# gdb commands for selfcheck.sh: QEMU's accelerator and each vCPU's vcpu_dirty (false = KVM holds
# newer registers than QEMU's CPUX86State), read from a QEMU process core with QEMU's debug info.
printf "kvm_allowed %d\n", kvm_allowed
set $c = cpus.tqh_first
while $c
  printf "cpu %d vcpu_dirty %d\n", $c->cpu_index, $c->vcpu_dirty
  set $c = $c->node.tqe_next
end

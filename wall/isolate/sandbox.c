#define _GNU_SOURCE
#include "isolate/sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

/*
 * What no plugin needs to decode, draw or talk to the network, and what
 * would let it reach past its own process: other processes' memory,
 * kernel and namespace administration, new programs. Each fails with
 * EPERM, so a library that probes for one carries on. Everything else a
 * decoder, a GStreamer pipeline or a socket needs stays allowed.
 */
static const char *const denied[] = {
#ifndef __SANITIZE_ADDRESS__
        /* LeakSanitizer stops the world with ptrace, so a sanitized build keeps it. */
        "ptrace",
#endif
        "process_vm_readv",
        "process_vm_writev",
        "process_madvise",
        "pidfd_open",
        "pidfd_getfd",
        "pidfd_send_signal",
        "tkill",
        "mount",
        "umount2",
        "pivot_root",
        "chroot",
        "setns",
        "unshare",
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "bpf",
        "perf_event_open",
        "keyctl",
        "add_key",
        "request_key",
        "reboot",
        "swapon",
        "swapoff",
        "userfaultfd",
        "open_by_handle_at",
        "name_to_handle_at",
        "acct",
        "settimeofday",
        "clock_settime",
        "clock_adjtime",
        "adjtimex",
        "sethostname",
        "setdomainname",
        "iopl",
        "ioperm",
        "quotactl",
        "fanotify_init",
        "execve",
        "execveat",
        "setpriority",
        "move_pages",
        "migrate_pages",
        "mbind",
        "set_mempolicy",
        "vhangup",
        "syslog",
        "lookup_dcookie",
        "fsopen",
        "fsmount",
        "fsconfig",
        "move_mount",
        "open_tree",
        "mount_setattr",
};

static bool deny_all(scmp_filter_ctx filter)
{
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		/* A name this kernel's headers do not know cannot be called either. */
		if (nr != __NR_SCMP_ERROR &&
		    seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) {
			return false;
		}
	}
	return true;
}

/* Signals only to itself: the wall and its other children share our uid and group. */
static bool signals_only_to_self(scmp_filter_ctx filter)
{
	scmp_datum_t self = (scmp_datum_t)getpid();
	return seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
	                        SCMP_A0(SCMP_CMP_NE, self)) == 0 &&
	       seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
	                        SCMP_A0(SCMP_CMP_NE, self)) == 0 &&
	       seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rt_tgsigqueueinfo), 1,
	                        SCMP_A0(SCMP_CMP_NE, self)) == 0 &&
	       seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(rt_sigqueueinfo), 1,
	                        SCMP_A0(SCMP_CMP_NE, self)) == 0;
}

bool wall_sandbox_enter(void)
{
	/* setuid binaries and file capabilities no longer raise anything. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		return false;
	}
	/* GStreamer would scan its plugins in a new program, which execve now refuses. */
	setenv("GST_REGISTRY_FORK", "no", 1);
	scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
	if (filter == NULL) {
		return false;
	}
	bool ok = deny_all(filter) && signals_only_to_self(filter) && seccomp_load(filter) == 0;
	seccomp_release(filter);
	return ok;
}

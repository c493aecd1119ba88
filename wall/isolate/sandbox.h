/* What an isolated plugin's child gives up before it runs plugin code. */
#ifndef WALL_ISOLATE_SANDBOX_H
#define WALL_ISOLATE_SANDBOX_H

#include <stdbool.h>

/**
 * No new privileges (PR_SET_NO_NEW_PRIVS), then a seccomp filter where
 * the build has libseccomp. Returns false when the kernel refuses.
 */
bool wall_sandbox_enter(void);

#endif

/*
 * One child process on the wall's side: started with posix_spawn and a
 * pidfd, sent to without ever blocking, and kept (with the buffers it
 * shared) while frames the renderer holds still point into them.
 */
#define _GNU_SOURCE
#include "isolate/proxy_private.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* Children. */

struct child *child_ref(struct child *child)
{
	g_atomic_int_inc(&child->refcount);
	return child;
}

void child_unref(struct child *child)
{
	if (child == NULL || !g_atomic_int_dec_and_test(&child->refcount)) {
		return;
	}
	for (unsigned i = 0; i < WALL_IPC_POOL_MAX; i++) {
		if (child->pool[i].map != NULL) {
			munmap(child->pool[i].map, child->pool[i].size);
		}
	}
	if (child->shared != NULL) {
		munmap(child->shared, sizeof(*child->shared));
	}
	if (child->sock >= 0) {
		close(child->sock);
	}
	if (child->pidfd >= 0) {
		close(child->pidfd);
	}
	g_mutex_clear(&child->lock);
	g_free(child);
}

/* Any thread, never blocks: a child that does not read loses the message. */
bool child_send(struct child *child, struct wall_ipc_header header, const void *text,
                size_t text_bytes)
{
	if (child == NULL) {
		return false;
	}
	g_mutex_lock(&child->lock);
	bool ok =
	        child->sock >= 0 && wall_ipc_send(child->sock, header, text, text_bytes, -1, true);
	g_mutex_unlock(&child->lock);
	return ok;
}

static char *host_path(void)
{
	const char *set = g_getenv("WALL_PLUGIN_HOST");
	if (set != NULL && *set != '\0') {
		return g_strdup(set);
	}
	/* Beside the wall binary, as built and as installed. */
	char *self = g_file_read_link("/proc/self/exe", NULL);
	char *dir = self != NULL ? g_path_get_dirname(self) : g_strdup(".");
	char *path = g_build_filename(dir, "wall-plugin-host", NULL);
	g_free(self);
	g_free(dir);
	return path;
}

/*
 * The child's environment. A sanitized build's child would turn a crash
 * into an ASan report and exit 1, and a plugin's exit() into a leak
 * report: let signals kill it as they would an ordinary build's, and
 * leave the plugin's leaks at exit to the plugin.
 */
static char **child_environment(void)
{
	char **env = g_get_environ();
#ifdef __SANITIZE_ADDRESS__
	const char *asan = g_environ_getenv(env, "ASAN_OPTIONS");
	char *options = g_strconcat(asan != NULL ? asan : "", asan != NULL ? ":" : "",
	                            "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:"
	                            "handle_sigill=0:detect_leaks=0",
	                            NULL);
	env = g_environ_setenv(env, "ASAN_OPTIONS", options, TRUE);
	g_free(options);
#endif
	return env;
}

/*
 * The page a child shares with the wall: a memfd whose size is sealed, so
 * that the child cannot shrink it under the wall (SIGBUS), mapped here.
 */
static int make_shared(struct wall_ipc_shared **shared)
{
	int fd = memfd_create("wall-shared", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, sizeof(**shared)) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		goto fail;
	}
	void *map = mmap(NULL, sizeof(**shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		goto fail;
	}
	*shared = map;
	return fd;
fail:
	if (fd >= 0) {
		close(fd);
	}
	return -1;
}

/* fd moved above the numbers the child gets, so that one dup2 cannot overwrite the other. */
static int above_child_fds(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, WALL_IPC_SHARED_FD + 1);
	close(fd);
	return moved;
}

struct child *child_spawn(struct wall_isolate *isolate)
{
	struct wall_ipc_shared *shared = NULL;
	int shared_fd = make_shared(&shared);
	shared_fd = shared_fd >= 0 ? above_child_fds(shared_fd) : -1;
	int pair[2] = {-1, -1};
	if (shared_fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0 ||
	    (pair[1] = above_child_fds(pair[1])) < 0) {
		wall_warning("%s: cannot start a child: %s", isolate->plugin_name,
		             g_strerror(errno));
		if (pair[0] >= 0) {
			close(pair[0]);
		}
		if (shared != NULL) {
			munmap(shared, sizeof(*shared));
		}
		if (shared_fd >= 0) {
			close(shared_fd);
		}
		return NULL;
	}
	char *path = host_path();
	char *memory = g_strdup_printf("%" G_GINT64_FORMAT, isolate->memory_mb);
	char *argv[] = {path, isolate->plugin_path, "3", memory, NULL};
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	/* dup2 clears close-on-exec on 3 and WALL_IPC_SHARED_FD only. */
	posix_spawn_file_actions_adddup2(&actions, pair[1], 3);
	posix_spawn_file_actions_adddup2(&actions, shared_fd, WALL_IPC_SHARED_FD);
	pid_t pid = -1;
	char **env = child_environment();
	int err = posix_spawn(&pid, path, &actions, NULL, argv, env);
	g_strfreev(env);
	posix_spawn_file_actions_destroy(&actions);
	close(pair[1]);
	close(shared_fd);
	g_free(memory);
	struct child *child = NULL;
	int pidfd = err == 0 ? pidfd_open(pid, 0) : -1;
	if (err != 0 || pidfd < 0) {
		wall_warning("%s: cannot start %s: %s", isolate->plugin_name, path,
		             g_strerror(err != 0 ? err : errno));
		if (err == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		close(pair[0]);
		munmap(shared, sizeof(*shared));
		goto out;
	}
	child = g_new0(struct child, 1);
	child->refcount = 1;
	g_mutex_init(&child->lock);
	child->sock = pair[0];
	child->pid = pid;
	child->pidfd = pidfd;
	child->shared = shared;
	child->number = ++isolate->children;
	struct wall_ipc_header header = {.type = WALL_IPC_INIT};
	child_send(child, header, isolate->init->str, isolate->init->len);
out:
	g_free(path);
	return child;
}

void child_sample_memory(struct wall_isolate *isolate, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		return;
	}
	unsigned long long size_pages = 0, rss_pages = 0;
	/* A child that has just died reads as all zeros: keep its last real size. */
	if (sscanf(text, "%llu %llu", &size_pages, &rss_pages) == 2 && size_pages > 0) {
		uint64_t page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
		g_mutex_lock(&isolate->lock);
		isolate->vm_kb = size_pages * page_kb;
		isolate->rss_kb = rss_pages * page_kb;
		g_mutex_unlock(&isolate->lock);
	}
	g_free(text);
}

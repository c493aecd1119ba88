#define _GNU_SOURCE
#include "isolate/proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate/ipc.h"
#include "json_write.h"
#include "layout.h"
#include "log.h"

/* Heartbeat period, and the silence after which a child counts as hung. */
#define PING_MS 200
/* How often the child's size is sampled, for telling a memory death from others. */
#define SAMPLE_MS 50
#define HANG_MS 3000
/*
 * Before the plugin's create() has returned the child answers nothing;
 * a first GStreamer registry scan alone can take seconds.
 */
#define START_MS 30000
/* The camera's backoff: from 1 s, doubling, to 30 s. */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* A child that lived this long starts the backoff over. */
#define HEALTHY_MS 30000
/* How long a closing child may take over its plugin's destroy(). */
#define GRACE_MS 300

/*
 * One child process and the buffers it shared. Frames the renderer still
 * holds keep it (and so the mappings) alive after the child is gone.
 */
struct child {
	gint refcount;
	GMutex lock;
	/* -1 once the child is gone; sends check it under lock. */
	int sock;
	pid_t pid;
	int pidfd;
	struct {
		uint8_t *map;
		size_t size;
		/* The wall shows it: the child must not write it. */
		bool held;
	} pool[WALL_IPC_POOL_MAX];
};

struct held_frame {
	struct child *child;
	uint32_t index;
};

struct wall_isolate {
	struct wall_plugin table;
	const struct wall_host *host;
	struct wall_source *source;
	char *plugin_path;
	char *plugin_name;
	int64_t memory_mb;
	/* The INIT text: name, folder, option pairs. */
	GString *init;
	GThread *thread;
	int wake_fd;

	/*
	 * Held around every host call the supervisor makes, so that once
	 * destroy() has set stopping no host call is made any more.
	 */
	GMutex host_lock;
	bool stopping;

	/* Guards everything below; never held across I/O that can wait. */
	GMutex lock;
	struct child *child;
	bool visible;
	bool visibility_told;
	uint32_t view_width_px;
	uint32_t view_height_px;
	/* The child's last status pairs, NUL-separated. */
	GByteArray *status;
	uint64_t restarts;
	uint64_t crashes;
	uint64_t hangs;
	uint64_t memory_kills;
	char *last_exit;
	uint64_t rss_kb;
	uint64_t vm_kb;
	/* What the child had mapped before its plugin ran; memory_mb counts from it. */
	uint64_t base_kb;
	/* Why the running child's create() failed, or NULL. */
	char *create_error;
};

/* Children. */

static struct child *child_ref(struct child *child)
{
	g_atomic_int_inc(&child->refcount);
	return child;
}

static void child_unref(struct child *child)
{
	if (child == NULL || !g_atomic_int_dec_and_test(&child->refcount)) {
		return;
	}
	for (unsigned i = 0; i < WALL_IPC_POOL_MAX; i++) {
		if (child->pool[i].map != NULL) {
			munmap(child->pool[i].map, child->pool[i].size);
		}
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
static bool child_send(struct child *child, struct wall_ipc_header header, const void *text,
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

static void release_frame(void *data)
{
	struct held_frame *held = data;
	struct child *child = held->child;
	g_mutex_lock(&child->lock);
	child->pool[held->index].held = false;
	g_mutex_unlock(&child->lock);
	struct wall_ipc_header header = {.type = WALL_IPC_RELEASE, .a = held->index};
	child_send(child, header, NULL, 0);
	child_unref(child);
	g_free(held);
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

static struct child *child_spawn(struct wall_isolate *isolate)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
		return NULL;
	}
	char *path = host_path();
	char *memory = g_strdup_printf("%" G_GINT64_FORMAT, isolate->memory_mb);
	char *argv[] = {path, isolate->plugin_path, "3", memory, NULL};
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	/* dup2 onto 3 clears close-on-exec there only. */
	posix_spawn_file_actions_adddup2(&actions, pair[1], 3);
	pid_t pid = -1;
	char **env = child_environment();
	int err = posix_spawn(&pid, path, &actions, NULL, argv, env);
	g_strfreev(env);
	posix_spawn_file_actions_destroy(&actions);
	close(pair[1]);
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
		goto out;
	}
	child = g_new0(struct child, 1);
	child->refcount = 1;
	g_mutex_init(&child->lock);
	child->sock = pair[0];
	child->pid = pid;
	child->pidfd = pidfd;
	struct wall_ipc_header header = {.type = WALL_IPC_INIT};
	child_send(child, header, isolate->init->str, isolate->init->len);
out:
	g_free(path);
	return child;
}

/* What the child said. */

static bool take_pool_buffer(struct child *child, const struct wall_ipc_message *message)
{
	uint32_t index = message->header.a;
	struct stat st;
	/* A sealed size: the child cannot shrink it under the renderer (SIGBUS). */
	if (message->fd < 0 || index >= WALL_IPC_POOL_MAX || fstat(message->fd, &st) != 0 ||
	    st.st_size <= 0 || st.st_size > (off_t)1 << 30 ||
	    !(fcntl(message->fd, F_GET_SEALS) & F_SEAL_SHRINK)) {
		return false;
	}
	g_mutex_lock(&child->lock);
	bool ok = !child->pool[index].held;
	if (ok) {
		if (child->pool[index].map != NULL) {
			munmap(child->pool[index].map, child->pool[index].size);
		}
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, message->fd, 0);
		child->pool[index].map = map != MAP_FAILED ? map : NULL;
		child->pool[index].size = map != MAP_FAILED ? (size_t)st.st_size : 0;
		ok = map != MAP_FAILED;
	}
	g_mutex_unlock(&child->lock);
	return ok;
}

/* Every plane lies inside the buffer; the buffer is not shown already. */
static bool frame_fits(const struct wall_ipc_frame *frame, size_t size)
{
	unsigned planes, bpp;
	if (!wall_ipc_format_layout(frame->format, &planes, &bpp) || frame->width_px == 0 ||
	    frame->height_px == 0 || frame->width_px > 16384 || frame->height_px > 16384) {
		return false;
	}
	for (unsigned i = 0; i < planes; i++) {
		uint64_t rows, row_bytes;
		wall_ipc_plane_size(frame->format, i, frame->width_px, frame->height_px, &rows,
		                    &row_bytes);
		uint64_t end = (uint64_t)frame->offsets[i] +
		               (uint64_t)frame->strides[i] * (rows - 1) + row_bytes;
		if (frame->strides[i] < row_bytes || end > size) {
			return false;
		}
	}
	return true;
}

static bool take_frame(struct wall_isolate *isolate, struct child *child,
                       const struct wall_ipc_header *header)
{
	const struct wall_ipc_frame *in = &header->frame;
	uint32_t index = header->a;
	if (index >= WALL_IPC_POOL_MAX) {
		return false;
	}
	g_mutex_lock(&child->lock);
	uint8_t *map = child->pool[index].map;
	bool ok =
	        map != NULL && !child->pool[index].held && frame_fits(in, child->pool[index].size);
	child->pool[index].held = ok;
	g_mutex_unlock(&child->lock);
	if (!ok) {
		return false;
	}
	struct held_frame *held = g_new(struct held_frame, 1);
	held->child = child_ref(child);
	held->index = index;
	struct wall_frame frame = {
	        .format = in->format,
	        .width_px = in->width_px,
	        .height_px = in->height_px,
	        .matrix =
	                in->matrix <= WALL_YUV_MATRIX_BT709 ? in->matrix : WALL_YUV_MATRIX_DEFAULT,
	        .range = in->range <= WALL_YUV_RANGE_FULL ? in->range : WALL_YUV_RANGE_DEFAULT,
	        .capture_time_us = in->capture_time_us,
	        .release = release_frame,
	        .release_data = held,
	        .flags = in->flags & WALL_FRAME_ANY_ASPECT,
	};
	unsigned planes, bpp;
	wall_ipc_format_layout(in->format, &planes, &bpp);
	for (unsigned i = 0; i < planes; i++) {
		frame.planes[i] = map + in->offsets[i];
		frame.strides[i] = in->strides[i];
	}
	if (header->b == 1) {
		isolate->host->push_overlay(isolate->source, &frame);
	} else {
		isolate->host->push_frame(isolate->source, &frame);
	}
	return true;
}

struct data_copy {
	GString *json;
	uint64_t generation;
};

static void copy_data(void *user, const char *json, uint64_t generation)
{
	struct data_copy *copy = user;
	g_string_assign(copy->json, json);
	copy->generation = generation;
}

static void answer_read(struct wall_isolate *isolate, struct child *child,
                        const struct wall_ipc_message *message)
{
	struct wall_ipc_header reply = {.a = message->header.a};
	if (message->header.type == WALL_IPC_READ_METRIC) {
		reply.type = WALL_IPC_METRIC_REPLY;
		reply.b = isolate->host->read_metric(isolate->source, message->text, &reply.value);
		child_send(child, reply, NULL, 0);
		return;
	}
	/* Unchanged since the generation the child knows: found, and no text. */
	struct data_copy copy = {.json = g_string_new(NULL), .generation = message->header.c};
	reply.type = WALL_IPC_DATA_REPLY;
	reply.b = isolate->host->read_data(isolate->source, message->text, message->header.c,
	                                   copy_data, &copy) &&
	          copy.json->len <= WALL_IPC_MAX_BYTES;
	reply.c = copy.generation;
	child_send(child, reply, copy.json->str, reply.b ? copy.json->len : 0);
	g_string_free(copy.json, TRUE);
}

static void keep_status(struct wall_isolate *isolate, const struct wall_ipc_message *message)
{
	g_mutex_lock(&isolate->lock);
	g_byte_array_set_size(isolate->status, 0);
	g_byte_array_append(isolate->status, (const guint8 *)message->text,
	                    message->header.text_bytes);
	g_mutex_unlock(&isolate->lock);
}

/*
 * Act on one message from child. Returns false when the child broke the
 * protocol; it is then killed, and only its own tile is affected.
 */
static bool handle(struct wall_isolate *isolate, struct child *child,
                   const struct wall_ipc_message *message, int64_t *last_pong_us)
{
	const struct wall_ipc_header *header = &message->header;
	const char *text = message->text;
	size_t bytes = header->text_bytes;
	switch (header->type) {
	case WALL_IPC_READY:
		g_mutex_lock(&isolate->lock);
		isolate->base_kb = header->c / 1024;
		g_mutex_unlock(&isolate->lock);
		return true;
	case WALL_IPC_FAILED:
		/* The child exits next; its slate keeps the plugin's own reason. */
		g_mutex_lock(&isolate->lock);
		g_free(isolate->create_error);
		isolate->create_error = g_strdup(text);
		g_mutex_unlock(&isolate->lock);
		/* It waits to be ended, so that nothing it said is lost (see the child). */
		pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
		return true;
	case WALL_IPC_PONG:
		*last_pong_us = g_get_monotonic_time();
		keep_status(isolate, message);
		return true;
	case WALL_IPC_POOL_ADD:
		return take_pool_buffer(child, message);
	case WALL_IPC_FRAME:
		return take_frame(isolate, child, header);
	case WALL_IPC_OVERLAY_OFF:
		isolate->host->push_overlay(isolate->source, NULL);
		return true;
	case WALL_IPC_LOG:
		if (header->a < WALL_LOG_ERROR || header->a > WALL_LOG_DEBUG) {
			return false;
		}
		isolate->host->log(isolate->source, (enum wall_log_level)header->a, "%s", text);
		return true;
	case WALL_IPC_STATE:
		if (header->a <= WALL_SOURCE_STATE_INVALID || header->a > WALL_SOURCE_STATE_ERROR) {
			return false;
		}
		isolate->host->set_state(isolate->source, (enum wall_source_state)header->a,
		                         header->b ? text : NULL);
		return true;
	case WALL_IPC_METRIC:
		isolate->host->publish_metric(isolate->source, text, header->value);
		return true;
	case WALL_IPC_EVENT: {
		const char *json = wall_ipc_text_field(text, bytes, 1);
		isolate->host->emit_event(isolate->source, text, json != NULL ? json : "{}");
		return true;
	}
	case WALL_IPC_READ_METRIC:
	case WALL_IPC_READ_DATA:
		answer_read(isolate, child, message);
		return true;
	default:
		return false;
	}
}

/* Faults. */

static void sample_memory(struct wall_isolate *isolate, pid_t pid)
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

struct run {
	struct child *child;
	int64_t started_us;
	int64_t last_ping_us;
	int64_t last_pong_us;
	int64_t last_sample_us;
	uint32_t seq;
	/* create() returned: heartbeats count from here. */
	bool ready;
	bool hung;
	/* Killed for breaking the protocol. */
	bool violated;
};

/* Why the child ended, in the tile's words, and the event's kind. */
static char *describe_end(struct wall_isolate *isolate, const siginfo_t *info,
                          const struct run *run, const char **kind)
{
	g_mutex_lock(&isolate->lock);
	/* The last sample had grown past three quarters of the limit. */
	bool near_limit =
	        isolate->memory_mb > 0 && isolate->vm_kb > isolate->base_kb &&
	        (isolate->vm_kb - isolate->base_kb) * 4 >= (uint64_t)isolate->memory_mb * 1024 * 3;
	bool hung = run->hung;
	if (hung) {
		isolate->hangs++;
	} else if (near_limit) {
		isolate->memory_kills++;
	} else {
		isolate->crashes++;
	}
	g_mutex_unlock(&isolate->lock);
	const char *name = isolate->plugin_name;
	if (hung) {
		*kind = "plugin_hang";
		return g_strdup_printf("%s: 插件无响应 (%d s)", name, HANG_MS / 1000);
	}
	if (near_limit) {
		*kind = "plugin_memory";
		return g_strdup_printf("%s: 插件超出内存上限 %" G_GINT64_FORMAT " MB", name,
		                       isolate->memory_mb);
	}
	*kind = "plugin_crash";
	g_mutex_lock(&isolate->lock);
	char *create_error = g_steal_pointer(&isolate->create_error);
	g_mutex_unlock(&isolate->lock);
	if (create_error != NULL) {
		*kind = "plugin_failed";
		char *reason = g_strdup_printf("%s: %s", name, create_error);
		g_free(create_error);
		return reason;
	}
	if (run->violated) {
		return g_strdup_printf("%s: 插件违反协议", name);
	}
	if (info->si_code == CLD_EXITED) {
		return g_strdup_printf("%s: 插件退出 (%d)", name, info->si_status);
	}
	const char *abbrev = sigabbrev_np(info->si_status);
	return abbrev != NULL ? g_strdup_printf("%s: 插件崩溃 SIG%s", name, abbrev)
	                      : g_strdup_printf("%s: 插件崩溃 signal %d", name, info->si_status);
}

static void report_end(struct wall_isolate *isolate, const char *reason, const char *kind,
                       pid_t pid, int64_t backoff_ms)
{
	g_mutex_lock(&isolate->lock);
	g_free(isolate->last_exit);
	isolate->last_exit = g_strdup(reason);
	uint64_t count = isolate->crashes + isolate->hangs + isolate->memory_kills;
	g_mutex_unlock(&isolate->lock);
	const char *name = isolate->host->source_name(isolate->source);
	wall_warning("%s: plugin child %d (%s) ended: %s; restarting in %" G_GINT64_FORMAT " ms",
	             name, (int)pid, isolate->plugin_name, reason, backoff_ms);
	isolate->host->set_state(isolate->source, WALL_SOURCE_STATE_ERROR, reason);
	isolate->host->publish_metric(isolate->source, "isolate.failures", (double)count);
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "plugin", isolate->plugin_name);
	wall_json_set_int(builder, "pid", pid);
	wall_json_set_string(builder, "reason", reason);
	json_builder_end_object(builder);
	char *json = wall_json_finish(builder);
	isolate->host->emit_event(isolate->source, kind, json);
	g_free(json);
}

/* The supervisor thread. */

static void tell_view(struct wall_isolate *isolate, struct child *child)
{
	g_mutex_lock(&isolate->lock);
	struct wall_ipc_header size = {.type = WALL_IPC_VIEW_SIZE,
	                               .a = isolate->view_width_px,
	                               .b = isolate->view_height_px};
	bool sized = isolate->view_width_px > 0;
	bool told = isolate->visibility_told;
	struct wall_ipc_header visibility = {.type = isolate->visible ? WALL_IPC_SHOW
	                                                              : WALL_IPC_HIDE};
	g_mutex_unlock(&isolate->lock);
	if (sized) {
		child_send(child, size, NULL, 0);
	}
	if (told) {
		child_send(child, visibility, NULL, 0);
	}
}

static bool start_child(struct wall_isolate *isolate, struct run *run)
{
	struct child *child = child_spawn(isolate);
	if (child == NULL) {
		return false;
	}
	g_mutex_lock(&isolate->lock);
	isolate->child = child_ref(child);
	g_mutex_unlock(&isolate->lock);
	run->child = child;
	run->started_us = g_get_monotonic_time();
	run->last_pong_us = run->started_us;
	run->last_ping_us = 0;
	run->hung = false;
	run->violated = false;
	run->ready = false;
	g_mutex_lock(&isolate->lock);
	isolate->base_kb = 0;
	isolate->vm_kb = 0;
	g_mutex_unlock(&isolate->lock);
	wall_info("%s: plugin %s runs isolated in child %d",
	          isolate->host->source_name(isolate->source), isolate->plugin_name,
	          (int)child->pid);
	tell_view(isolate, child);
	return true;
}

/* Forget the child: no more sends to it; frames still shown keep its buffers. */
static siginfo_t end_child(struct wall_isolate *isolate, struct run *run, bool kill_it)
{
	struct child *child = run->child;
	g_mutex_lock(&isolate->lock);
	struct child *kept = g_steal_pointer(&isolate->child);
	/* The plugin's own pairs were the dead child's. */
	g_byte_array_set_size(isolate->status, 0);
	g_mutex_unlock(&isolate->lock);
	g_mutex_lock(&child->lock);
	close(child->sock);
	child->sock = -1;
	g_mutex_unlock(&child->lock);
	if (kill_it) {
		struct pollfd pfd = {.fd = child->pidfd, .events = POLLIN};
		if (poll(&pfd, 1, GRACE_MS) <= 0) {
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
		}
	}
	siginfo_t info = {0};
	while (waitid(P_PIDFD, (id_t)child->pidfd, &info, WEXITED) != 0 && errno == EINTR) {
	}
	child_unref(kept);
	child_unref(child);
	run->child = NULL;
	return info;
}

static bool is_stopping(struct wall_isolate *isolate)
{
	g_mutex_lock(&isolate->host_lock);
	bool stopping = isolate->stopping;
	g_mutex_unlock(&isolate->host_lock);
	return stopping;
}

/*
 * Serve the running child until it ends (or the source goes). Returns
 * true when the child ended by itself (or hung) and should be restarted.
 */
static bool serve_child(struct wall_isolate *isolate, struct run *run,
                        struct wall_ipc_message *message)
{
	struct child *child = run->child;
	for (;;) {
		struct pollfd fds[3] = {
		        {.fd = child->sock, .events = POLLIN},
		        {.fd = child->pidfd, .events = POLLIN},
		        {.fd = isolate->wake_fd, .events = POLLIN},
		};
		poll(fds, 3, SAMPLE_MS);
		if (is_stopping(isolate)) {
			return false;
		}
		if (fds[0].revents & POLLIN) {
			if (!wall_ipc_receive(child->sock, message)) {
				/* Gone (the pidfd then says how), or it sent no message of ours. */
				run->violated = message->header.type != WALL_IPC_INVALID;
				pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
				return true;
			}
			g_mutex_lock(&isolate->host_lock);
			bool ok = isolate->stopping ||
			          handle(isolate, child, message, &run->last_pong_us);
			if (message->header.type == WALL_IPC_READY && !run->ready) {
				run->ready = true;
				run->last_pong_us = g_get_monotonic_time();
			}
			g_mutex_unlock(&isolate->host_lock);
			if (message->fd >= 0) {
				close(message->fd);
			}
			if (!ok) {
				wall_warning("%s: plugin child %d broke the protocol (message %u); "
				             "killed",
				             isolate->plugin_name, (int)child->pid,
				             message->header.type);
				run->violated = true;
				pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
				return true;
			}
		} else if (fds[0].revents & (POLLHUP | POLLERR)) {
			/* It closed its end: gone, or of no use any more. */
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
			return true;
		} else if (fds[1].revents & (POLLIN | POLLHUP)) {
			return true;
		}
		int64_t now = g_get_monotonic_time();
		int64_t silence_ms = run->ready ? HANG_MS : START_MS;
		if (now - run->last_pong_us > silence_ms * 1000) {
			run->hung = true;
			pidfd_send_signal(child->pidfd, SIGKILL, NULL, 0);
			return true;
		}
		if (now - run->last_ping_us >= (int64_t)PING_MS * 1000) {
			run->last_ping_us = now;
			struct wall_ipc_header ping = {.type = WALL_IPC_PING, .a = ++run->seq};
			child_send(child, ping, NULL, 0);
		}
		if (now - run->last_sample_us >= (int64_t)SAMPLE_MS * 1000) {
			run->last_sample_us = now;
			sample_memory(isolate, child->pid);
		}
	}
}

/* Sleep until deadline_us, or until the source goes; false when it goes. */
static bool wait_until(struct wall_isolate *isolate, int64_t deadline_us)
{
	for (;;) {
		int64_t left_ms = (deadline_us - g_get_monotonic_time()) / 1000;
		if (is_stopping(isolate)) {
			return false;
		}
		if (left_ms <= 0) {
			return true;
		}
		struct pollfd pfd = {.fd = isolate->wake_fd, .events = POLLIN};
		poll(&pfd, 1, (int)MIN(left_ms, 1000));
	}
}

static void *supervise(void *data)
{
	struct wall_isolate *isolate = data;
	struct wall_ipc_message *message = g_new(struct wall_ipc_message, 1);
	int64_t backoff_ms = BACKOFF_FIRST_MS;
	struct run run = {0};
	bool first = true;
	while (!is_stopping(isolate)) {
		if (!first) {
			g_mutex_lock(&isolate->host_lock);
			if (!isolate->stopping) {
				isolate->host->set_state(isolate->source,
				                         WALL_SOURCE_STATE_CONNECTING, NULL);
			}
			g_mutex_unlock(&isolate->host_lock);
		}
		first = false;
		if (!start_child(isolate, &run)) {
			g_mutex_lock(&isolate->host_lock);
			if (!isolate->stopping) {
				isolate->host->set_state(isolate->source, WALL_SOURCE_STATE_ERROR,
				                         "wall-plugin-host cannot start");
			}
			g_mutex_unlock(&isolate->host_lock);
			if (!wait_until(isolate, g_get_monotonic_time() + backoff_ms * 1000)) {
				break;
			}
			backoff_ms = MIN(backoff_ms * 2, BACKOFF_MAX_MS);
			continue;
		}
		bool ended = serve_child(isolate, &run, message);
		pid_t pid = run.child->pid;
		int64_t lived_ms = (g_get_monotonic_time() - run.started_us) / 1000;
		siginfo_t info = end_child(isolate, &run, !ended);
		if (!ended) {
			break;
		}
		if (lived_ms >= HEALTHY_MS) {
			backoff_ms = BACKOFF_FIRST_MS;
		}
		const char *kind = NULL;
		char *reason = describe_end(isolate, &info, &run, &kind);
		g_mutex_lock(&isolate->host_lock);
		if (!isolate->stopping) {
			report_end(isolate, reason, kind, pid, backoff_ms);
		}
		g_mutex_unlock(&isolate->host_lock);
		g_free(reason);
		/* Some jitter, so that many children that died together do not return together. */
		int64_t delay_ms = backoff_ms + g_random_int_range(0, (int32_t)backoff_ms / 10 + 1);
		backoff_ms = MIN(backoff_ms * 2, BACKOFF_MAX_MS);
		if (!wait_until(isolate, g_get_monotonic_time() + delay_ms * 1000)) {
			break;
		}
		g_mutex_lock(&isolate->lock);
		isolate->restarts++;
		uint64_t restarts = isolate->restarts;
		g_mutex_unlock(&isolate->lock);
		g_mutex_lock(&isolate->host_lock);
		if (!isolate->stopping) {
			isolate->host->publish_metric(isolate->source, "isolate.restarts",
			                              (double)restarts);
		}
		g_mutex_unlock(&isolate->host_lock);
	}
	g_free(message);
	return NULL;
}

/* The stand-in plugin's callbacks, on the render thread. */

static void *proxy_create(const struct wall_host *host, struct wall_source *source)
{
	/* Never called: wall_isolate_create() makes the instance. */
	return NULL;
}

static void send_current(struct wall_isolate *isolate, struct wall_ipc_header header)
{
	g_mutex_lock(&isolate->lock);
	struct child *child = isolate->child != NULL ? child_ref(isolate->child) : NULL;
	g_mutex_unlock(&isolate->lock);
	child_send(child, header, NULL, 0);
	if (child != NULL) {
		child_unref(child);
	}
}

static void proxy_set_visible(struct wall_isolate *isolate, bool visible)
{
	g_mutex_lock(&isolate->lock);
	isolate->visible = visible;
	isolate->visibility_told = true;
	g_mutex_unlock(&isolate->lock);
	struct wall_ipc_header header = {.type = visible ? WALL_IPC_SHOW : WALL_IPC_HIDE};
	send_current(isolate, header);
}

static void proxy_show(void *instance)
{
	proxy_set_visible(instance, true);
}

static void proxy_hide(void *instance)
{
	proxy_set_visible(instance, false);
}

static void proxy_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	struct wall_isolate *isolate = instance;
	g_mutex_lock(&isolate->lock);
	isolate->view_width_px = width_px;
	isolate->view_height_px = height_px;
	g_mutex_unlock(&isolate->lock);
	struct wall_ipc_header header = {.type = WALL_IPC_VIEW_SIZE, .a = width_px, .b = height_px};
	send_current(isolate, header);
}

static void add_number(wall_status_fn add, void *user, const char *key, uint64_t value)
{
	char text[32];
	snprintf(text, sizeof(text), "%" G_GUINT64_FORMAT, value);
	add(user, key, text);
}

static void proxy_status(void *instance, wall_status_fn add, void *user)
{
	struct wall_isolate *isolate = instance;
	g_mutex_lock(&isolate->lock);
	GByteArray *pairs = g_byte_array_new();
	g_byte_array_append(pairs, isolate->status->data, isolate->status->len);
	pid_t pid = isolate->child != NULL ? isolate->child->pid : 0;
	uint64_t figures[] = {isolate->rss_kb, isolate->restarts, isolate->crashes, isolate->hangs,
	                      isolate->memory_kills};
	char *last_exit = g_strdup(isolate->last_exit);
	g_mutex_unlock(&isolate->lock);

	/* The plugin's own pairs first, as it sent them with its last heartbeat. */
	for (unsigned i = 0;; i += 2) {
		const char *key = wall_ipc_text_field((const char *)pairs->data, pairs->len, i);
		const char *value =
		        wall_ipc_text_field((const char *)pairs->data, pairs->len, i + 1);
		if (key == NULL || value == NULL) {
			break;
		}
		add(user, key, value);
	}
	add(user, "isolated", "yes");
	add_number(add, user, "child_pid", (uint64_t)pid);
	add_number(add, user, "child_rss_kb", figures[0]);
	add_number(add, user, "restarts", figures[1]);
	add_number(add, user, "crashes", figures[2]);
	add_number(add, user, "hangs", figures[3]);
	add_number(add, user, "memory_kills", figures[4]);
	if (last_exit != NULL) {
		add(user, "last_exit", last_exit);
	}
	g_free(last_exit);
	g_byte_array_unref(pairs);
}

static void isolate_free(struct wall_isolate *isolate)
{
	if (isolate->wake_fd >= 0) {
		close(isolate->wake_fd);
	}
	g_byte_array_unref(isolate->status);
	g_string_free(isolate->init, TRUE);
	g_free(isolate->plugin_path);
	g_free(isolate->plugin_name);
	g_free(isolate->last_exit);
	g_free(isolate->create_error);
	g_mutex_clear(&isolate->lock);
	g_mutex_clear(&isolate->host_lock);
	g_free(isolate);
}

static void proxy_destroy(void *instance)
{
	struct wall_isolate *isolate = instance;
	if (isolate == NULL) {
		return;
	}
	g_mutex_lock(&isolate->host_lock);
	isolate->stopping = true;
	g_mutex_unlock(&isolate->host_lock);
	uint64_t one = 1;
	if (write(isolate->wake_fd, &one, sizeof(one)) < 0) {
		/* An eventfd only fails to count past 2^64 - 2. */
	}
	g_thread_join(isolate->thread);
	isolate_free(isolate);
}

static void append_field(GString *text, const char *value)
{
	g_string_append(text, value != NULL ? value : "");
	g_string_append_c(text, '\0');
}

struct wall_isolate *wall_isolate_create(const struct wall_host *host, struct wall_source *source,
                                         const struct wall_plugin *plugin, const char *plugin_path,
                                         const struct wall_layout_source *config)
{
	struct wall_isolate *isolate = g_new0(struct wall_isolate, 1);
	isolate->table = *plugin;
	isolate->table.create = proxy_create;
	isolate->table.destroy = proxy_destroy;
	isolate->table.show = proxy_show;
	isolate->table.hide = proxy_hide;
	isolate->table.status = proxy_status;
	isolate->table.set_view_size = proxy_set_view_size;
	isolate->host = host;
	isolate->source = source;
	isolate->plugin_path = g_strdup(plugin_path);
	isolate->plugin_name = g_strdup(plugin->name);
	isolate->memory_mb = config->memory_mb;
	isolate->status = g_byte_array_new();
	g_mutex_init(&isolate->lock);
	g_mutex_init(&isolate->host_lock);
	isolate->init = g_string_new(NULL);
	append_field(isolate->init, config->name);
	append_field(isolate->init, config->dir);
	for (unsigned i = 0; config->options != NULL && i < config->options->len; i++) {
		const struct wall_layout_option *option = g_ptr_array_index(config->options, i);
		append_field(isolate->init, option->name);
		append_field(isolate->init, option->value);
	}
	isolate->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (isolate->wake_fd < 0 || isolate->init->len > WALL_IPC_MAX_BYTES) {
		wall_warning("%s: cannot isolate: %s", config->name,
		             isolate->wake_fd < 0 ? g_strerror(errno) : "options too long");
		isolate_free(isolate);
		return NULL;
	}
	isolate->thread = g_thread_new("isolate", supervise, isolate);
	return isolate;
}

const struct wall_plugin *wall_isolate_plugin(struct wall_isolate *isolate)
{
	return &isolate->table;
}
